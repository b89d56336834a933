"""Opt-in reminders on Slack and Telegram, with two bot instances on one database and the clock
set by the test: each nudge goes once per person and day, only to those who logged nothing,
never to someone who blocked the bot; Mondays bring a summary of the week."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import RunningBot, start_bot
from storage.models import Reminder, ReminderSent
from tests.conftest import LONDON, Clock
from tests.fakes.flaky_apis import FlakySlackApi, FlakyTelegramApi
from tests.fakes.platform_requests import SlackRequests, TelegramRequests
from tests.test_reliability import (
    BOTH_SECRETS,
    LOGGED,
    SIGNING_SECRET,
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    BothPlatforms,
    Person,
    both_platforms_config,
    wait_until,
)

ALICE, CAROL = Person("slack", "UALICE"), Person("slack", "UCAROL")
BOB, DAN = Person("telegram", "1002"), Person("telegram", "1004")
NUDGE = "Nothing logged today yet."


class TwoInstances:
    """Two bots on one database and the same platforms, as behind a load balancer."""

    def __init__(self, first: BothPlatforms, second: BothPlatforms, clock: Clock) -> None:
        self.first, self.second, self.clock = first, second, clock

    @property
    def slack_api(self) -> FlakySlackApi:
        return self.first.slack_api

    @property
    def telegram_api(self) -> FlakyTelegramApi:
        return self.first.telegram_api

    async def both_look(self) -> int:
        """Each instance's minute job at once; how many reminders they claimed together."""
        counts = await asyncio.gather(
            self.first.bot.schedule.send_reminders(), self.second.bot.schedule.send_reminders()
        )
        await self.sent()
        return sum(counts)

    async def sent(self) -> None:
        """Everything the jobs started is delivered."""
        for running in (self.first, self.second):
            await running.bot.schedule._beside.finish()  # noqa: SLF001

    def nudges_to(self, person: Person) -> list[str]:
        if person.platform == "slack":
            messages = self.slack_api.messages_to(f"D{person.id}")
        else:
            messages = self.telegram_api.messages_to(int(person.id))
        return [m["text"] for m in messages if NUDGE in m["text"] or "Last week" in m["text"]]

    def count(self, model: type) -> int:
        with Session(self.first.engine) as session:
            return session.scalar(select(func.count()).select_from(model))


async def _instance(config, clock: Clock, slack_api, telegram_api, session) -> BothPlatforms:
    bot: RunningBot = await start_bot(
        config, BOTH_SECRETS, clock, outbox_backoff_s=0.05, start_schedule=False
    )
    bot.schedule.reminders_spread_s = 0.2  # the minute, shortened
    base = f"http://127.0.0.1:{bot.server.port}"
    return BothPlatforms(
        bot,
        slack_api,
        telegram_api,
        SlackRequests(session, f"{base}/slack/events", SIGNING_SECRET),
        TelegramRequests(session, f"{base}/telegram/webhook", WEBHOOK_SECRET),
    )


@pytest.fixture
async def two(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[TwoInstances]:
    slack_api, telegram_api = FlakySlackApi(), FlakyTelegramApi(TELEGRAM_TOKEN)
    await slack_api.start()
    await telegram_api.start()
    config = both_platforms_config(database_url, tmp_path, slack_api.url, telegram_api.url)
    async with aiohttp.ClientSession() as session:
        first = await _instance(config, clock, slack_api, telegram_api, session)
        second = await _instance(config, clock, slack_api, telegram_api, session)
        # One Telegram: its update and message numbers go on, whichever instance it calls.
        second.telegram._message_ids = itertools.count(100_000)  # noqa: SLF001
        second.telegram._update_ids = itertools.count(900_000)  # noqa: SLF001
        try:
            yield TwoInstances(first, second, clock)
        finally:
            await second.bot.stop()
            await first.bot.stop()
    await telegram_api.stop()
    await slack_api.stop()


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2021, 7, day, hour, minute, tzinfo=LONDON)


