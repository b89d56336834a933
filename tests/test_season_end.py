"""The season's end: the final report waits for late logs, asks before it is due, and after
it the km are settled: no log nor removal changes the donation announced."""

from datetime import datetime

from conftest import LONDON

from bot.render.plain import render
from bot.replies import Buttons, ToAnnouncementChats


def finish(chat, text: str = "/admin finish") -> list:
    return chat.send("ada", text)


def announced(replies) -> list:
    return [r for r in replies if r.audience == ToAnnouncementChats()]


def test_before_it_is_due_the_final_report_asks_first_and_says_what_it_blocks(chat, clock):
    chat.make_admin("ada")
    clock.now = datetime(2021, 7, 20, 12, 0, tzinfo=LONDON)  # day 20 of 62
    (question,) = finish(chat)
    text = render(question)
    assert "due on Wed 8 Sep 2021 at 18:00" in text
    assert "nobody can log or remove km" in text
    (buttons,) = [part for part in question.parts if isinstance(part, Buttons)]
    assert buttons.buttons[0].command == "admin finish confirm"
    assert question.audience != ToAnnouncementChats()
    # Not posted: the confirmed one still goes out, once.
    assert announced(finish(chat, "/admin finish confirm"))
    assert "never posted twice" in render(finish(chat, "/admin finish confirm")[0])


def test_once_the_late_logging_window_has_closed_the_report_needs_no_question(chat, clock):
    chat.make_admin("ada")
    clock.now = datetime(2021, 9, 9, 18, 0, tzinfo=LONDON)
    assert announced(finish(chat))


def test_after_the_final_report_logs_and_removals_are_refused(chat, clock):
    chat.make_admin("ada")
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 5 km run")
    chat.say("alice", "/log 3 km walk")
    clock.now = datetime(2021, 9, 3, 10, 0, tzinfo=LONDON)  # within the late-logging window
    assert announced(finish(chat, "/admin finish confirm"))
    over = "The challenge is over: the final report has gone out"
    assert over in chat.say("alice", "/log 3 km run 27/8")
    assert over in chat.say("alice", "/undo")
    assert over in chat.say("alice", "/delete 1")
    assert over in chat.say("ada", "/admin remove 1 duplicate")
    assert chat.activity_count() == 2
    assert "8 km" in chat.say("alice", "/totals")
