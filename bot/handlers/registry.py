"""Every command declared once, on its handler: its words, who may use it, whether it
writes, its help line and example. The grammar, the permission check, `help`, the Telegram
menu and the Slack manifest all read these declarations."""

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import ModuleType
from typing import Any, TypeVar

from bot.commands import Command, Usage
from bot.config import Config
from bot.i18n import N_, _
from bot.replies import Reply, say


class Who(Enum):
    """Who may use a command. Admins may use every command."""

    EVERYONE = "everyone"
    MEMBERS = "members"  # joined a team this season, even if they left it since
    CAPTAINS = "captains"  # the captain of the caller's team
    ADMINS = "admins"


class _Refusals(Mapping[Who, Reply]):
    """One refusal per kind of person, the same for every command, in the reader's language."""

    _TEXTS: dict[Who, tuple[str, str]] = {
        Who.MEMBERS: (N_("Join a team first: this is for team members."), "join Red Rockets"),
        Who.CAPTAINS: (N_("Only your team's captain can do that."), "team"),
        Who.ADMINS: (N_("Only the challenge admins can do that."), "help"),
    }

    def __getitem__(self, who: Who) -> Reply:
        text, example = self._TEXTS[who]
        return say(_(text), example=example)

    def __iter__(self) -> Iterator[Who]:
        return iter(self._TEXTS)

    def __len__(self) -> int:
        return len(self._TEXTS)


REFUSALS = _Refusals()


@dataclass(frozen=True)
class Caller:
    """What the permission check needs to know about the person asking."""

    is_admin: bool
    is_member: bool
    is_captain: bool


@dataclass(frozen=True)
class TakesFile:
    """How a command takes the file sent with it: the most bytes fetched, and what is made of
    them in a worker thread before the transaction (a parsed track), as `FetchedFile.reading`;
    the work is bounded by the size, and a reading is a value, never an exception."""

    max_bytes: Callable[[Config], int]
    read: Callable[[bytes, Config], object] | None = None


@dataclass(frozen=True)
class Declaration:
    """One command: `syntax` is its English words then its arguments (`delete ID`)."""

    command: type[Command]
    syntax: str
    help: str
    example: str
    who: Who
    writes: bool
    handler: Callable[..., Any]
    # More words for the same command: other languages' (by code), and hidden aliases.
    words: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    # Logs arriving together are written in one transaction, by a batch handler.
    batched: bool = False
    # It needs the file sent with the message (a photo, a track): fetched only then.
    takes_file: TakesFile | None = None

    @property
    def english(self) -> str:
        """The command words without the arguments: `admin charity add`."""
        return " ".join(itertools.takewhile(_is_word, self.syntax.split()))

    @property
    def takes_arguments(self) -> bool:
        return self.syntax != self.english

    @property
    def arguments(self) -> str:
        """What follows the command words in the syntax: `DISTANCE ACTIVITY [DAY]`."""
        return self.syntax[len(self.english) :].strip()

    def refusal(self, caller: Caller) -> Reply | None:
        """Why this caller may not use the command; None when they may."""
        allowed = (
            caller.is_admin
            or {
                Who.EVERYONE: True,
                Who.MEMBERS: caller.is_member,
                Who.CAPTAINS: caller.is_captain,
                Who.ADMINS: False,
            }[self.who]
        )
        return None if allowed else REFUSALS[self.who]

    def usages(self) -> list[Usage]:
        """Every way to type it, for the grammar."""
        shown = [self.english, *(w for w in self.words.values() if w != self.english)]
        return [Usage(words, self.command, self.example) for words in dict.fromkeys(shown)] + [
            Usage(alias, self.command, self.example, suggested=False) for alias in self.aliases
        ]


_DECLARED: list[Declaration] = []

Handler = TypeVar("Handler", bound=Callable[..., Any])


def command(
    command: type[Command],
    syntax: str,
    *,
    help: str,
    example: str,
    who: Who,
    writes: bool,
    words: Mapping[str, str] | None = None,
    aliases: tuple[str, ...] = (),
    batched: bool = False,
    takes_file: TakesFile | None = None,
) -> Callable[[Handler], Handler]:
    """Declare the handler below as the one that answers `command`."""

    def declare(handler: Handler) -> Handler:
        _DECLARED.append(
            Declaration(
                command,
                syntax,
                help,
                example,
                who,
                writes,
                handler,
                dict(words or {}),
                aliases,
                batched,
                takes_file,
            )
        )
        return handler

    return declare


def declared() -> tuple[Declaration, ...]:
    """Every declaration made so far, in the order `arrange` put them."""
    return tuple(_DECLARED)


def arrange(modules: Sequence[ModuleType]) -> tuple[Declaration, ...]:
    """Put the declarations in the order of the modules that hold them (then as declared),
    the order in which `help` and the menus list them."""
    names = [module.__name__ for module in modules]
    _DECLARED.sort(key=lambda d: names.index(d.handler.__module__))
    return declared()


def _is_word(token: str) -> bool:
    """A command word in a syntax, as opposed to an argument (`ID`, `[DAY]`)."""
    return token.isalpha() and token.islower()
