"""The commands people type: each a typed value that reads itself from the words after its
command words, and the grammar that finds which command a message is. Pure: no database,
no platform."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from typing import ClassVar, Self
from zoneinfo import available_timezones

from bot import i18n
from bot.domain import countries
from bot.domain.days import DayRef
from bot.domain.kinds import ActivityKind
from bot.domain.money import MAX_FIXED_PLEDGE, MAX_PLEDGE_PER_KM
from bot.domain.names import graphemes
from bot.i18n import N_, _, ngettext
from bot.log_sentence import read_caption, read_log
from bot.vocabulary import READER_LANGUAGE
from bot.words import (
    ParseError,
    Refused,
    closest,
    did_you_mean,
    free_text,
    has_invisible,
    quote,
    refuse,
    split_first,
)

MAX_COMMAND_LENGTH = 500
TEAM_NAME_MIN_LENGTH = 2
TEAM_NAME_MAX_LENGTH = 40
CHARITY_NAME_MAX_LENGTH = 60
PHOTO_TITLE_MAX_LENGTH = 100
MAX_REASON_LENGTH = 200
MAX_ACTIVITY_ID = 2**63 - 1  # the database's BIGINT


class Command:
    """A parsed command. `read` builds one from the text after its command words (`words`),
    or raises Refused; by default a command takes nothing after its words."""

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        if rest:
            refuse(
                _("'{words}' takes nothing after it, but I got {typed}.").format(
                    words=words, typed=quote(rest)
                ),
                words,
            )
        return cls()


@dataclass(frozen=True)
class _NamesATeam(Command):
    """A command whose argument is a team's name."""

    name: str

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        return cls(team_name(rest, words))


@dataclass(frozen=True)
class _NamesACharity(Command):
    """A command whose argument is a charity's name."""

    name: str

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        return cls(charity_name(rest, f"{words} WWF"))


@dataclass(frozen=True)
class Help(Command):
    """`help`, or `start`, which Telegram sends first."""

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        # Words after it are ignored: Telegram deep links send `/start PAYLOAD`.
        return cls()


@dataclass(frozen=True)
class NewTeam(_NamesATeam):
    pass


@dataclass(frozen=True)
class Join(_NamesATeam):
    pass


@dataclass(frozen=True)
class Leave(Command):
    pass


@dataclass(frozen=True)
class Log(Command):
    """One activity to record; `unit_assumed` when no unit was typed and km was taken."""

    distance_m: int
    kind: ActivityKind
    day: DayRef
    unit_assumed: bool

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        said = read_log(rest)
        return cls(said.distance_m, said.kind, said.day, said.unit_assumed)


@dataclass(frozen=True)
class Upload(Command):
    """An activity file's log: the caption may name the activity, and the day it must be on."""

    kind: ActivityKind | None = None
    day: DayRef | None = None

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        said = read_caption(rest)
        return cls(said.kind, said.day)


@dataclass(frozen=True)
class Undo(Command):
    pass


@dataclass(frozen=True)
class Delete(Command):
    activity_id: int

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        example = f"{words} 1234"
        typed = rest.split()
        if len(typed) != 1:
            refuse(
                _(
                    "Which log? Put one id after '{words}'; the reply to each log shows its id."
                ).format(words=words),
                example,
            )
        return cls(activity_id(typed[0], example))


@dataclass(frozen=True)
class Me(Command):
    pass


@dataclass(frozen=True)
class Standings(Command):
    """The team ranking, or the individual one when `people`."""

    people: bool

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        word = rest.lower()
        if word in {"", "team", "teams"}:
            return cls(people=False)
        if word in _PEOPLE:
            return cls(people=True)
        refuse(
            _("I can rank teams or people, not {typed}.").format(typed=quote(rest)),
            f"{words} people",
        )


@dataclass(frozen=True)
class TeamInfo(Command):
    """A team's members; `name` None means the caller's own team."""

    name: str | None

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        return cls(team_name(rest, words) if rest else None)


@dataclass(frozen=True)
class _NamesAPerson(Command):
    """A command whose argument is a teammate's name, as `team` lists it."""

    person: str

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        missing = _("Whom? Put a teammate's name after '{words}', as team lists it.")
        return cls(_typed_text(rest, missing.format(words=words), f"{words} Alice"))


@dataclass(frozen=True)
class TeamRename(_NamesATeam):
    pass


