"""Logging activities, taking them back, and repeats that change nothing."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repository as repo
from storage.models import Activity, ParticipantTotal, Team


@pytest.fixture
def team(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    return "Red Rockets"


def stored(chat) -> list[tuple[str, int, str]]:
    with Session(chat.engine) as session:
        rows = session.scalars(select(Activity).where(Activity.deleted_at.is_(None)))
        return [(a.kind, a.distance_m, a.day.isoformat()) for a in rows]


def test_a_log_replies_with_what_was_recorded_and_the_new_totals(chat, team):
    reply = chat.say("alice", "/log 12km cycle")
    assert "Logged #1: 12 km cycle on Thu 15 Jul 2021." in reply
    assert "You: 12 km this season, rank 1." in reply
    assert "Red Rockets: 12 km, rank 1 of 1 team." in reply
    assert stored(chat) == [("cycle", 12000, "2021-07-15")]


def test_the_brief_examples_are_stored_in_whole_metres(chat, team):
    chat.say("alice", "/log run 5 mi")
    chat.say("alice", "/log 12,5 km walk yesterday")
    chat.say("alice", "/log 10k run 2021-07-10")
    assert stored(chat) == [
        ("run", 8047, "2021-07-15"),
        ("walk", 12500, "2021-07-14"),
        ("run", 10000, "2021-07-10"),
    ]


def test_undo_removes_the_latest_log_and_says_what(chat, team):
    chat.say("alice", "/log 5 km run")
    chat.say("alice", "/log 3 km walk")
    reply = chat.say("alice", "/undo")
    assert "Removed #2: 3 km walk on Thu 15 Jul 2021." in reply
    assert "You: 5 km this season" in reply
    assert stored(chat) == [("run", 5000, "2021-07-15")]
    chat.say("alice", "/undo")
    assert "You have nothing logged to undo." in chat.say("alice", "/undo")


def test_delete_removes_a_given_log_of_ones_own_only(chat, team):
    chat.say("alice", "/log 5 km run")
    chat.say("bob", "/log 7 km run")
    assert "You have no log #2." in chat.say("alice", "/delete 2")
    assert "Removed #1: 5 km run" in chat.say("alice", "/delete 1")
    assert "#1 was already removed." in chat.say("alice", "/delete #1")
    assert stored(chat) == [("run", 7000, "2021-07-15")]
    with Session(chat.engine) as session:
        removed = session.get(Activity, 1)
        assert removed.deleted_at is not None and removed.delete_reason == "removed by its owner"


def test_a_repeated_delivery_logs_once(chat, team):
    first = chat.say("alice", "/log 2 km run", delivery_id="Ev1")
    again = chat.send("alice", "/log 2 km run", delivery_id="Ev1")
    assert "Logged #1" in first
    assert again == []
    assert stored(chat) == [("run", 2000, "2021-07-15")]


def test_the_same_delivery_id_on_another_platform_is_a_different_message(chat, team):
    chat.say("alice", "/log 2 km run", delivery_id="1")
    chat.platform = "telegram"
    chat.say("tg-alice", "/newteam Blue Bears", delivery_id="1")
    assert "Blue Bears" in chat.say("tg-alice", "/team")


def test_running_totals_match_a_full_recount(chat, team):
    chat.say("alice", "/log 5 km run")
    chat.say("bob", "/log 20 km cycle yesterday")
    chat.say("alice", "/log 3 km walk")
    chat.say("alice", "/undo")
    chat.say("bob", "/leave")
    chat.say("bob", "/newteam Blue Bears")
    chat.say("bob", "/log 4 km walk")
    before = totals_snapshot(chat)
    with Session(chat.engine) as session, session.begin():
        repo.rebuild_totals(session, chat.dispatcher.season_id)
    assert totals_snapshot(chat) == before
    assert before["teams"] == {
        "Red Rockets": (5000, 0, 20000, 25000),
        "Blue Bears": (0, 4000, 0, 4000),
    }


def totals_snapshot(chat) -> dict:
    with Session(chat.engine) as session:
        teams = {
            t.name: (t.run_m, t.walk_m, t.cycle_m, t.total_m) for t in session.scalars(select(Team))
        }
        people = {
            p.participant_id: (p.run_m, p.walk_m, p.cycle_m, p.total_m)
            for p in session.scalars(select(ParticipantTotal))
        }
    return {"teams": teams, "people": people}


def test_concurrent_logs_from_many_users_lose_nothing_and_double_nothing(chat):
    users = [f"user{i}" for i in range(12)]
    chat.say(users[0], "/newteam Busy Team")
    for user in users[1:]:
        chat.say(user, "/join Busy Team")

    def log_three(user: str) -> list[str]:
        return [chat.say(user, f"/log {k} km run", delivery_id=f"{user}-{k}") for k in (1, 2, 3)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = [r for batch in pool.map(log_three, users) for r in batch]
    assert all("Logged #" in reply for reply in replies), replies
    assert chat.activity_count() == 36
    assert "Busy Team: 72 km" in chat.say(users[0], "/team")
