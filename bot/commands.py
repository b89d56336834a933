"""The one command grammar: chat text in, a typed command or a helpful ParseError out."""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

from bot.domain.days import DayMonth, DayRef, ExactDate, RelativeDay, Weekday
from bot.domain.kinds import ActivityKind

MAX_COMMAND_LENGTH = 500
MAX_LOG_METRES = 1_000_000
TEAM_NAME_MIN_LENGTH = 2
TEAM_NAME_MAX_LENGTH = 40
CHARITY_NAME_MAX_LENGTH = 60
PHOTO_TITLE_MAX_LENGTH = 100
MAX_REASON_LENGTH = 200
MAX_ACTIVITY_ID = 2**63 - 1  # the database's BIGINT


@dataclass(frozen=True)
class ParseError:
    """What was wrong with the text, and a correct example (without a leading slash)."""

    message: str
    example: str


@dataclass(frozen=True)
class Help:
    """`help`, or `start`, which Telegram sends first."""


@dataclass(frozen=True)
class NewTeam:
    name: str


@dataclass(frozen=True)
class Join:
    name: str


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class Log:
    """One activity to record; `unit_assumed` when no unit was typed and km was taken."""

    distance_m: int
    kind: ActivityKind
    day: DayRef
    unit_assumed: bool


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Delete:
    activity_id: int


@dataclass(frozen=True)
class Me:
    pass


@dataclass(frozen=True)
class Standings:
    """The team ranking, or the individual one when `people`."""

    people: bool


@dataclass(frozen=True)
class TeamInfo:
    """A team's members; `name` None means the caller's own team."""

    name: str | None


@dataclass(frozen=True)
class Totals:
    pass


@dataclass(frozen=True)
class SetTimezone:
    """An IANA time zone key, spelled as the tz database spells it."""

    zone: str


@dataclass(frozen=True)
class AdminRemove:
    activity_id: int
    reason: str


@dataclass(frozen=True)
class AdminAnnounce:
    text: str


@dataclass(frozen=True)
class AdminExport:
    pass


@dataclass(frozen=True)
class Photo:
    """`photo [TITLE]` sent with an image; the adapter hands the image over separately."""

    title: str | None


@dataclass(frozen=True)
class Photos:
    """The caller's own photo entries."""


@dataclass(frozen=True)
class Vote:
    """`vote` shows the ballot; `vote WWF` or `vote #3` (a button) casts or changes a vote."""

    charity: str | None
    charity_id: int | None = None


@dataclass(frozen=True)
class AdminCharityAdd:
    name: str


@dataclass(frozen=True)
class AdminCharityRemove:
    name: str


@dataclass(frozen=True)
class AdminVoteOpen:
    pass


@dataclass(frozen=True)
class AdminVoteClose:
    pass


@dataclass(frozen=True)
class AdminVoteWinner:
    name: str


@dataclass(frozen=True)
class AdminPhotosList:
    pass


@dataclass(frozen=True)
class AdminPhotosWinner:
    photo_id: int


@dataclass(frozen=True)
class AdminPost:
    """Post today's leaderboard now (once per day, whoever posts it)."""


@dataclass(frozen=True)
class AdminFinish:
    """Post the final report now (once per season)."""


Command = (
    Help
    | NewTeam
    | Join
    | Leave
    | Log
    | Undo
    | Delete
    | Me
    | Standings
    | TeamInfo
    | Totals
    | SetTimezone
    | AdminRemove
    | AdminAnnounce
    | AdminExport
    | AdminPost
    | AdminFinish
    | Photo
    | Photos
    | Vote
    | AdminCharityAdd
    | AdminCharityRemove
    | AdminVoteOpen
    | AdminVoteClose
    | AdminVoteWinner
    | AdminPhotosList
    | AdminPhotosWinner
)

Reader = Callable[[str], Command | ParseError]