@dataclass(frozen=True)
class TeamCaptain(_NamesAPerson):
    pass


@dataclass(frozen=True)
class TeamRemove(_NamesAPerson):
    pass


@dataclass(frozen=True)
class SetCountry(Command):
    """`country DE` or `country Germany`; `country` alone shows it, `country off` clears it."""

    code: str | None = None
    off: bool = False

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        typed = rest.strip()
        if not typed:
            return cls()
        if typed.lower() in _WITHDRAWN:
            return cls(off=True)
        code = countries.read(typed)
        if code is None:
            near = countries.read(closest(typed.casefold(), countries.names(), cutoff=75) or "")
            refuse(
                _("I don't know the country {typed}; use its two-letter code.").format(
                    typed=quote(typed)
                )
                + did_you_mean(near and f"{countries.name(near, i18n.language())} ({near})"),
                f"{words} {near or 'DE'}",
            )
        return cls(code)


@dataclass(frozen=True)
class StandingsCountries(Command):
    pass


_CLOCK = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)")


@dataclass(frozen=True)
class Remind(Command):
    """`remind 19:30`, `remind weekly`, `remind weekly off`, `remind off`; alone, shows them."""

    minute: int | None = None  # of the day, local: 19:30 is 1170
    weekly: bool | None = None
    off: bool = False

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        typed = rest.strip().lower()
        if not typed:
            return cls()
        if typed in _WITHDRAWN:
            return cls(off=True)
        if typed in {"weekly", "weekly on"}:
            return cls(weekly=True)
        if typed in {"weekly off", "weekly stop"}:
            return cls(weekly=False)
        found = _CLOCK.fullmatch(typed)
        if found is None:
            refuse(
                _(
                    "A reminder is a time of day, like 19:30, or weekly for a Monday summary; "
                    "I got {typed}."
                ).format(typed=quote(rest.strip())),
                f"{words} 19:30",
            )
        return cls(minute=int(found[1]) * 60 + int(found[2]))


_LINK_CODE = re.compile(r"(\d{4})-?(\d{4})")


@dataclass(frozen=True)
class Link(Command):
    """`link` asks for a code; `link 4821-7730` joins this account to the code's;
    `link 4821-7730 keep 12` also says which team to stay in."""

    code: str | None = None
    keep_team: int | None = None

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        first, after = split_first(rest.strip())
        if not first:
            return cls()
        found = _LINK_CODE.fullmatch(first)
        if found is None:
            refuse(
                _(
                    "A link code is eight digits, like 4821-7730: type link on your other "
                    "platform to get one."
                ),
                f"{words} 4821-7730",
            )
        code = f"{found[1]}-{found[2]}"
        keep, team = split_first(after)
        if not keep:
            return cls(code)
        if keep.lower() != "keep" or not team.isdigit():
            refuse(
                _("After the code, only 'keep' and a team's number may follow."),
                f"{words} {code}",
            )
        return cls(code, int(team))


@dataclass(frozen=True)
class Totals(Command):
    pass


@dataclass(frozen=True)
class SetTimezone(Command):
    """An IANA time zone key, spelled as the tz database spells it."""

    zone: str

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        if not rest:
            refuse(
                _("Which time zone? Give its IANA name, like Europe/Helsinki."),
                f"{words} Europe/Helsinki",
            )
        folded = "_".join(rest.split()).casefold()  # "America/New York" means America/New_York
        zone = _time_zones().get(folded)
        if zone is not None:
            return cls(zone)
        suggestion = _suggest_time_zone(folded)
        refuse(
            _("I don't know the time zone {typed}; use an IANA name like Europe/Helsinki.").format(
                typed=quote(rest)
            )
            + did_you_mean(suggestion),
            f"{words} {suggestion or 'Europe/Helsinki'}",
        )


@dataclass(frozen=True)
class Photo(Command):
    """`photo [TITLE]` sent with an image; the adapter hands the image over separately."""

    title: str | None

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        title = " ".join(free_text(rest).split())
        if len(title) > PHOTO_TITLE_MAX_LENGTH:
            refuse(
                _("Keep the title to {limit} characters; yours has {length}.").format(
                    limit=PHOTO_TITLE_MAX_LENGTH, length=len(title)
                ),
                f"{words} Sunrise over the Taff",
            )
        return cls(title or None)