async def test_each_person_is_nudged_once_at_their_time_only_on_days_without_a_log(two):
    first, second = two.first, two.second
    assert "is created" in await first.ask(ALICE, "newteam Red Rockets")
    for person, instance in ((BOB, second), (CAROL, first), (DAN, second)):
        assert "Welcome" in await instance.ask(person, "join Red Rockets")
    for person, instance in ((ALICE, first), (BOB, second), (CAROL, second)):
        reply = await instance.ask(person, "remind 19:30")
        assert "I'll remind you at 19:30 (Europe/London)" in reply
    assert LOGGED.search(await first.ask(CAROL, "log 5 km run"))  # Carol has logged today

    two.clock.now = at(15, 19, 29)
    assert await two.both_look() == 0  # not yet
    two.clock.now = at(15, 19, 30)
    assert await two.both_look() == 2  # Alice and Bob, once, between the two instances
    assert len(two.nudges_to(ALICE)) == len(two.nudges_to(BOB)) == 1
    assert two.nudges_to(CAROL) == [] and two.nudges_to(DAN) == []
    (slack_nudge,) = two.slack_api.messages_to(f"D{ALICE.id}")
    assert "log 3 km walk" in slack_nudge["text"]
    # Posted to Alice's id: thousands of nudges cost no conversations.open (50 a minute).
    assert two.slack_api.called("conversations.open") == []
    assert "remind off" in str(slack_nudge["blocks"])  # the "Stop these" button
    two.clock.now = at(15, 19, 41)
    assert await two.both_look() == 0  # once a day, however many looks
    assert two.count(ReminderSent) == 2

    two.clock.now = at(16, 19, 31)  # the next day: Alice logs first, Bob stops his
    assert LOGGED.search(await second.ask(ALICE, "log 2 km walk"))
    assert "Reminders are off" in await first.ask(BOB, "remind off")
    assert await two.both_look() == 1  # Carol, who logged yesterday but not today
    assert len(two.nudges_to(CAROL)) == 1
    assert len(two.nudges_to(ALICE)) == len(two.nudges_to(BOB)) == 1


async def test_someone_who_blocked_the_bot_is_tried_once_and_their_reminder_stops(two):
    assert "is created" in await two.first.ask(DAN, "newteam Blue Herons")
    assert "I'll remind you" in await two.second.ask(DAN, "remind 19:30")
    two.telegram_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    two.clock.now = at(15, 19, 30)
    assert await two.both_look() == 1
    await wait_until(lambda: two.count(Reminder) == 0, seconds=5)
    two.clock.now = at(16, 19, 30)
    assert await two.both_look() == 0


async def test_someone_on_slack_who_cannot_be_written_to_is_tried_once_and_their_reminder_stops(
    two,
):
    assert "is created" in await two.first.ask(ALICE, "newteam Blue Herons")
    assert "I'll remind you" in await two.first.ask(ALICE, "remind 19:30")
    two.slack_api.fail_next("chat.postMessage", 200, error="cannot_dm_bot")
    two.clock.now = at(15, 19, 30)
    assert await two.both_look() == 1
    await wait_until(lambda: two.count(Reminder) == 0, seconds=5)


async def test_monday_brings_last_weeks_summary(two):
    assert "is created" in await two.first.ask(ALICE, "newteam Red Rockets")
    two.clock.now = at(14, 12, 0)  # a Wednesday of last week
    assert LOGGED.search(await two.first.ask(ALICE, "log 12 km cycle"))
    reply = await two.first.ask(ALICE, "remind weekly")
    assert "Every Monday you get a summary of the week before." in reply
    two.clock.now = at(19, 9, 5)  # Monday 19 July, no daily time: 09:00
    assert await two.both_look() == 1
    (summary,) = two.nudges_to(ALICE)
    assert "Last week, Mon 12 Jul 2021 to Sun 18 Jul 2021: you logged 12 km." in summary
    assert "You are rank 1" in summary
    assert "Red Rockets logged 12 km last week, and is rank 1." in summary
