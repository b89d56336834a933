"""Admin commands: removing a bogus log, announcing, exporting, all audited."""

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.render.plain import render
from bot.replies import Attachment, ToAnnouncementChats, ToParticipant
from storage.models import Activity, AuditEntry


def audit_actions(chat) -> list[tuple[str, str]]:
    with Session(chat.engine) as session:
        return [
            (e.action, e.detail)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def setup_logs(chat) -> None:
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 12 km run")
    chat.say("alice", "/log 40 km cycle")


def test_an_admin_removes_a_log_and_its_owner_is_told(chat):
    setup_logs(chat)
    chat.platform = "slack"
    replies = chat.send("UADMIN", "/admin remove 2 duplicate")
    chat.platform = "console"
    assert "Removed #2: 40 km cycle on Thu 15 Jul 2021, logged by alice. Reason: duplicate." in (
        render(replies[0])
    )
    owner_notice = replies[1]
    assert owner_notice.audience == ToParticipant((("console", "alice"),))
    assert "An admin removed your log #2" in render(owner_notice)
    assert "Red Rockets: 12 km" in chat.say("alice", "/team")
    with Session(chat.engine) as session:
        removed = session.get(Activity, 2)
        assert removed.delete_reason == "duplicate" and removed.deleted_by is not None
    assert audit_actions(chat) == [("remove", "#2: 40 km cycle on Thu 15 Jul 2021; duplicate")]


def test_admin_commands_from_others_are_refused_with_no_effect(chat):
    setup_logs(chat)
    for command in ("/admin remove 1 spam", "/admin announce Free cake", "/admin export"):
        replies = chat.send("alice", command)
        assert [render(r) for r in replies] == [
            "Only the challenge admins can do that.\nExample: /help"
        ]
    assert chat.activity_count() == 2
    assert audit_actions(chat) == []


def test_an_announcement_goes_to_the_announcement_chats(chat):
    chat.make_admin("carol")
    replies = chat.send("carol", "/admin announce Last week!  Keep going")
    announcement = next(r for r in replies if r.audience == ToAnnouncementChats())
    assert render(announcement) == "Last week!  Keep going"
    assert audit_actions(chat) == [("announce", "Last week!  Keep going")]


def test_the_export_is_a_csv_of_every_activity_including_removed_ones(chat):
    setup_logs(chat)
    chat.say("alice", "/undo")
    chat.make_admin("carol")
    (reply,) = chat.send("carol", "/admin export")
    (attachment,) = [p for p in reply.parts if isinstance(p, Attachment)]
    assert attachment.media_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(attachment.content.decode())))
    assert [(r["id"], r["kind"], r["distance_m"], r["participant"], r["team"]) for r in rows] == [
        ("1", "run", "12000", "alice", "Red Rockets"),
        ("2", "cycle", "40000", "alice", "Red Rockets"),
    ]
    assert rows[1]["removal_reason"] == "removed by its owner"
    assert rows[0]["removed_at"] == ""


def test_the_export_defuses_spreadsheet_formulas_in_names(chat):
    chat.say("mallory", "/newteam =HYPERLINK(1)", display_name="=cmd")
    chat.say("mallory", "/log 1 km run", display_name="=cmd")
    chat.make_admin("carol")
    (reply,) = chat.send("carol", "/admin export")
    content = next(p for p in reply.parts if isinstance(p, Attachment)).content.decode()
    row = list(csv.DictReader(io.StringIO(content)))[0]
    assert row["participant"] == "'=cmd" and row["team"] == "'=HYPERLINK(1)"