@dataclass(frozen=True)
class Photos(Command):
    """The caller's own photo entries."""


@dataclass(frozen=True)
class Vote(Command):
    """`vote` shows the ballot; `vote WWF` or `vote #3` (a button) casts or changes a vote."""

    charity: str | None
    charity_id: int | None = None

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        if not rest:
            return cls(None)
        if re.fullmatch(r"#?[0-9]{1,9}", rest):  # a ballot button's number, or typed
            return cls(None, int(rest.removeprefix("#")))
        return cls(charity_name(rest, f"{words} WWF"))


@dataclass(frozen=True)
class Privacy(Command):
    """What the bot keeps about the caller, and what they can do about it."""


@dataclass(frozen=True)
class Hide(Command):
    """Leave the boards under one's name: shown as "hidden participant"."""


@dataclass(frozen=True)
class Show(Command):
    """Appear under one's name again."""


@dataclass(frozen=True)
class MyData(Command):
    """A file of everything kept about the caller."""


@dataclass(frozen=True)
class _Confirmed(Command):
    """A command that acts for good only when `confirm` follows its words."""

    confirmed: bool = False
    refusal: ClassVar[str]  # marked with N_, translated when refused

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        if rest.lower() not in ("", "confirm"):
            refuse(_(cls.refusal).format(words=words), words)
        return cls(confirmed=bool(rest))


@dataclass(frozen=True)
class ForgetMe(_Confirmed):
    """Erase the caller's personal data; only `confirmed` does it."""

    refusal = N_("Say {words}, then {words} confirm to erase your data.")


@dataclass(frozen=True)
class SetLanguage(Command):
    """`language` shows the caller's language; `language CODE` chooses one."""

    wanted: str | None

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        typed = rest.split()
        if len(typed) > 1:
            refuse(
                _("Put one language code after '{words}', such as 'de'.").format(words=words),
                f"{words} de",
            )
        return cls(typed[0].lower() if typed else None)


@dataclass(frozen=True)
class AdminRemove(Command):
    activity_id: int
    reason: str

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        example = f"{words} 1234 duplicate"
        typed_id, reason = split_first(rest)
        if not typed_id:
            refuse(
                _("Which log? Put its id and a reason after '{words}'.").format(words=words),
                example,
            )
        removed = activity_id(typed_id, example)
        reason = free_text(reason)
        if not reason:
            refuse(_("Why remove it? Put a reason after the id; the log's owner is told."), example)
        if len(reason) > MAX_REASON_LENGTH:
            refuse(
                _("Keep the reason to {limit} characters; the log's owner reads it.").format(
                    limit=MAX_REASON_LENGTH
                ),
                example,
            )
        return cls(removed, reason)


@dataclass(frozen=True)
class AdminAnnounce(Command):
    text: str

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        missing = _("What should I announce? Put the text after '{words}'.")
        return cls(_typed_text(rest, missing.format(words=words), f"{words} Last week!"))


@dataclass(frozen=True)
class AdminExport(Command):
    pass


@dataclass(frozen=True)
class AdminPost(Command):
    """Post today's leaderboard now (once per day, whoever posts it)."""


@dataclass(frozen=True)
class AdminFinish(_Confirmed):
    """Post the final report now (once per season); before it is due, only `confirmed`."""

    refusal = N_("Say {words}, or {words} confirm before the report is due.")


@dataclass(frozen=True)
class AdminCharityAdd(_NamesACharity):
    pass


@dataclass(frozen=True)
class AdminCharityRemove(_NamesACharity):
    pass


@dataclass(frozen=True)
class AdminVoteOpen(Command):
    pass


@dataclass(frozen=True)
class AdminVoteClose(Command):
    pass


@dataclass(frozen=True)
class AdminVoteWinner(_NamesACharity):
    pass


@dataclass(frozen=True)
class AdminPhotosList(Command):
    pass


@dataclass(frozen=True)
class Journey(Command):
    pass


_PLEDGE = re.compile(
    r"(?P<before>[^\d\s.,]{1,3})?\s*(?P<number>\d+(?:[.,]\d+)?)\s*(?P<after>[^\d\s/]{1,3})?"
    r"\s*(?P<per_km>(?:per|pro|par|por|al|za|a|/)\s*(?:km|kilomet\w*))?",
    re.IGNORECASE,
)
_WITHDRAWN = {"off", "none", "stop", "cancel", "0"}


