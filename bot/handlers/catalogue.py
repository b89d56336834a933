"""All the declared commands together, and the grammar made from them."""

from dataclasses import replace

from bot.commands import Command, Grammar, ParseError
from bot.handlers import (
    activities,
    admin,
    countries,
    guide,
    journey,
    language,
    link,
    photos,
    pledges,
    posts,
    privacy,
    reminders,
    standings,
    teams,
    uploads,
    vote,
)
from bot.handlers.registry import Declaration, Who, arrange
from bot.i18n import _
from bot.vocabulary import COMMAND_WORDS

# In the order `help` and the menus list them.
DECLARATIONS = arrange(
    [
        guide,
        teams,
        activities,
        uploads,
        standings,
        countries,
        journey,
        pledges,
        reminders,
        link,
        admin,
        posts,
        vote,
        photos,
        privacy,
        language,
    ]
)
_BY_COMMAND: dict[type[Command], Declaration] = {d.command: d for d in DECLARATIONS}
GRAMMAR = Grammar(
    usage
    for d in DECLARATIONS
    for usage in replace(d, words={**COMMAND_WORDS.get(d.english, {}), **d.words}).usages()
)


def parse(text: str, language: str = "en") -> Command | ParseError:
    """Read one command such as `/log@ChallengeBot 12km cycle`; never raises."""
    return GRAMMAR.parse(text, language)


def declaration_of(command: Command | type[Command]) -> Declaration:
    return _BY_COMMAND[command if isinstance(command, type) else type(command)]


def menu(*who: Who) -> list[tuple[str, str]]:
    """A platform menu of the commands for `who`: one entry per first command word (Telegram
    takes one word per command), what it does, with an example when it takes arguments."""
    entries: dict[str, list[Declaration]] = {}
    for declaration in DECLARATIONS:
        if declaration.who in who:
            entries.setdefault(declaration.english.split()[0], []).append(declaration)
    return [(word, _describe(word, declared)) for word, declared in entries.items()]


def _describe(word: str, declared: list[Declaration]) -> str:
    if len(declared) == 1 and declared[0].english == word:
        (only,) = declared
        if not only.takes_arguments:
            return _(only.help)
        return _("{help}, e.g. /{example}").format(help=_(only.help), example=only.example)
    tools = ", ".join(d.syntax.removeprefix(f"{word} ") for d in declared)
    return _("{word} tools: {tools}").format(word=word, tools=tools)


def only_for_admins(words: str) -> bool:
    """Whether every command that starts with these words is for admins (`admin`): to anyone
    else, a mistake after them is only "admins only", not a list of admin commands."""
    under = [d for d in DECLARATIONS if f"{d.english} ".startswith(f"{words} ")]
    return bool(words) and all(d.who is Who.ADMINS for d in under)
