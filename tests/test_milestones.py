"""Milestones in the reply that reaches the person: the first log, 50, 100, 250, 500 and
1,000 km, and seven days in a row; each exactly once, on both databases."""

from datetime import date, timedelta

import pytest

from bot.domain.milestones import completes_streak, crossed
from bot.messages import IncomingFile
from tests.track_files import gpx_file

TODAY = date(2021, 7, 15)  # the test clock's day


@pytest.fixture
def member(chat):
    chat.say("alice", "/newteam Red Rockets")
    return chat


def test_the_first_log_is_welcomed_once_even_after_an_undo(member):
    assert "Your first log: welcome to the challenge!" in member.say("alice", "/log 5 km run")
    member.say("alice", "/undo")
    assert "welcome" not in member.say("alice", "/log 5 km run")
    assert "welcome" not in member.say("alice", "/log 2 km walk")


def test_passing_50_and_100_km_is_told_once_each(member):
    member.say("alice", "/log 45 km cycle")
    reply = member.say("alice", "/log 10 km cycle")
    assert "Milestone: you passed 50 km this season!" in reply
    member.say("alice", "/undo")
    assert "Milestone" not in member.say("alice", "/log 10 km cycle")
    jump = member.say("alice", "/log 60 km cycle")
    assert "Milestone: you passed 100 km this season!" in jump
    assert "50 km" not in jump


def test_seven_days_in_a_row_is_a_streak_told_once(member):
    for back in range(6, 0, -1):
        day = TODAY - timedelta(days=back)
        assert "streak" not in member.say("alice", f"/log 3 km walk {day.isoformat()}")
    assert "Seven days in a row with a log: a week's streak!" in member.say(
        "alice", "/log 3 km walk"
    )
    assert "streak" not in member.say("alice", "/log 2 km run")


def test_a_file_log_tells_its_milestones_too(member):
    async def download(limit: int) -> bytes:
        return gpx_file(km=5.0, minutes=30, start=member.clock() - timedelta(hours=2))

    file = IncomingFile("run.gpx", 0, 5.0, download)
    assert "Your first log: welcome to the challenge!" in member.say("alice", "/upload", file=file)


def test_a_batch_of_logs_tells_each_caller_their_own_milestones(member):
    member.say("bob", "/join Red Rockets")
    replies = member.loop.run(
        member.answer_together(
            member.message("alice", "/log 5 km run"), member.message("bob", "/log 51 km cycle")
        ),
        "two logs together",
    )
    alice, bob = (
        "\n".join(part.text for r in rs for part in r.parts if hasattr(part, "text"))
        for rs in replies
    )
    assert "welcome" in alice and "Milestone" not in alice
    assert "welcome" in bob and "Milestone: you passed 50 km this season!" in bob


def test_the_milestone_rules():
    assert crossed(0, 5000) == ["first"]
    assert crossed(49_000, 251_000) == ["km50", "km100", "km250"]
    assert crossed(50_000, 60_000) == []
    days = {TODAY - timedelta(days=n) for n in (1, 2, 4, 5, 6, 7)}
    assert completes_streak(TODAY - timedelta(days=3), days)  # fills the gap in the middle
    assert not completes_streak(TODAY, days)