@dataclass(frozen=True)
class SetPledge(Command):
    """`pledge 20`, `pledge 0.05 per km`, `pledge off`; `pledge` alone shows the pledge."""

    amount: Decimal | None = None
    per_km: bool = False
    off: bool = False

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        typed = rest.strip()
        if not typed:
            return cls()
        if typed.lower() in _WITHDRAWN:
            return cls(off=True)
        found = _PLEDGE.fullmatch(typed)
        if found is None or (found["before"] and found["after"]):
            refuse(
                _(
                    "A pledge is an amount, like 20, or an amount per km of your own logs, "
                    "like 0.05 per km; I got {typed}."
                ).format(typed=quote(typed)),
                f"{words} 20",
            )
        number, per_km = found["number"], bool(found["per_km"])
        if not per_km and re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", number):
            refuse(
                _("Is {typed} a thousand or more? Write it without a separator, like 1000.").format(
                    typed=quote(typed)
                ),
                f"{words} 20",
            )
        amount = Decimal(number.replace(",", "."))
        most, places = (MAX_PLEDGE_PER_KM, 4) if per_km else (MAX_FIXED_PLEDGE, 2)
        example = f"{words} 0.05 per km" if per_km else f"{words} 20"
        if not 0 < amount <= most:
            refuse(
                _("A pledge must be more than 0 and at most {most}; I got {typed}.").format(
                    most=i18n.decimal(most), typed=quote(typed)
                ),
                example,
            )
        if -amount.as_tuple().exponent > places:
            refuse(
                ngettext(
                    "A pledge has at most {count} decimal place; I got {typed}.",
                    "A pledge has at most {count} decimal places; I got {typed}.",
                    places,
                ).format(count=places, typed=quote(typed)),
                example,
            )
        return cls(amount, per_km)


@dataclass(frozen=True)
class AdminPledges(Command):
    pass


@dataclass(frozen=True)
class AdminPhotosWinner(Command):
    photo_id: int

    @classmethod
    def read(cls, rest: str, words: str) -> Self:
        example = f"{words} 7"
        if not rest:
            refuse(_("Which photo? Put its id after '{words}'.").format(words=words), example)
        return cls(activity_id(rest, example, where=_("listed by admin photos list")))


# `standings people` in every shipped language.
_PEOPLE = set(
    "people person persons individual individuals personen personnes personas persone osoby "
    "ludzie".split()
)


# --- the grammar


@dataclass(frozen=True)
class Usage:
    """One way to type a command: its words (`admin charity add`), the command they make, an
    example that parses, and whether a typo may be corrected to it."""

    words: str
    command: type[Command]
    example: str
    suggested: bool = True


@dataclass
class _Node:
    """The commands under a run of command words: one read here, or more words to come."""

    words: str
    usage: Usage | None = None
    below: dict[str, "_Node"] = field(default_factory=dict)

    def examples(self) -> Iterable[str]:
        if self.usage is not None:
            yield self.usage.example
        for node in self.below.values():
            yield from node.examples()


class Grammar:
    """Chat text to a command, by the words that start it; never raises."""

    def __init__(self, usages: Iterable[Usage]) -> None:
        self._root = _Node("")
        for usage in usages:
            node = self._root
            for word in usage.words.lower().split():
                node = node.below.setdefault(word, _Node(f"{node.words} {word}".strip()))
            if node.usage is not None:
                raise ValueError(f"'{usage.words}' is declared twice")
            node.usage = usage
        self._suggested = [
            word
            for word, node in self._root.below.items()
            if node.usage is None or node.usage.suggested
        ]

    def parse(self, text: str, language: str = "en") -> Command | ParseError:
        """Read one command such as `/log@ChallengeBot 12km cycle`, a word that means two
        things in two languages taking its meaning in the reader's `language`."""
        reading = READER_LANGUAGE.set(language)
        try:
            return self._read(text)
        except Refused as refused:
            return refused.error
        finally:
            READER_LANGUAGE.reset(reading)

    def _read(self, text: str) -> Command:
        if len(text) > MAX_COMMAND_LENGTH:
            refuse(
                _(
                    "That message is {length} characters long; a command can have at most {limit}."
                ).format(length=i18n.decimal(len(text)), limit=MAX_COMMAND_LENGTH),
                "help",
            )
        first, rest = split_first(text.strip().removeprefix("/"))
        if not first:
            refuse(_("There's no command here. Type help to see what I understand."), "help")
        typed = first.split("@", 1)[0]  # Telegram groups send `/log@ChallengeBot`
        node = self._root.below.get(typed.lower())
        if node is None:
            suggestion = closest(typed.lower(), self._suggested, cutoff=66)
            refuse(
                _("I don't know the command {typed}.").format(typed=quote(typed or first))
                + did_you_mean(suggestion),
                "help",
            )
        while True:
            word, after = split_first(rest)
            deeper = node.below.get(word.lower())
            if deeper is None:
                break
            node, rest = deeper, after
        try:
            if node.usage is not None:
                return node.usage.command.read(rest, node.words)
            return _unknown_below(node, word)
        except Refused as refused:
            raise Refused(replace(refused.error, under=node.words)) from None