def parse(text: str) -> Command | ParseError:
    """Read one command such as `/log@ChallengeBot 12km cycle`; never raises."""
    if len(text) > MAX_COMMAND_LENGTH:
        return ParseError(
            f"That message is {len(text):,} characters long; "
            f"a command can have at most {MAX_COMMAND_LENGTH}.",
            "help",
        )
    first, rest = _split_first(text.strip().removeprefix("/"))
    if not first:
        return ParseError("There's no command here. Type help to see what I understand.", "help")
    typed = first.split("@", 1)[0]  # Telegram groups send `/log@ChallengeBot`
    read = _COMMANDS.get(typed.lower())
    if read is None:
        return _unknown_command(typed or first)
    return read(rest)


# --- words shared by every command


def _split_first(text: str) -> tuple[str, str]:
    """The first word and the rest, the rest trimmed but otherwise as typed."""
    parts = text.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) == 2 else ""


def _free_text(text: str) -> str:
    """Text kept as typed, minus invisible control characters (line breaks and tabs stay)."""
    return "".join(c for c in text if c in "\n\t" or not _is_control(c)).strip()


def _is_control(char: str) -> bool:
    """Whether a character is a control, format or line-break character."""
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _quote(text: str) -> str:
    """The user's words in quotes, shortened, with invisible characters made visible."""
    shown = "".join("\ufffd" if _is_control(char) else char for char in text)
    if len(shown) > 40:
        shown = shown[:39] + "…"
    return f"'{shown}'"


def _closest(word: str, choices: Iterable[str], cutoff: float) -> str | None:
    """The choice most like `word`, if any is at least `cutoff` (0..100) alike."""
    match = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=cutoff)
    return None if match is None else match[0]


def _did_you_mean(suggestion: str | None) -> str:
    return "" if suggestion is None else f" Did you mean '{suggestion}'?"


def _unknown_command(typed: str) -> ParseError:
    suggestion = _closest(typed.lower(), _SUGGESTED_COMMANDS, cutoff=66)
    return ParseError(
        f"I don't know the command {_quote(typed)}.{_did_you_mean(suggestion)}", "help"
    )


def _without_arguments(word: str, command: Command) -> Reader:
    """A reader for a command that takes nothing after its word."""

    def read(rest: str) -> Command | ParseError:
        if rest:
            return ParseError(f"'{word}' takes nothing after it, but I got {_quote(rest)}.", word)
        return command

    return read


def _read_help(rest: str) -> Help:
    # Words after it are ignored: Telegram deep links send `/start PAYLOAD`.
    return Help()


# --- team names


def _team_name(text: str, command_word: str) -> str | ParseError:
    """A team name with runs of spaces collapsed, case and accents as typed."""
    example = f"{command_word} Red Rockets"
    if not text:
        return ParseError(f"Which team? Put its name after '{command_word}'.", example)
    if any(_is_control(char) for char in text):
        return ParseError(
            "A team name can't contain line breaks, tabs or other control characters.", example
        )
    name = " ".join(text.split())
    if not TEAM_NAME_MIN_LENGTH <= len(name) <= TEAM_NAME_MAX_LENGTH:
        return ParseError(
            f"A team name needs {TEAM_NAME_MIN_LENGTH} to {TEAM_NAME_MAX_LENGTH} characters; "
            f"{_quote(name)} has {len(name)}.",
            example,
        )
    return name


def _read_newteam(rest: str) -> NewTeam | ParseError:
    name = _team_name(rest, "newteam")
    return name if isinstance(name, ParseError) else NewTeam(name)


def _read_join(rest: str) -> Join | ParseError:
    name = _team_name(rest, "join")
    return name if isinstance(name, ParseError) else Join(name)


def _read_team(rest: str) -> TeamInfo | ParseError:
    if not rest:
        return TeamInfo(None)
    name = _team_name(rest, "team")
    return name if isinstance(name, ParseError) else TeamInfo(name)


# --- log ids, standings, time zones


