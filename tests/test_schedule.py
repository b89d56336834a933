"""Scheduled posts: the daily leaderboard with its chart and the final report, each once."""

import asyncio
import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.app import Secrets, start_bot
from bot.platforms.outbox import Outbox
from bot.render.plain import render
from bot.replies import Attachment, Reply
from bot.schedule import PostSchedule
from bot.startup import open_challenge
from storage import repository as repo
from storage.database import transaction
from storage.models import Activity, Delivery, PostLedger
from tests.conftest import LONDON, Chat, Clock, make_config

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class RecordingChats:
    """Stands in for Slack and Telegram: records what each announcement chat received."""

    def __init__(self, failures: dict[str, int] | None = None) -> None:
        self.posts: list[tuple[str, Reply]] = []
        self.files: list[tuple[str, Attachment]] = []
        self.failures = dict(failures or {})

    async def open_direct(self, user_id: str) -> str:
        return f"dm:{user_id}"

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        if self.failures.get(chat_id, 0) > 0:
            self.failures[chat_id] -= 1
            raise ConnectionError("the platform is down")
        self.posts.append((chat_id, reply))

    async def post_file(self, chat_id: str, attachment: Attachment) -> None:
        self.files.append((chat_id, attachment))

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        return None

    def texts(self, chat_id: str) -> list[str]:
        return [render(reply) for chat, reply in self.posts if chat == chat_id]


ANNOUNCE = [
    {"platform": "slack", "chat": "C0123456789"},
    {"platform": "telegram", "chat": "-100200300"},
]


def schedule_for(chat: Chat, chats: RecordingChats, clock: Clock) -> PostSchedule:
    outbox = Outbox(chat.dispatcher.config, first_backoff_s=0.01)
    outbox.register("slack", chats)
    outbox.register("telegram", chats)
    return PostSchedule(
        chat.dispatcher.config, chat.dispatcher.sessions, chat.dispatcher.season_id, outbox, clock
    )


@pytest.fixture
def config(database_url, tmp_path):
    return make_config(database_url, tmp_path, announce=ANNOUNCE)


@pytest.fixture
def at_six_pm(clock: Clock) -> Clock:
    clock.now = datetime(2021, 7, 15, 18, 0, 5, tzinfo=LONDON)
    return clock


async def test_the_daily_leaderboard_goes_once_to_every_announcement_chat(chat, at_six_pm):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 12 km run")
    chats = RecordingChats()
    schedule = schedule_for(chat, chats, at_six_pm)
    assert await schedule.post_leaderboard() is True
    assert await schedule.post_leaderboard() is False
    assert sorted(chat_id for chat_id, _ in chats.posts) == ["-100200300", "C0123456789"]
    (text,) = chats.texts("C0123456789")
    assert "Summer Challenge 2021: day 15 of 62" in text
    assert "12 km so far, EUR 1 for charity" in text
    assert "1  Red Rockets  12.0" in text
    images = [p for p in chats.posts[0][1].parts if isinstance(p, Attachment)]
    assert [image.filename for image in images] == ["leaderboard-2021-07-15.png", "journey.png"]
    assert all(i.media_type == "image/png" and i.content.startswith(PNG_MAGIC) for i in images)


async def test_two_instances_on_one_database_post_once(chat, at_six_pm, config):
    other_dispatcher, other_engine = open_challenge(config, at_six_pm)
    other = Chat(other_dispatcher, other_engine, at_six_pm)
    chats = RecordingChats()
    first, second = schedule_for(chat, chats, at_six_pm), schedule_for(other, chats, at_six_pm)
    results = await asyncio.gather(first.post_leaderboard(), second.post_leaderboard())
    other_engine.dispose()
    assert sorted(results) == [False, True]
    assert len(chats.texts("C0123456789")) == 1


async def test_an_admin_post_counts_as_the_days_post(chat, at_six_pm):
    chat.make_admin("carol")
    at_six_pm.now = datetime(2021, 7, 15, 17, 0, tzinfo=LONDON)
    assert "Posting today's leaderboard" in chat.say("carol", "/admin post")
    assert "was already posted" in chat.say("carol", "/admin post")
    at_six_pm.now = datetime(2021, 7, 15, 18, 0, 5, tzinfo=LONDON)
    chats = RecordingChats()
    assert await schedule_for(chat, chats, at_six_pm).post_leaderboard() is False
    assert chats.posts == []


