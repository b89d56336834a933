"""The season store the handlers ask: the caller's team stays true as they change it,
reading never writes, and every admin action is audited as its caller's."""

import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.handlers.catalogue import DECLARATIONS
from storage import repository as repo
from storage.database import transaction
from storage.models import AuditEntry, SeasonOutcome
from storage.season_store import CallerStore

HANDLERS = Path(__file__).parent.parent / "bot" / "handlers"
# A statement that changes or locks rows (`FOR UPDATE` included).
WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def caller_store(session, chat, user: str) -> CallerStore:
    me = repo.account_participant(session, "console", user, user, chat.clock())
    return CallerStore(session, chat.dispatcher.season_id, chat.clock(), me.id)


def test_the_callers_team_is_looked_up_again_once_they_change_it(chat):
    with transaction(chat.dispatcher.sessions) as session:
        store = caller_store(session, chat, "alice")
        assert store.my_team is None
        rockets = store.create_team("Red Rockets", "red rockets")
        assert store.my_team is rockets
        store.leave(rockets)
        assert store.my_team is None
        store.join(rockets)
        assert store.my_team is rockets


def test_reading_the_outcome_of_a_fresh_season_writes_nothing(chat):
    chat.say("alice", "/newteam Red Rockets")  # alice is known: her reads take no write lock
    with transaction(chat.dispatcher.read_sessions) as session:
        state = caller_store(session, chat, "alice").outcome()
        assert (state.vote_opened_at, state.vote_closed_at, state.charity_id) == (None,) * 3
        assert session.scalar(select(func.count()).select_from(SeasonOutcome)) == 0
    with transaction(chat.dispatcher.sessions) as session:
        caller_store(session, chat, "alice").locked_outcome().vote_opened_at = chat.clock()
    with transaction(chat.dispatcher.read_sessions) as session:
        assert caller_store(session, chat, "alice").outcome().vote_opened_at is not None


@pytest.mark.parametrize(
    "declaration",
    [d for d in DECLARATIONS if not d.writes],
    ids=lambda d: d.english.replace(" ", "-"),
)
def test_a_command_that_only_reads_writes_nothing(chat, declaration):
    """Run by an admin with a team and a log, while the vote is open. (The ranks, read
    through the log writer's own driver, pass by these events; they only read.)"""
    chat.make_admin("alice")
    for setup in (
        "/newteam Red Rockets",
        "/log 5 km run",
        "/admin charity add WWF",
        "/admin charity add Oxfam",
        "/admin vote open",
    ):
        chat.say("alice", setup)
    statements: list[str] = []
    reads = chat.dispatcher.read_sessions.kw["bind"]

    def record(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    event.listen(reads, "before_cursor_execute", record)
    try:
        reply = chat.say("alice", f"/{declaration.example}")
    finally:
        event.remove(reads, "before_cursor_execute", record)
    assert "Something went wrong" not in reply
    assert statements, "the command ran in a read-only transaction"
    assert [s for s in statements if WRITES.search(s)] == []


def test_an_audited_action_is_the_callers_in_this_season_now(chat):
    with transaction(chat.dispatcher.sessions) as session:
        store = caller_store(session, chat, "alice")
        store.audit("announce", "Last week!")
        store.audit("vote_open")
        actor = store.caller_id
    with transaction(chat.dispatcher.read_sessions) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.season_id, e.action, e.detail, e.at) for e in entries] == [
        (actor, chat.dispatcher.season_id, "announce", "Last week!", chat.clock()),
        (actor, chat.dispatcher.season_id, "vote_open", "", chat.clock()),
    ]


def test_handlers_ask_the_store_and_write_no_query_of_their_own():
    for module in sorted(HANDLERS.glob("*.py")):
        assert "select(" not in module.read_text(encoding="utf-8"), module.name