def _activity_id(
    typed: str, example: str, where: str = "shown in the reply when you log"
) -> int | ParseError:
    """An id such as `1234` or `#1234`."""
    digits = typed.removeprefix("#")
    if not re.fullmatch(r"[0-9]+", digits) or not 0 < int(digits) <= MAX_ACTIVITY_ID:
        return ParseError(
            f"{_quote(typed)} is not an id; an id is a whole number like 1234, {where}.",
            example,
        )
    return int(digits)


def _read_delete(rest: str) -> Delete | ParseError:
    example = "delete 1234"
    words = rest.split()
    if len(words) != 1:
        return ParseError(
            "Which log? Put one id after 'delete'; the reply to each log shows its id.", example
        )
    activity_id = _activity_id(words[0], example)
    return activity_id if isinstance(activity_id, ParseError) else Delete(activity_id)


def _read_standings(rest: str) -> Standings | ParseError:
    word = rest.lower()
    if word in {"", "team", "teams"}:
        return Standings(people=False)
    if word in {"people", "person", "persons", "individual", "individuals"}:
        return Standings(people=True)
    return ParseError(f"I can rank teams or people, not {_quote(rest)}.", "standings people")


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
    closest = _closest(folded, zones, cutoff=80)
    return None if closest is None else zones[closest]


def _read_timezone(rest: str) -> SetTimezone | ParseError:
    if not rest:
        return ParseError(
            "Which time zone? Give its IANA name, like Europe/Helsinki.",
            "timezone Europe/Helsinki",
        )
    folded = "_".join(rest.split()).casefold()  # "America/New York" means America/New_York
    zone = _time_zones().get(folded)
    if zone is not None:
        return SetTimezone(zone)
    suggestion = _suggest_time_zone(folded)
    return ParseError(
        f"I don't know the time zone {_quote(rest)}; use an IANA name like Europe/Helsinki."
        + _did_you_mean(suggestion),
        f"timezone {suggestion or 'Europe/Helsinki'}",
    )


# --- admin


def _read_admin(rest: str) -> Command | ParseError:
    first, args = _split_first(rest)
    read = _ADMIN_COMMANDS.get(first.lower())
    if read is not None:
        return read(args)
    if not first:
        known = ", ".join(f"admin {word}" for word in _ADMIN_COMMANDS)
        message = f"Which admin command? I know {known}."
    else:
        suggestion = _closest(first.lower(), _ADMIN_COMMANDS, cutoff=66)
        message = f"I don't know the admin command {_quote(first)}." + _did_you_mean(
            None if suggestion is None else f"admin {suggestion}"
        )
    return ParseError(message, "admin export")


def _charity_name(text: str, example: str) -> str | ParseError:
    """A charity's name, one line of 2 to 60 characters."""
    name = " ".join(_free_text(text).split())
    if not name:
        return ParseError("Which charity? Put its name after the command.", example)
    if not 2 <= len(name) <= CHARITY_NAME_MAX_LENGTH:
        return ParseError(
            f"A charity's name needs 2 to {CHARITY_NAME_MAX_LENGTH} characters; "
            f"{_quote(name)} has {len(name)}.",
            example,
        )
    return name


def _read_vote(rest: str) -> Vote | ParseError:
    if not rest:
        return Vote(None)
    if re.fullmatch(r"#[0-9]{1,9}", rest):  # a ballot button
        return Vote(None, int(rest[1:]))
    name = _charity_name(rest, "vote WWF")
    return name if isinstance(name, ParseError) else Vote(name)


def _read_photo(rest: str) -> Photo | ParseError:
    title = " ".join(_free_text(rest).split())
    if len(title) > PHOTO_TITLE_MAX_LENGTH:
        return ParseError(
            f"Keep the title to {PHOTO_TITLE_MAX_LENGTH} characters; yours has {len(title)}.",
            "photo Sunrise over the Taff",
        )
    return Photo(title or None)


