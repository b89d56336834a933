"""Logs that arrive together are written together, and each still reads as if it were alone."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.handlers import activities
from bot.messages import Incoming
from bot.render.plain import render
from storage import logbook
from tests.conftest import ANSWER_DEADLINE_S


@pytest.fixture
def teams(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("carol", "/newteam Blue Herons")


def incoming(user: str, text: str, delivery_id: str) -> Incoming:
    return Incoming("console", user, f"dm-{user}", text, f"batch-{delivery_id}", display_name=user)


async def send_together(chat, *messages: tuple[str, str, str]) -> list[str]:
    """Every message answered through the adapters' entry point, all in flight at once."""
    answers = await chat.answer_together(*(incoming(*message) for message in messages))
    return ["\n".join(render(reply) for reply in replies) for replies in answers]


async def test_logs_sent_together_each_read_their_own_running_totals(chat, teams):
    replies = await send_together(
        chat,
        ("alice", "/log 5 km run", "a1"),
        ("bob", "/log 2 km walk", "b1"),
        ("alice", "/log 5 km run", "a2"),
        ("carol", "/log 20 km cycle", "c1"),
        ("alice", "/log 5 km run", "a3"),
    )
    ids = [int(re.search(r"Logged #(\d+)", reply).group(1)) for reply in replies]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert "You: 5 km this season, rank 2." in replies[0]
    assert "Red Rockets: 5 km, rank 2 of 2 teams." in replies[0]
    assert "You: 2 km this season, rank 3." in replies[1]
    assert "Red Rockets: 7 km, rank 2 of 2 teams." in replies[1]
    assert "You: 10 km this season" in replies[2]
    assert "Blue Herons: 20 km, rank 1 of 2 teams." in replies[3]
    assert "You: 15 km this season, rank 2." in replies[4]
    assert "Red Rockets: 17 km, rank 2 of 2 teams." in replies[4]
    assert "Red Rockets: 17 km" in chat.say("alice", "/team")
    assert chat.activity_count() == 5


async def test_logs_go_on_after_postgresql_dropped_the_connections_they_were_written_on(
    chat, teams
):
    if chat.engine.dialect.name != "postgresql":
        pytest.skip("a SQLite file has no connections to drop")
    await send_together(chat, ("alice", "/log 1 km run", "a1"))
    with chat.engine.connect() as connection:
        dropped = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert dropped >= 1
    replies = await send_together(
        chat, ("alice", "/log 2 km run", "a2"), ("bob", "/log 3 km walk", "b1")
    )
    assert "You: 3 km this season" in replies[0] and "Logged #" in replies[1]
    assert chat.activity_count() == 3


@pytest.mark.parametrize(
    ("zone", "day"),
    [("Pacific/Pago_Pago", "yesterday"), ("Pacific/Kiritimati", "today"), ("Europe/London", "wed")],
)
def test_the_daily_limit_counts_the_day_as_the_callers_time_zone_has_it(chat, teams, zone, day):
    # 06:00 UTC: it is still the 14th in Pago Pago (UTC-11) and already evening in
    # Kiritimati (UTC+14); both logs name the same day for the caller.
    chat.clock.now = datetime(2021, 7, 15, 6, 0, tzinfo=UTC)
    first = chat.say("alice", f"/log 90 km run {day}", timezone=zone)
    assert "Logged #" in first
    refused = chat.say("alice", f"/log 20 km run {day}", timezone=zone)
    assert "more than the daily limit of 100 km" in refused and "You already have 90 km" in refused
    assert chat.activity_count() == 1


async def test_in_one_batch_each_log_gets_its_own_checks(chat, teams):
    chat.say("alice", "/log 90 km run")
    replies = await send_together(
        chat,
        ("alice", "/log 8 km run", "a1"),
        ("dave", "/log 5 km run", "d1"),  # in no team
        ("alice", "/log 8 km run", "a2"),  # past the 100 km a day, with the one before
        ("bob", "/log 3 km walk", "b1"),
        ("bob", "/log 3 km walk", "b1"),  # the same delivery again
        ("carol", "/log 5 km run 2021-07-20", "c1"),
    )
    assert "Logged #" in replies[0] and "You: 98 km" in replies[0]
    assert "Join a team first" in replies[1]
    assert "more than the daily limit of 100 km for running" in replies[2]
    assert "You already have 98 km that day." in replies[2]
    assert "Logged #" in replies[3]
    assert replies[4] == ""  # a repeat is not answered twice
    assert "is in the future" in replies[5]
    assert chat.activity_count() == 3


