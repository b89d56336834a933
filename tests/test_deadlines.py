"""Every command is answered in time: one that gets no turn is told "busy" and changes
nothing, and reads do not wait for a long write."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.handlers import activities, dispatch
from storage.database import WRITER_TURN_TIMEOUT_S, transaction
from storage.models import Team

BUSY = "very busy right now and nothing was changed"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reads_are_answered_while_a_long_write_holds_the_sqlite_writer(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 5 km run")
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with transaction(chat.dispatcher.sessions):
            holding.set()
            release.wait(10)

    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(long_write)
        assert holding.wait(5)
        try:
            started = time.monotonic()
            assert "Red Rockets" in chat.say("alice", "/standings")
            assert "alice: 5 km" in chat.say("alice", "/me")
            assert time.monotonic() - started < 1
            # A write waits for its turn no longer than the writer's limit, then is refused.
            started = time.monotonic()
            assert BUSY in chat.say("bob", "/newteam Blue Herons")
            assert time.monotonic() - started < WRITER_TURN_TIMEOUT_S + 1.5
        finally:
            release.set()
            writer.result(10)
    assert chat.scalar(Team.__table__.select().where(Team.name == "Blue Herons")) is None
    assert "Team Blue Herons is created" in chat.say("bob", "/newteam Blue Herons")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_log_without_a_turn_by_its_deadline_is_refused_and_never_stored(
    chat, monkeypatch: pytest.MonkeyPatch
):
    """Alice's log is being written and stuck; Bob's, queued behind it, passes its deadline:
    he hears "busy" at once, and his log is never written, even after Alice's finishes.
    (SQLite's one writer thread can be held here; PostgreSQL writes on the event loop, and
    the batcher's own tests cover the deadline there.)"""
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    monkeypatch.setattr(dispatch, "COMMAND_DEADLINE_S", 0.3)
    writing, release = threading.Event(), threading.Event()
    write = activities.log_activities

    def stuck_once(session, *args, **kwargs):
        if not writing.is_set():
            writing.set()
            release.wait(10)
        return write(session, *args, **kwargs)

    monkeypatch.setattr(activities, "log_activities", stuck_once)
    with ThreadPoolExecutor(2) as pool:
        alices = pool.submit(chat.say, "alice", "/log 5 km run")
        assert writing.wait(5)
        started = time.monotonic()
        assert BUSY in chat.say("bob", "/log 7 km walk")
        assert time.monotonic() - started < 1.5
        release.set()
        assert "Logged #1: 5 km run" in alices.result(10)
    assert chat.activity_count() == 1
    assert "bob: 0 km" in chat.say("bob", "/me")
    assert "Logged #2: 7 km walk" in chat.say("bob", "/log 7 km walk")


def test_a_platform_that_tells_no_name_renames_nobody(chat):
    """A profile lookup that failed or timed out gives no name: the person keeps theirs on
    every board, whether they read or log."""
    chat.say("alice", "/newteam Red Rockets", display_name="Alice Keller")
    assert "Alice Keller: 0 km" in chat.say("alice", "/me", display_name=None)
    assert "Logged #1" in chat.say("alice", "/log 5 km run", display_name=None)
    assert "Alice Keller (captain)" in chat.say("alice", "/team", display_name=None)
