"""The shared journey and the money on top: a season of 600 logs on Slack and Telegram crosses
three stops and a bonus, with two employees pledging; each stop and the bonus is announced
once in every announcement chat, with its map, and the final report shows the three kinds of
money and their sum."""

import asyncio
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from bot.config import Bonus, JourneyConfig
from bot.domain.journey import Route, Stop
from tests.conftest import Clock
from tests.test_outbox import bot_on_both_platforms
from tests.test_reliability import (
    GROUP,
    LOGGED,
    SLACK_ADMIN,
    SLACK_CHANNEL,
    BothPlatforms,
    Person,
    wait_until,
)

ROUTE = Route(  # 344 + 264 + 173 km
    (
        Stop("London", 51.5072, -0.1276),
        Stop("Paris", 48.8566, 2.3522),
        Stop("Brussels", 50.8503, 4.3517),
        Stop("Amsterdam", 52.3676, 4.9041),
    ),
    loop=False,
)
PEOPLE = [Person("slack", f"URIDER{n}") for n in range(3)] + [
    Person("telegram", str(70_000 + n)) for n in range(3)
]
LOGS, LOG_KM, WAVE = 600, Decimal("1.4"), 30
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def season(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[BothPlatforms]:
    async with bot_on_both_platforms(
        database_url,
        tmp_path,
        clock,
        ("slack", "telegram"),
        journey=JourneyConfig("To Amsterdam", ROUTE),
        bonuses=(Bonus(500, Decimal(100)),),
    ) as running:
        yield running


def slack_posts(season: BothPlatforms, words: str) -> list[str]:
    return [m["text"] for m in season.slack_api.messages_to(SLACK_CHANNEL) if words in m["text"]]


def telegram_posts(season: BothPlatforms, words: str) -> list[str]:
    return [m["text"] for m in season.telegram_api.messages_to(GROUP["id"]) if words in m["text"]]


async def test_a_season_crosses_three_stops_and_a_bonus_each_announced_once(season) -> None:
    for number, person in enumerate(PEOPLE):
        team = ("Red Rockets", "Blue Herons")[number % 2]
        joining = "newteam" if number < 2 else "join"
        assert team in await season.ask(person, f"{joining} {team}")
    assert "Your pledge: EUR 20." in await season.ask(PEOPLE[0], "pledge 20")
    assert "EUR 0.05 per km" in await season.ask(PEOPLE[3], "pledge 0.05 per km")

    schedule = season.bot.schedule
    for wave in range(LOGS // WAVE):
        riders = [PEOPLE[(wave * WAVE + i) % len(PEOPLE)] for i in range(WAVE)]
        replies = await asyncio.gather(
            *(season.ask(person, f"log {LOG_KM} km cycle") for person in riders)
        )
        assert all(LOGGED.search(reply) for reply in replies), replies
        if wave % 4 == 3:  # every minute, on two instances at once
            await asyncio.gather(schedule.announce_journey(), schedule.announce_journey())
    await asyncio.gather(schedule.announce_journey(), schedule.announce_journey())

    total_km = LOGS * LOG_KM  # 840 km: past Paris, Brussels and Amsterdam, the end
    assert ROUTE.length_m < total_km * 1000
    for stop in ("Paris", "Brussels", "Amsterdam"):
        assert len(slack_posts(season, f"reached {stop}")) == 1, stop
        assert len(telegram_posts(season, f"reached {stop}")) == 1, stop
    assert len(slack_posts(season, "the company adds EUR 100")) == 1
    assert len(telegram_posts(season, "the company adds EUR 100")) == 1
    # Every stop announcement carries its map: on Slack an upload, on Telegram a photo.
    stop_posts = len(slack_posts(season, "reached"))
    maps = [data for data in season.slack_api.uploads.values() if data.startswith(PNG)]
    assert len(maps) == stop_posts >= 1
    photos = season.telegram_api.photos_to(GROUP["id"])
    assert len(photos) == len(telegram_posts(season, "reached"))
    with Image.open(io.BytesIO(photos[-1])) as image:
        assert image.format == "PNG" and image.size == (1200, 900)
    assert "all the way to Amsterdam" in slack_posts(season, "reached")[-1]

    journey = await season.ask(PEOPLE[1], "journey")
    assert "The challenge has gone all the way to Amsterdam: 840 km!" in journey

    # The final report: the company's gift per km, its bonus, the pledges, and their sum.
    finish = await season.ask(Person("slack", SLACK_ADMIN), "admin finish confirm")
    assert "final report" in finish
    await wait_until(lambda: telegram_posts(season, "the final result"), seconds=10)
    await wait_until(lambda: slack_posts(season, "the final result"), seconds=10)
    (report,) = slack_posts(season, "the final result")
    gift = Decimal(84)  # 840 km at EUR 0.10
    per_km_pledger_km = LOG_KM * (LOGS // len(PEOPLE))  # 140 km
    pledges = Decimal(20) + per_km_pledger_km * Decimal("0.05")  # 20 + 7
    assert "From the company: EUR 84 at EUR 0.10 per km." in report
    assert "Company bonuses: EUR 100." in report
    assert f"Employees' pledges: EUR {pledges:.0f}." in report
    assert f"Together that is EUR {gift + 100 + pledges:.0f} for charity." in report
    assert "all the way to Amsterdam" in report
    (telegram_report,) = telegram_posts(season, "the final result")
    assert "Company bonuses: EUR 100." in telegram_report
