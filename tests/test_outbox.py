"""Posts to the announcement chats: a chat that refuses for good is asked once and the others
still get the post; a post that reached no chat may be posted again, and the admin who asked
is told how it went; the chart is drawn after the post is claimed, while commands go on.

The real bot serves Slack (HTTP) and Telegram (webhook) over one database, against the local
fake platform APIs, as in test_reliability."""

import asyncio
import dataclasses
import logging
import threading
import time
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import charts
from bot.app import start_bot
from bot.platforms.outbox import Outbox, RetryLater
from bot.replies import Attachment, Reply, Text, ToAnnouncementChats
from storage.models import PostLedger
from tests.conftest import LONDON, Clock, make_config
from tests.fakes.flaky_apis import FlakySlackApi, FlakyTelegramApi
from tests.fakes.platform_requests import SlackRequests, TelegramRequests
from tests.test_reliability import (
    ALICE,
    BOTH_SECRETS,
    GROUP,
    LOGGED,
    SIGNING_SECRET,
    SLACK_BOSS,
    SLACK_CHANNEL,
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    BothPlatforms,
    both_platforms_config,
    wait_until,
)

# The platform APIs fail here, not the database: one backend is enough.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TELEGRAM_GROUP = str(GROUP["id"])
ADMIN_DM = f"D{SLACK_BOSS.id}"  # the fake Slack opens a direct chat "D" + the user's id
POSTING = "Posting today's leaderboard to the announcement chats now; I'll tell you how it went."


@asynccontextmanager
async def bot_on_both_platforms(
    database_url: str,
    directory: Path,
    clock: Clock,
    announce_on: Collection[str],
    **settings: Any,
) -> AsyncIterator[BothPlatforms]:
    """The real bot on Slack and Telegram, posting to the announcement chats of the platforms
    in `announce_on`, with any other `settings` of its configuration."""
    slack_api, telegram_api = FlakySlackApi(), FlakyTelegramApi(TELEGRAM_TOKEN)
    await slack_api.start()
    await telegram_api.start()
    config = both_platforms_config(database_url, directory, slack_api.url, telegram_api.url)
    announce = tuple(chat for chat in config.announce if chat.platform in announce_on)
    config = dataclasses.replace(config, announce=announce, **settings)
    bot = await start_bot(config, BOTH_SECRETS, clock, outbox_backoff_s=0.05, start_schedule=False)
    base = f"http://127.0.0.1:{bot.server.port}"
    try:
        async with aiohttp.ClientSession() as session:
            yield BothPlatforms(
                bot,
                slack_api,
                telegram_api,
                SlackRequests(session, f"{base}/slack/events", SIGNING_SECRET),
                TelegramRequests(session, f"{base}/telegram/webhook", WEBHOOK_SECRET),
            )
    finally:
        await bot.stop()
        await telegram_api.stop()
        await slack_api.stop()


@pytest.fixture
def at_six_pm(clock: Clock) -> Clock:
    clock.now = datetime(2021, 7, 15, 18, 0, 5, tzinfo=LONDON)
    return clock


@pytest.fixture
async def both(database_url: str, tmp_path: Path, at_six_pm: Clock) -> AsyncIterator[BothPlatforms]:
    async with bot_on_both_platforms(
        database_url, tmp_path, at_six_pm, ("slack", "telegram")
    ) as running:
        yield running


@pytest.fixture
async def telegram_announced(
    database_url: str, tmp_path: Path, clock: Clock
) -> AsyncIterator[BothPlatforms]:
    """Posts go to the Telegram group only; the admin asks on Slack."""
    async with bot_on_both_platforms(database_url, tmp_path, clock, ("telegram",)) as running:
        yield running


def ledger(both: BothPlatforms) -> list[tuple[str, bool]]:
    """Each claimed post's key, and whether it is recorded as sent."""
    with Session(both.engine) as session:
        return [
            (entry.key, entry.sent_at is not None) for entry in session.scalars(select(PostLedger))
        ]


def slack_posts_to(both: BothPlatforms, channel: str) -> list[dict]:
    """Every chat.postMessage call for `channel`, answered or refused."""
    return [
        call.params
        for call in both.slack_api.calls
        if call.method == "chat.postMessage" and call.params.get("channel") == channel
    ]