def _read_admin_charity(rest: str) -> Command | ParseError:
    action, name = _split_first(rest)
    example = "admin charity add WWF"
    if action.lower() not in ("add", "remove"):
        return ParseError("Say admin charity add NAME or admin charity remove NAME.", example)
    checked = _charity_name(name, f"admin charity {action.lower()} WWF")
    if isinstance(checked, ParseError):
        return checked
    return AdminCharityAdd(checked) if action.lower() == "add" else AdminCharityRemove(checked)


def _read_admin_vote(rest: str) -> Command | ParseError:
    action, name = _split_first(rest)
    match action.lower():
        case "open" if not name:
            return AdminVoteOpen()
        case "close" if not name:
            return AdminVoteClose()
        case "winner":
            checked = _charity_name(name, "admin vote winner WWF")
            return checked if isinstance(checked, ParseError) else AdminVoteWinner(checked)
    return ParseError(
        "Say admin vote open, admin vote close, or admin vote winner NAME to settle a tie.",
        "admin vote open",
    )


def _read_admin_photos(rest: str) -> Command | ParseError:
    action, typed_id = _split_first(rest)
    if action.lower() == "list" and not typed_id:
        return AdminPhotosList()
    if action.lower() == "winner":
        example = "admin photos winner 7"
        if not typed_id:
            return ParseError("Which photo? Put its id after 'admin photos winner'.", example)
        photo_id = _activity_id(typed_id, example, where="listed by admin photos list")
        return photo_id if isinstance(photo_id, ParseError) else AdminPhotosWinner(photo_id)
    return ParseError("Say admin photos list, or admin photos winner ID.", "admin photos list")


def _read_admin_remove(rest: str) -> AdminRemove | ParseError:
    example = "admin remove 1234 duplicate"
    typed_id, reason = _split_first(rest)
    if not typed_id:
        return ParseError("Which log? Put its id and a reason after 'admin remove'.", example)
    activity_id = _activity_id(typed_id, example)
    if isinstance(activity_id, ParseError):
        return activity_id
    reason = _free_text(reason)
    if not reason:
        return ParseError(
            "Why remove it? Put a reason after the id; the log's owner is told.", example
        )
    if len(reason) > MAX_REASON_LENGTH:
        return ParseError(
            f"Keep the reason to {MAX_REASON_LENGTH} characters; the log's owner reads it.",
            example,
        )
    return AdminRemove(activity_id, reason)


def _read_admin_announce(rest: str) -> AdminAnnounce | ParseError:
    rest = _free_text(rest)
    if not rest:
        return ParseError(
            "What should I announce? Put the text after 'admin announce'.",
            "admin announce Last week!",
        )
    return AdminAnnounce(rest)


# --- log: distances


_NUMBER = r"(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)"
_LETTERS = r"[^\W\d_]+"
_BARE_NUMBER = re.compile(_NUMBER)
_NUMBER_AND_UNIT = re.compile(f"({_NUMBER})({_LETTERS})")
_SIGNED_NUMBER = re.compile(r"[+\-\u2212][0-9.,].*")
_EXPONENT = re.compile(f"{_NUMBER}e[+-]?[0-9]+(?:{_LETTERS})?")
_NOT_FINITE = re.compile(f"[+-]?(?:nan|infinity|inf)({_LETTERS})?")
_NUMBER_LIKE = re.compile(f"[0-9.,/-]*[0-9][0-9.,/-]*(?:{_LETTERS})?")

_METRES_PER_UNIT = {
    **dict.fromkeys("km k kms kilometre kilometres kilometer kilometers".split(), Decimal(1000)),
    **dict.fromkeys("mi mile miles".split(), Decimal("1609.344")),
    **dict.fromkeys("m metre metres meter meters".split(), Decimal(1)),
}


@dataclass(frozen=True)
class _Distance:
    typed: str
    metres: int
    unit_assumed: bool