async def test_a_first_contact_and_a_new_name_are_recorded_within_a_batch(chat, teams):
    renamed = Incoming("console", "bob", "dm-bob", "/log 1 km run", "b1", display_name="Robert")
    answers = await chat.answer_together(renamed, incoming("erin", "/log 1 km run", "e1"))
    assert "Logged #" in render(answers[0][0])
    assert "Join a team first" in render(answers[1][0])
    assert "Robert" in chat.say("alice", "/team")


def record_batches(monkeypatch) -> list[list[str]]:
    """The callers of each batch written from now on, as they are written."""
    batches: list[list[str]] = []
    write = activities.log_activities

    def recorded(session, config, season_id, now, requests):
        batches.append([message.user_id for message, _ in requests])
        return write(session, config, season_id, now, requests)

    monkeypatch.setattr(activities, "log_activities", recorded)
    return batches


async def test_when_a_batch_fails_each_log_is_written_on_its_own(chat, teams, monkeypatch):
    """A batch-wide failure (say, two instances creating the same account at once) must not
    cost everyone their log: each is tried again alone."""
    whole_batch = activities.log_activities

    def fails_for_batches(session, config, season_id, now, requests):
        if len(requests) > 1:
            raise RuntimeError("the batch failed")
        return whole_batch(session, config, season_id, now, requests)

    monkeypatch.setattr(activities, "log_activities", fails_for_batches)
    batches = record_batches(monkeypatch)
    replies = await send_together(
        chat, *((user, "/log 4 km run", f"{user}-1") for user in ("alice", "bob", "carol"))
    )
    assert all("Logged #" in reply for reply in replies)
    assert chat.activity_count() == 3
    assert batches == [["alice", "bob", "carol"], ["alice"], ["bob"], ["carol"]]


def test_two_people_logging_at_the_same_moment_from_two_threads_share_one_batch(
    chat, teams, monkeypatch
):
    """The chat's messages take the adapters' way: one event loop for them all, where logs
    that arrive together are written together."""
    batches = record_batches(monkeypatch)
    handed_over = chat.loop.handed_over
    both_arrived = threading.Event()
    chat.loop.hold(until=both_arrived)
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            sent = [pool.submit(chat.say, user, "/log 3 km run") for user in ("alice", "bob")]
            chat.loop.wait_until_handed_over(handed_over + 2)
        finally:
            both_arrived.set()
        replies = [reply.result(timeout=ANSWER_DEADLINE_S) for reply in sent]
    assert all("Logged #" in reply for reply in replies), replies
    assert [sorted(batch) for batch in batches] == [["alice", "bob"]]
    assert "Red Rockets: 6 km" in chat.say("carol", "/team Red Rockets")


def test_ranks_asked_together_equal_ranks_asked_one_by_one(chat, teams):
    chat.say("dave", "/join Red Rockets")
    for user, km in (("alice", 5), ("bob", 5), ("carol", 12), ("dave", 3)):
        chat.say(user, f"/log {km} km run")
    asked = [0, 3, 4, 5, 6, 12, 13, 3]
    with Session(chat.engine) as session:
        season_id = chat.dispatcher.season_id
        together = logbook.season_ranks(session, season_id, [m * 1000 for m in asked], [5000])
        for metres in {m * 1000 for m in asked}:
            alone = logbook.season_ranks(session, season_id, [metres], [])
            assert together.of_person[metres] == alone.of_person[metres]
    # 12, 5, 5, 3 km: a tie shares its rank, and whoever is below counts everyone above.
    assert [together.of_person[m * 1000] for m in (13, 12, 6, 5, 4, 3, 0)] == [1, 1, 2, 2, 4, 4, 5]
    # Red Rockets 13 km, Blue Herons 12 km: both ahead of 5 km.
    assert together.of_team == {5000: 3} and together.team_count == 2
