"""Every declared command is whole: a handler, a help row, an example that parses, a place in
the menus, and a refusal, the same for every command, to the people it is not for."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands import ParseError
from bot.handlers.catalogue import DECLARATIONS, GRAMMAR, menu, parse
from bot.handlers.registry import REFUSALS, Caller, Declaration, Who
from bot.platforms.slack_manifest import manifest
from bot.render.plain import render
from storage.models import Base

# Tables a refused command must leave as they were. A first message still records who sent
# it (participant, account) and that it was answered (delivery).
WATCHED = [
    table
    for name, table in Base.metadata.tables.items()
    if name not in {"participant", "platform_account", "delivery"}
]


def by_name(declaration: Declaration) -> str:
    return declaration.syntax


def state(chat: Any) -> dict[str, list[tuple]]:
    with Session(chat.engine) as session:
        return {
            table.name: sorted(map(tuple, session.execute(select(table))), key=repr)
            for table in WATCHED
        }


def set_up(chat: Any) -> None:
    """A season under way: an admin, a charity on an open ballot, a team with logs."""
    chat.make_admin("ada")
    chat.say("ada", "/admin charity add WWF")
    chat.say("ada", "/admin vote open")
    chat.say("mia", "/newteam Red Rockets")
    chat.say("mia", "/log 5 km run")


@pytest.mark.parametrize("declaration", DECLARATIONS, ids=by_name)
def test_each_command_has_a_handler_a_help_row_and_an_example_that_parses(
    declaration: Declaration,
) -> None:
    assert callable(declaration.handler)
    assert declaration.help and declaration.syntax.startswith(declaration.english)
    parsed = parse(declaration.example)
    assert isinstance(parsed, declaration.command), (declaration.example, parsed)
    assert isinstance(parse(f"/{declaration.example}"), declaration.command)


@pytest.mark.parametrize("declaration", DECLARATIONS, ids=by_name)
def test_admin_words_are_for_admins_only(declaration: Declaration) -> None:
    """Forgetting `who=Who.ADMINS` must not open an admin command to everyone."""
    assert (declaration.english.split()[0] == "admin") == (declaration.who is Who.ADMINS)


@pytest.mark.parametrize("declaration", DECLARATIONS, ids=by_name)
def test_each_command_is_in_the_menus_of_those_who_may_use_it(declaration: Declaration) -> None:
    word = declaration.english.split()[0]
    for_admins = [entry for entry, _ in menu(*Who)]
    for_everyone = [entry for entry, _ in menu(Who.EVERYONE, Who.MEMBERS)]
    assert word in for_admins
    # A word several commands start with (`team`, `team rename`) is in the menu of those who
    # may use any of them.
    open_to_all = any(
        d.who in (Who.EVERYONE, Who.MEMBERS) for d in DECLARATIONS if d.english.split()[0] == word
    )
    assert (word in for_everyone) == open_to_all


def test_the_slack_manifest_names_every_command_that_employees_use(config) -> None:
    (challenge, _log) = manifest(config)["features"]["slash_commands"]
    for declaration in DECLARATIONS:
        if declaration.who in (Who.EVERYONE, Who.MEMBERS):
            assert declaration.english.split()[0] in challenge["description"]


@pytest.mark.parametrize(
    "declaration", [d for d in DECLARATIONS if d.who is Who.ADMINS], ids=by_name
)
def test_admin_commands_are_refused_to_members_with_no_effect(chat, declaration) -> None:
    set_up(chat)
    before = state(chat)
    replies = chat.send("mia", declaration.example)
    assert replies == [REFUSALS[Who.ADMINS]]
    assert "Only the challenge admins can do that." in render(replies[0])
    assert state(chat) == before


@pytest.mark.parametrize(
    "declaration", [d for d in DECLARATIONS if d.who is Who.MEMBERS], ids=by_name
)
def test_member_commands_are_refused_to_people_in_no_team_with_no_effect(chat, declaration) -> None:
    set_up(chat)
    before = state(chat)
    replies = chat.send("newcomer", declaration.example)
    assert replies == [REFUSALS[Who.MEMBERS]]
    assert "Join a team first" in render(replies[0])
    assert state(chat) == before


@pytest.mark.parametrize(
    "declaration", [d for d in DECLARATIONS if d.who is Who.EVERYONE], ids=by_name
)
def test_commands_for_everyone_are_not_refused_to_a_newcomer(chat, declaration) -> None:
    set_up(chat)
    replies = chat.send("newcomer", declaration.example)
    assert not set(replies) & set(REFUSALS.values())


def test_help_lists_what_each_person_may_use(chat) -> None:
    set_up(chat)
    member_help = chat.say("mia", "/help")
    admin_help = chat.say("ada", "/help")
    for declaration in DECLARATIONS:
        assert declaration.example in admin_help
        assert (declaration.example in member_help) == (declaration.who is not Who.ADMINS)


@pytest.mark.parametrize(
    ("who", "caller", "allowed"),
    [
        (Who.EVERYONE, Caller(is_admin=False, is_member=False, is_captain=False), True),
        (Who.MEMBERS, Caller(is_admin=False, is_member=False, is_captain=False), False),
        (Who.MEMBERS, Caller(is_admin=False, is_member=True, is_captain=False), True),
        (Who.CAPTAINS, Caller(is_admin=False, is_member=True, is_captain=False), False),
        (Who.CAPTAINS, Caller(is_admin=False, is_member=True, is_captain=True), True),
        (Who.CAPTAINS, Caller(is_admin=True, is_member=False, is_captain=False), True),
        (Who.ADMINS, Caller(is_admin=False, is_member=True, is_captain=True), False),
        (Who.ADMINS, Caller(is_admin=True, is_member=False, is_captain=False), True),
    ],
)
def test_who_may_use_a_command(who: Who, caller: Caller, allowed: bool) -> None:
    (any_declaration, *_) = DECLARATIONS
    declaration = Declaration(**{**vars(any_declaration), "who": who})
    refusal = declaration.refusal(caller)
    assert (refusal is None) == allowed
    assert refusal is None or refusal == REFUSALS[who]


def test_unknown_words_under_a_command_name_what_is_known() -> None:
    error = GRAMMAR.parse("admin charity")
    assert isinstance(error, ParseError)
    assert "admin charity add" in error.message and "admin charity remove" in error.message
    assert not isinstance(parse(error.example), ParseError)


@pytest.mark.parametrize("typed", ["/admin", "/admin exprot", "/admin vote", "/admin vote maybe"])
def test_a_mistake_in_an_admin_command_tells_others_only_that_it_is_for_admins(
    chat, typed: str
) -> None:
    chat.make_admin("ada")
    assert chat.send("mia", typed) == [REFUSALS[Who.ADMINS]]
    assert "Which admin command?" in chat.say("ada", "/admin")


@pytest.mark.parametrize("declaration", DECLARATIONS, ids=by_name)
def test_each_commands_arguments_are_marked_for_translation(declaration: Declaration) -> None:
    from bot.handlers.guide import ARGUMENTS

    assert not declaration.arguments or declaration.arguments in ARGUMENTS