def _metres(typed: str, number: str, metres_per_unit: Decimal) -> int | ParseError:
    """Whole metres, rounded half up, in a number of some unit; refuses zero and absurd ones."""
    example = "log 12 km cycle"
    value = Decimal(number.replace(",", "."))
    if value == 0:
        return ParseError(f"{_quote(typed)} is zero; a distance must be more than 0.", example)
    with localcontext(prec=60, rounding=ROUND_HALF_UP):
        exact = value * metres_per_unit
        if exact > MAX_LOG_METRES:
            return ParseError(
                f"{_quote(typed)}? That's more than 1,000 km in one go; log each day on its own.",
                example,
            )
        metres = int(exact.quantize(Decimal(1)))
    if metres == 0:
        return ParseError(
            f"{_quote(typed)} is less than a metre; a distance must be at least 1 m.", example
        )
    return metres


def _distance_with_unit(typed: str, number: str, unit: str) -> _Distance | ParseError:
    metres_per_unit = _METRES_PER_UNIT.get(unit)
    if metres_per_unit is None:
        return ParseError(
            f"I don't know the unit {_quote(unit)} in {_quote(typed)}; use km, mi or m.",
            "log 12 km cycle",
        )
    metres = _metres(typed, number, metres_per_unit)
    return metres if isinstance(metres, ParseError) else _Distance(typed, metres, False)


def _distance_in_km(typed: str) -> _Distance | ParseError:
    metres = _metres(typed, typed, _METRES_PER_UNIT["km"])
    return metres if isinstance(metres, ParseError) else _Distance(typed, metres, True)


def _refuse_distance(typed: str) -> ParseError:
    """Why a word shaped like a number (see `_looks_like_distance`) is not a distance."""
    low = typed.lower()
    if low.startswith("+") and _SIGNED_NUMBER.fullmatch(low):
        message = f"Write the distance without a plus sign, not {_quote(typed)}."
    elif _SIGNED_NUMBER.fullmatch(low):
        message = f"A distance can't be negative: {_quote(typed)}."
    elif _EXPONENT.fullmatch(low):
        message = f"Write the distance as a plain number like 1000 m, not {_quote(typed)}."
    elif _is_not_finite(low):
        message = f"{_quote(typed)} is not a distance; give a number like 12,5 km."
    else:
        return ParseError(
            f"I can't read {_quote(typed)}. A distance has at most one decimal mark and no "
            "thousands separator (12,5 or 1234.5); a day looks like 3/7, 3.7.2021 or 2021-07-03.",
            "log 12,5 km walk 3/7",
        )
    return ParseError(message, "log 12 km cycle")


def _is_not_finite(low: str) -> bool:
    """Whether a word is NaN or infinity, with or without a unit."""
    match = _NOT_FINITE.fullmatch(low)
    return match is not None and (match[1] is None or match[1] in _METRES_PER_UNIT)


def _looks_like_distance(low: str) -> bool:
    """Whether a word that is neither a readable distance nor a day was meant as a number."""
    return bool(
        _SIGNED_NUMBER.fullmatch(low)
        or _EXPONENT.fullmatch(low)
        or _is_not_finite(low)
        or _NUMBER_LIKE.fullmatch(low)
    )


# --- log: days


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS: dict[str, DayRef] = {
    "today": RelativeDay(0),
    "yesterday": RelativeDay(1),
    **{name: Weekday(index) for index, name in enumerate(_WEEKDAYS)},
    **{name[:3]: Weekday(index) for index, name in enumerate(_WEEKDAYS)},
}
_YEAR_FIRST = re.compile(r"([0-9]{4})([./-])([0-9]{1,2})\2([0-9]{1,2})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})([./-])([0-9]{1,2})\2([0-9]{4})")
_DAY_MONTH = re.compile(r"([0-9]{1,2})[./]([0-9]{1,2})")


def _not_in_calendar(typed: str) -> ParseError:
    return ParseError(
        f"{_quote(typed)} is not a day in the calendar; write days day first, "
        "like 3/7 for 3 July, or as 2021-07-03.",
        "log 10 km run 2021-07-03",
    )