def logged(records: list[logging.LogRecord], event: str) -> list[dict[str, str]]:
    return [
        {key: str(getattr(record, key, "")) for key in ("platform", "target", "reason")}
        for record in records
        if record.getMessage() == event
    ]


async def notices_to_admin(both: BothPlatforms, count: int) -> list[str]:
    """The first `count` direct messages to the Slack admin, once they are there."""
    await wait_until(lambda: len(both.slack_api.messages_to(ADMIN_DM)) >= count, seconds=10)
    return [message["text"] for message in both.slack_api.messages_to(ADMIN_DM)]


async def start_a_team(both: BothPlatforms) -> None:
    assert "is created" in await both.ask(ALICE, "newteam Red Rockets")
    assert LOGGED.search(await both.ask(ALICE, "log 12 km run"))


# -- a chat that refuses for good ---------------------------------------------------------------


@SQLITE_ONLY
async def test_a_channel_the_bot_is_not_in_is_asked_once_and_telegram_still_gets_the_post(
    both, caplog
):
    await start_a_team(both)
    for _ in range(3):  # were it asked again, it would refuse again
        both.slack_api.fail_next("chat.postMessage", 200, error="not_in_channel")

    assert await both.bot.schedule.post_leaderboard() is True

    assert len(slack_posts_to(both, SLACK_CHANNEL)) == 1
    assert both.slack_api.called("files.getUploadURLExternal") == []  # nor its chart
    shown = both.announcements()
    # The chart and the journey's map.
    assert (len(shown["telegram messages"]), len(shown["telegram photos"])) == (1, 2)
    assert "day 15 of 62" in shown["telegram messages"][0]
    assert logged(caplog.records, "delivery_undeliverable") == [
        {"platform": "slack", "target": SLACK_CHANNEL, "reason": "not_in_channel"}
    ]
    # It reached a chat: it counts as posted, and is not posted again.
    assert ledger(both) == [(f"{both.bot.dispatcher.season_id}:leaderboard:2021-07-15", True)]
    assert await both.bot.schedule.post_leaderboard() is False


@SQLITE_ONLY
async def test_a_group_that_removed_the_bot_is_asked_once_and_slack_still_gets_the_post(
    both, caplog
):
    await start_a_team(both)
    refusal = "Forbidden: bot was kicked from the supergroup chat"
    for _ in range(3):
        both.telegram_api.fail_next("sendMessage", 403, refusal)

    assert await both.bot.schedule.post_leaderboard() is True

    refused = [call for call in both.telegram_api.refused if call.method == "sendMessage"]
    assert len(refused) == 1
    shown = both.announcements()
    assert shown["telegram messages"] == [] and shown["telegram photos"] == []
    assert (len(shown["slack messages"]), len(shown["slack files"])) == (1, 2)
    (line,) = logged(caplog.records, "delivery_undeliverable")
    assert (line["platform"], line["target"]) == ("telegram", TELEGRAM_GROUP)
    assert "bot was kicked" in line["reason"]


# -- a post that reached no chat ----------------------------------------------------------------


async def test_a_leaderboard_that_reached_no_chat_can_be_posted_again_and_the_admin_is_told_both_times(  # noqa: E501
    telegram_announced,
):
    both = telegram_announced
    await start_a_team(both)
    attempts = both.bot.outbox.attempts
    for _ in range(attempts):
        both.telegram_api.fail_next("sendMessage", 500, "Internal Server Error")

    assert POSTING in await both.ask(SLACK_BOSS, "admin post")
    (failed,) = await notices_to_admin(both, 1)
    assert f"Today's leaderboard reached no chat (Telegram {TELEGRAM_GROUP}:" in failed
    assert "nothing was recorded, so it can be posted again" in failed
    assert "Try again: /challenge admin post" in failed
    assert len(both.telegram_api.refused) == attempts == 3  # the SDK retried each already
    assert both.announcements()["telegram messages"] == []
    assert ledger(both) == []

    assert POSTING in await both.ask(SLACK_BOSS, "admin post")
    _, posted = await notices_to_admin(both, 2)
    assert posted == "Posted today's leaderboard to 1 of 1 chat."
    shown = both.announcements()
    assert (len(shown["telegram messages"]), len(shown["telegram photos"])) == (1, 2)
    assert ledger(both) == [(f"{both.bot.dispatcher.season_id}:leaderboard:2021-07-15", True)]
    assert "was already posted" in await both.ask(SLACK_BOSS, "admin post")