async def test_a_missed_post_is_made_late_within_catch_up_hours_and_not_after(chat, clock):
    chats = RecordingChats()
    clock.now = datetime(2021, 7, 15, 23, 59, tzinfo=LONDON)  # 5 h 59 min late
    await schedule_for(chat, chats, clock).catch_up_missed()
    assert len(chats.texts("C0123456789")) == 1
    clock.now = datetime(2021, 7, 17, 0, 1, tzinfo=LONDON)  # 16th's post is 6 h 1 min late
    await schedule_for(chat, chats, clock).catch_up_missed()
    assert len(chats.texts("C0123456789")) == 1


async def test_a_restart_right_after_a_post_posts_nothing_more(chat, at_six_pm):
    chats = RecordingChats()
    await schedule_for(chat, chats, at_six_pm).catch_up_missed()
    await schedule_for(chat, chats, at_six_pm).catch_up_missed()
    assert len(chats.texts("C0123456789")) == 1
    with Session(chat.engine) as session:
        (entry,) = session.scalars(select(PostLedger)).all()
    assert entry.key.endswith(":leaderboard:2021-07-15")


async def test_one_failing_chat_is_retried_and_does_not_hold_back_the_others(chat, at_six_pm):
    chats = RecordingChats(failures={"-100200300": 2})
    assert await schedule_for(chat, chats, at_six_pm).post_leaderboard() is True
    assert len(chats.texts("C0123456789")) == 1
    assert len(chats.texts("-100200300")) == 1


async def test_nothing_is_posted_outside_the_season(chat, clock):
    chats = RecordingChats()
    clock.now = datetime(2021, 6, 30, 18, 30, tzinfo=LONDON)
    assert await schedule_for(chat, chats, clock).post_leaderboard() is False
    clock.now = datetime(2021, 9, 1, 18, 30, tzinfo=LONDON)
    assert await schedule_for(chat, chats, clock).post_leaderboard() is False
    assert chats.posts == []


async def test_the_final_report_of_264497_km_at_ten_cents_donates_eur_26449(chat, clock):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/newteam Blue Bears")
    with transaction(chat.dispatcher.sessions) as session:
        season_id = chat.dispatcher.season_id
        people = {
            name: repo.account_participant(session, "console", name, name, clock()).id
            for name in ("alice", "bob")
        }
        teams = {p: repo.current_team(session, season_id, pid).id for p, pid in people.items()}
        rows = [
            {
                "season_id": season_id,
                "participant_id": people[person],
                "team_id": teams[person],
                "kind": kind,
                "distance_m": metres,
                "day": date(2021, 7, 1) + timedelta(days=i % 62),
                "created_at": datetime(2021, 7, 1, tzinfo=UTC),
            }
            for i, (person, kind, metres) in enumerate(
                [
                    ("alice", "run", 100_000_000),
                    ("bob", "cycle", 164_000_000),
                    ("alice", "walk", 497_000),
                ]
            )
        ]
        session.execute(insert(Activity), rows)
        repo.rebuild_totals(session, season_id)
    chats = RecordingChats()
    clock.now = datetime(2021, 9, 1, 18, 0, 1, tzinfo=LONDON)
    assert await schedule_for(chat, chats, clock).post_final_report() is True
    (text,) = chats.texts("C0123456789")
    assert "Summer Challenge 2021: the final result" in text
    assert "Together we covered 264,497 km: 6.6 times around the Earth." in text
    assert "The company donates EUR 26,449 (EUR 0.10 per km). Thank you all!" in text
    assert "2 participants in 2 teams." in text
    assert await schedule_for(chat, chats, clock).post_final_report() is False