def _exact_date(typed: str, year: str, month: str, day: str) -> ExactDate | ParseError:
    try:
        return ExactDate(date(int(year), int(month), int(day)))
    except ValueError:
        return _not_in_calendar(typed)


def _day_month(typed: str) -> DayMonth | ParseError | None:
    """A day-first `3/7` or `3.7`; None when the word has another shape."""
    match = _DAY_MONTH.fullmatch(typed)
    if match is None:
        return None
    day, month = int(match[1]), int(match[2])
    try:
        date(2000, month, day)  # a leap year, so 29/2 is a day
    except ValueError:
        return _not_in_calendar(typed)
    return DayMonth(day, month)


def _read_date(typed: str) -> DayRef | ParseError | None:
    """A written date (`2021-07-03`, `3/7`, `03/07/2021`); None when the word is not one."""
    if match := _YEAR_FIRST.fullmatch(typed):
        return _exact_date(typed, year=match[1], month=match[3], day=match[4])
    if match := _DAY_FIRST.fullmatch(typed):
        return _exact_date(typed, year=match[4], month=match[3], day=match[1])
    if "/" in typed:
        return _day_month(typed)
    return None


# --- log: activities and the whole sentence


_KIND_WORDS = {
    **dict.fromkeys("run runs running ran jog jogs jogging jogged".split(), ActivityKind.RUN),
    **dict.fromkeys("walk walks walking walked hike hikes hiking hiked".split(), ActivityKind.WALK),
    **dict.fromkeys(
        "cycle cycles cycling cycled bike bikes biking biked ride rides riding rode".split(),
        ActivityKind.CYCLE,
    ),
}


@dataclass(frozen=True)
class _Kind:
    typed: str
    kind: ActivityKind


@dataclass(frozen=True)
class _Day:
    typed: str
    day: DayRef


@dataclass(frozen=True)
class _BareNumber:
    """A number without a unit: the distance in km, or a day when shaped like `3.7`."""

    typed: str
    as_day: DayMonth | ParseError | None


_LogWord = _Kind | _Day | _Distance | _BareNumber


def _read_log_word(
    word: str, following: str, after_number: bool
) -> tuple[_LogWord | ParseError, int]:
    """What one word of a log means, and how many words that took (a unit may follow)."""
    low = word.lower()
    if low in _KIND_WORDS:
        return _Kind(word, _KIND_WORDS[low]), 1
    if low in _DAY_WORDS:
        return _Day(word, _DAY_WORDS[low]), 1
    if _BARE_NUMBER.fullmatch(low):
        if following.lower() in _METRES_PER_UNIT:
            return _distance_with_unit(f"{word} {following}", low, following.lower()), 2
        return _BareNumber(word, _day_month(low)), 1
    if match := _NUMBER_AND_UNIT.fullmatch(low):
        return _distance_with_unit(word, match[1], match[2]), 1
    day = _read_date(low)
    if isinstance(day, ParseError):
        return day, 1
    if day is not None:
        return _Day(word, day), 1
    return _refuse_log_word(word, after_number), 1


def _refuse_log_word(word: str, after_number: bool) -> ParseError:
    low = word.lower()
    if _looks_like_distance(low):
        return _refuse_distance(word)
    if low in _METRES_PER_UNIT:
        return ParseError(
            f"{_quote(word)} needs a number right before it, like 12 km.", "log 12 km cycle"
        )
    if after_number and re.fullmatch(_LETTERS, low):
        return ParseError(
            f"I don't know the unit {_quote(word)}; use km, mi or m.", "log 12 km cycle"
        )
    suggestion = _closest(low, [*_KIND_WORDS, *_DAY_WORDS], cutoff=75)
    return ParseError(
        f"I don't understand {_quote(word)} in a log.{_did_you_mean(suggestion)} "
        "A log is a distance, an activity (run, walk, cycle) and maybe a day.",
        "log 12,5 km walk yesterday",
    )