@SQLITE_ONLY
async def test_a_leaderboard_that_reached_one_of_two_chats_counts_as_posted_and_says_which_missed(
    both,
):
    await start_a_team(both)
    for _ in range(both.bot.outbox.attempts):
        both.telegram_api.fail_next("sendMessage", 502, "Bad Gateway")

    assert POSTING in await both.ask(SLACK_BOSS, "admin post")
    (notice,) = await notices_to_admin(both, 1)
    assert notice.startswith(
        f"Posted today's leaderboard to 1 of 2 chats (Telegram {TELEGRAM_GROUP}: "
    )
    assert len(both.announcements()["slack messages"]) == 1
    assert "was already posted" in await both.ask(SLACK_BOSS, "admin post")


# -- the chart is drawn outside the database ----------------------------------------------------


@SQLITE_ONLY
async def test_a_slowly_drawn_chart_holds_up_no_command(both, monkeypatch):
    await start_a_team(both)
    drawing, finish = threading.Event(), threading.Event()
    draw = charts.team_ranking_png

    def slow_chart(title: str, teams: list[tuple[str, float]]) -> bytes:
        drawing.set()
        finish.wait(10)
        return draw(title, teams)

    monkeypatch.setattr(charts, "team_ranking_png", slow_chart)
    posting = asyncio.create_task(both.bot.schedule.post_leaderboard())
    try:
        assert await asyncio.to_thread(drawing.wait, 10), "the chart was never drawn"
        started = time.monotonic()
        reply = await asyncio.wait_for(both.ask(ALICE, "log 5 km run"), 5)
        assert LOGGED.search(reply), reply
        assert time.monotonic() - started < 2
        assert not posting.done()
    finally:
        finish.set()
    assert await posting is True
    assert len(both.slack_api.uploads) == 2  # the chart and the journey's map
    assert all(png.startswith(PNG_MAGIC) for png in both.slack_api.uploads.values())


async def test_a_chart_that_fails_to_draw_leaves_out_the_image_not_the_post(
    both, monkeypatch, caplog
):
    await start_a_team(both)

    def broken_chart(title: str, teams: list[tuple[str, float]]) -> bytes:
        raise FileNotFoundError("a font went missing")

    monkeypatch.setattr(charts, "team_ranking_png", broken_chart)
    with caplog.at_level(logging.ERROR):
        assert await both.bot.schedule.post_leaderboard() is True
    (uploaded,) = both.slack_api.called("files.completeUploadExternal")
    assert [f["title"] for f in uploaded["files"]] == ["journey.png"]  # the map, not the chart
    failures = [r.drawing for r in caplog.records if r.getMessage() == "drawing_failed"]
    assert failures == ["leaderboard-2021-07-15.png"]


# -- rate limits --------------------------------------------------------------------------------


class RateLimitedChat:
    """A platform that asks for a pause of `seconds` before it takes the post."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.tries: list[float] = []
        self.posts: list[Reply] = []

    async def open_direct(self, user_id: str) -> str:
        return user_id

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        self.tries.append(time.monotonic())
        if len(self.tries) == 1:
            raise RetryLater(self.seconds)
        self.posts.append(reply)

    async def post_file(self, chat_id: str, attachment: Attachment) -> None:
        pass

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        return None


async def test_a_rate_limited_chat_gets_the_post_once_after_the_pause_it_asked_for(tmp_path):
    config = make_config("sqlite://", tmp_path)
    outbox = Outbox(config, first_backoff_s=30)  # far longer than the platform asks
    chat = RateLimitedChat(seconds=0.3)
    outbox.register("slack", chat)
    announcement = Reply((Text("Last week!"),), ToAnnouncementChats())

    assert await asyncio.wait_for(outbox.deliver(announcement), 5) == 1
    assert chat.posts == [announcement]
    first, second = chat.tries
    assert 0.3 <= second - first < 2