async def test_the_real_scheduler_posts_at_the_daily_time_and_a_restart_posts_nothing_more(
    database_url: str, tmp_path: Path
):
    now = datetime.now(LONDON)
    if now.time() > time(23, 59, 50):  # the job must fall on the same day
        pytest.skip("too close to midnight")
    config = make_config(database_url, tmp_path, announce=ANNOUNCE)
    daily = (now + timedelta(seconds=2)).time().replace(microsecond=0)
    season = dataclasses.replace(
        config.season, start=now.date() - timedelta(days=3), end=now.date() + timedelta(days=3)
    )
    schedule = dataclasses.replace(config.schedule, daily_leaderboard=daily)
    config = dataclasses.replace(config, season=season, schedule=schedule)

    chats = RecordingChats()
    bot = await start_bot(config, Secrets(), start_schedule=False)
    bot.outbox.register("slack", chats)
    bot.outbox.register("telegram", chats)
    bot.schedule.start()
    deadline = asyncio.get_running_loop().time() + 10
    while len(chats.posts) < 2 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    await bot.stop()
    assert len(chats.texts("C0123456789")) == 1

    restarted = await start_bot(config, Secrets(), start_schedule=False)
    restarted.outbox.register("slack", chats)
    restarted.outbox.register("telegram", chats)
    restarted.schedule.start()
    await asyncio.sleep(0.5)
    await restarted.stop()
    assert len(chats.texts("C0123456789")) == 1
    assert len(chats.texts("-100200300")) == 1


async def test_deliveries_too_old_to_come_again_are_forgotten_and_recent_ones_still_count(
    chat, clock
):
    chat.send("alice", "/newteam Red Rockets", delivery_id="team")
    chat.send("alice", "/log 5 km run", delivery_id="first-log")
    clock.now += timedelta(days=2, minutes=1)
    chat.send("alice", "/log 3 km run", delivery_id="second-log")
    schedule = schedule_for(chat, RecordingChats(), clock)

    assert await schedule.forget_old_deliveries() == 2
    with Session(chat.engine) as session:
        assert session.scalars(select(Delivery.key)).all() == ["console:second-log"]
    chat.send("alice", "/log 3 km run", delivery_id="second-log")  # Telegram, redelivering
    assert chat.activity_count() == 2
    assert "8 km" in chat.say("alice", "/me")


async def test_a_bot_started_after_the_final_report_was_due_posts_it_then_and_schedules_no_other(
    database_url: str, tmp_path: Path
):
    # The scheduler's own clock is the wall clock: the season and the report are set around it,
    # and the bot's clock says the report fell due an hour ago.
    now = datetime.now(LONDON)
    config = make_config(database_url, tmp_path, announce=ANNOUNCE)
    season = dataclasses.replace(
        config.season, start=now.date() - timedelta(days=3), end=now.date() + timedelta(days=3)
    )
    schedule = dataclasses.replace(config.schedule, final_report=now + timedelta(hours=1))
    config = dataclasses.replace(config, season=season, schedule=schedule)
    clock = Clock(now + timedelta(hours=2))

    chats = RecordingChats()
    bot = await start_bot(config, Secrets(), clock, start_schedule=False)
    bot.outbox.register("slack", chats)
    bot.outbox.register("telegram", chats)
    try:
        bot.schedule.start()
        deadline = asyncio.get_running_loop().time() + 10
        while not any("the final result" in text for text in chats.texts("C0123456789")):
            assert asyncio.get_running_loop().time() < deadline, "no final report"
            await asyncio.sleep(0.05)
        runs = bot.schedule.next_runs()
    finally:
        await bot.stop()
    assert "final_report" not in runs
    assert datetime.fromisoformat(runs["daily_leaderboard"]) > now
    assert datetime.fromisoformat(runs["forget_deliveries"]) > now


async def test_a_failing_catch_up_is_logged_and_one_still_running_is_stopped_with_the_bot(
    chat, clock, caplog
):
    failing = schedule_for(chat, RecordingChats(), clock)

    async def database_gone() -> None:
        raise ConnectionError("the database is gone")

    failing.catch_up_missed = database_gone  # type: ignore[method-assign]
    failing.start()
    for _ in range(100):
        if "catch_up_failed" in caplog.messages:
            break
        await asyncio.sleep(0.01)
    (record,) = [r for r in caplog.records if r.getMessage() == "catch_up_failed"]
    assert record.exc_info is not None and "the database is gone" in caplog.text
    await failing.stop()

    stuck = schedule_for(chat, RecordingChats(), clock)
    cancelled = asyncio.Event()

    async def never_ending() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    stuck.catch_up_missed = never_ending  # type: ignore[method-assign]
    stuck.start()
    await asyncio.sleep(0.05)
    await asyncio.wait_for(stuck.stop(), 2)
    assert cancelled.is_set()