def _read_log_words(words: list[str]) -> list[_LogWord] | ParseError:
    read: list[_LogWord] = []
    index = 0
    while index < len(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        after_number = bool(read) and isinstance(read[-1], _BareNumber)
        item, used = _read_log_word(words[index], following, after_number)
        if isinstance(item, ParseError):
            return item
        read.append(item)
        index += used
    return read


def _both(first: str, second: str) -> str:
    return f"{_quote(first)} and {_quote(second)}"


def _read_log(rest: str) -> Log | ParseError:
    """`log DISTANCE ACTIVITY [DAY]`, the three in any order."""
    words = _read_log_words(rest.split())
    if isinstance(words, ParseError):
        return words
    kinds = [word for word in words if isinstance(word, _Kind)]
    distances = [word for word in words if isinstance(word, _Distance)]
    numbers = [word for word in words if isinstance(word, _BareNumber)]
    days = [word for word in words if isinstance(word, _Day)]
    if not words:
        return ParseError(
            "What did you do? Put a distance and an activity after 'log'.", "log 5 km run"
        )
    kind_example = f"log 5 km {kinds[0].kind}" if kinds else "log 5 km run"
    if len(kinds) > 1:
        return ParseError(
            f"I found two activities, {_both(kinds[0].typed, kinds[1].typed)}; "
            "log one activity at a time.",
            kind_example,
        )
    if len(distances) > 1:
        return ParseError(
            f"I found two distances, {_both(distances[0].typed, distances[1].typed)}; "
            "log one distance at a time.",
            kind_example,
        )
    # A bare `3.7` is the distance only when nothing else is; otherwise it is a day.
    if distances:
        distance = distances[0]
    elif numbers:
        first, *numbers = numbers
        distance = _distance_in_km(first.typed)
        if isinstance(distance, ParseError):
            return distance
    else:
        return ParseError("How far did you go? Add a distance, like 5 km.", kind_example)
    for number in numbers:
        if number.as_day is None:
            return ParseError(
                f"I found two distances, {_both(distance.typed, number.typed)}; "
                "log one distance at a time.",
                kind_example,
            )
        if isinstance(number.as_day, ParseError):
            return number.as_day
        days.append(_Day(number.typed, number.as_day))
    if len(days) > 1:
        return ParseError(
            f"I found two days, {_both(days[0].typed, days[1].typed)}; log each day on its own.",
            "log 5 km run yesterday",
        )
    if not kinds:
        return ParseError(
            "Was it a run, a walk or a ride? Add the activity, like run.",
            f"log {distance.typed} run",
        )
    day = days[0].day if days else RelativeDay(0)
    return Log(distance.metres, kinds[0].kind, day, distance.unit_assumed)


# --- the command words


_ADMIN_COMMANDS: dict[str, Reader] = {
    "remove": _read_admin_remove,
    "announce": _read_admin_announce,
    "export": _without_arguments("admin export", AdminExport()),
    "post": _without_arguments("admin post", AdminPost()),
    "finish": _without_arguments("admin finish", AdminFinish()),
    "charity": _read_admin_charity,
    "vote": _read_admin_vote,
    "photos": _read_admin_photos,
}

_COMMANDS: dict[str, Reader] = {
    "help": _read_help,
    "start": _read_help,
    "newteam": _read_newteam,
    "join": _read_join,
    "leave": _without_arguments("leave", Leave()),
    "log": _read_log,
    "undo": _without_arguments("undo", Undo()),
    "delete": _read_delete,
    "me": _without_arguments("me", Me()),
    "standings": _read_standings,
    "team": _read_team,
    "totals": _without_arguments("totals", Totals()),
    "timezone": _read_timezone,
    "photo": _read_photo,
    "photos": _without_arguments("photos", Photos()),
    "vote": _read_vote,
    "admin": _read_admin,
}

# `start` is only Telegram's greeting; suggesting it for a typo would confuse.
_SUGGESTED_COMMANDS = [word for word in _COMMANDS if word != "start"]