def _unknown_below(node: _Node, typed: str) -> Command:
    """A run of command words that needs one more, such as `admin` alone or `admin exprot`."""
    example = next(iter(node.examples()))
    if not typed:
        known = ", ".join(f"{node.words} {word}" for word in node.below)
        refuse(
            _("Which {words} command? I know {known}.").format(words=node.words, known=known),
            example,
        )
    suggestion = closest(typed.lower(), node.below, cutoff=66)
    if suggestion is not None:
        example = next(iter(node.below[suggestion].examples()))
    refuse(
        _("I don't know the {words} command {typed}.").format(words=node.words, typed=quote(typed))
        + did_you_mean(None if suggestion is None else f"{node.words} {suggestion}"),
        example,
    )


# --- words several commands read


def _typed_text(rest: str, missing: str, example: str) -> str:
    """Free text after the command words; without any, refused with `missing`."""
    text = free_text(rest)
    if not text:
        refuse(missing, example)
    return text


def team_name(text: str, words: str) -> str:
    """A team name with runs of spaces collapsed, case and accents as typed."""
    example = f"{words} Red Rockets"
    if not text:
        refuse(_("Which team? Put its name after '{words}'.").format(words=words), example)
    if has_invisible(text):
        refuse(
            _("A team name can't contain line breaks, tabs or other control characters."), example
        )
    name = " ".join(text.split())
    length = len(graphemes(name))  # as people count: an emoji is one
    if not TEAM_NAME_MIN_LENGTH <= length <= TEAM_NAME_MAX_LENGTH:
        refuse(
            _("A team name needs {least} to {most} characters; {name} has {length}.").format(
                least=TEAM_NAME_MIN_LENGTH,
                most=TEAM_NAME_MAX_LENGTH,
                name=quote(name),
                length=length,
            ),
            example,
        )
    return name


def charity_name(text: str, example: str) -> str:
    """A charity's name, one line of 2 to 60 characters."""
    name = " ".join(free_text(text).split())
    if not name:
        refuse(_("Which charity? Put its name after the command."), example)
    if not 2 <= len(name) <= CHARITY_NAME_MAX_LENGTH:
        refuse(
            _("A charity's name needs 2 to {most} characters; {name} has {length}.").format(
                most=CHARITY_NAME_MAX_LENGTH, name=quote(name), length=len(name)
            ),
            example,
        )
    return name


def activity_id(typed: str, example: str, where: str | None = None) -> int:
    """An id such as `1234` or `#1234`; `where` says where the ids are shown."""
    digits = typed.removeprefix("#")
    if not re.fullmatch(r"[0-9]+", digits) or not 0 < int(digits) <= MAX_ACTIVITY_ID:
        refuse(
            _("{typed} is not an id; an id is a whole number like 1234, {where}.").format(
                typed=quote(typed), where=where or _("shown in the reply when you log")
            ),
            example,
        )
    return int(digits)


@cache
def _time_zones() -> dict[str, str]:
    """Every IANA time zone key, by its case-folded spelling."""
    return {zone.casefold(): zone for zone in available_timezones()}


def _suggest_time_zone(folded: str) -> str | None:
    """The zone a misspelled or city-only name most likely meant."""
    zones = _time_zones()
    by_city = sorted(key for key in zones if key.rsplit("/", 1)[-1] == folded)
    if by_city:
        return zones[by_city[0]]
    suggestion = closest(folded, zones, cutoff=80)
    return None if suggestion is None else zones[suggestion]
