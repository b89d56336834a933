"""The log sentence: a distance, an activity and maybe a day, in any order."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NoReturn

from bot import i18n
from bot.domain.days import DayMonth, DayRef, ExactDate, RelativeDay
from bot.domain.kinds import ActivityKind
from bot.i18n import _
from bot.vocabulary import KM, METRE, MILE, folded, reader_lexicon
from bot.words import ParseError, Refused, both, closest, did_you_mean, quote, refuse

MAX_LOG_METRES = 1_000_000


@dataclass(frozen=True)
class LoggedWords:
    """What a log sentence says: `unit_assumed` when no unit was typed and km was taken."""

    distance_m: int
    kind: ActivityKind
    day: DayRef
    unit_assumed: bool


_NUMBER = r"(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)"
_LETTERS = r"[^\W\d_]+"
_BARE_NUMBER = re.compile(_NUMBER)
_NUMBER_AND_UNIT = re.compile(f"({_NUMBER})({_LETTERS})")
_SIGNED_NUMBER = re.compile(r"[+\-\u2212][0-9.,].*")
_EXPONENT = re.compile(f"{_NUMBER}e[+-]?[0-9]+(?:{_LETTERS})?")
_NOT_FINITE = re.compile(f"[+-]?(?:nan|infinity|inf)({_LETTERS})?")
_NUMBER_LIKE = re.compile(f"[0-9.,/-]*[0-9][0-9.,/-]*(?:{_LETTERS})?")


# A comma or dot then exactly three digits: a decimal mark, or a thousands separator?
_GROUPED = re.compile(r"([1-9][0-9]{0,2})[.,]([0-9]{3})")
# Races people name instead of a distance; both are runs.
_RACES = {"marathon": 42_195, "half marathon": 21_098, "half-marathon": 21_098}
# Sports people do that the challenge does not count.
_OTHER_SPORTS = set(
    "swim swims swimming swam row rows rowing rowed ski skis skiing skied skate skating "
    "paddle paddling kayak kayaking canoe canoeing climb climbing yoga gym dance dancing "
    "football soccer tennis golf".split()
)


@dataclass(frozen=True)
class _Distance:
    typed: str
    metres: int
    unit_assumed: bool
    kind: ActivityKind | None = None  # what a race implies


def _metres(typed: str, number: str, metres_per_unit: Decimal) -> int:
    """Whole metres, rounded half up, in a number of some unit; refuses zero and absurd ones."""
    example = "log 12 km cycle"
    value = Decimal(number.replace(",", "."))
    if value == 0:
        refuse(
            _("{typed} is zero; a distance must be more than 0.").format(typed=quote(typed)),
            example,
        )
    with localcontext(prec=60, rounding=ROUND_HALF_UP):
        exact = value * metres_per_unit
        if exact > MAX_LOG_METRES:
            refuse(
                _("{typed}? That's more than 1,000 km in one go; log each day on its own.").format(
                    typed=quote(typed)
                ),
                example,
            )
        metres = int(exact.quantize(Decimal(1)))
    if metres == 0:
        refuse(
            _("{typed} is less than a metre; a distance must be at least 1 m.").format(
                typed=quote(typed)
            ),
            example,
        )
    return metres


def _refuse_if_grouped(typed: str, number: str, metres_per_unit: Decimal) -> None:
    """`10,000 m` or `1.500` (no unit): a thousands separator or a decimal mark? Never guess."""
    match = _GROUPED.fullmatch(number)
    if match is None or metres_per_unit == MILE:
        return
    # Both readings as the reader writes numbers: `10 m oder 10.000 m` in German.
    whole = i18n.decimal(int(match[1] + match[2]))
    small = i18n.decimal(Decimal(f"{match[1]}.{match[2]}"), "#,##0.###")
    if metres_per_unit == METRE:
        readings = _("{small} m or {whole} m").format(small=small, whole=whole)
    elif typed == number:  # no unit: km is assumed
        readings = _("{small} km or {whole} m").format(small=small, whole=whole)
    else:
        return  # `1,500 km` is 1.5 km: a thousand km is more than anyone logs
    refuse(
        _(
            "I can't tell whether {typed} means {readings}: write it without a "
            "thousands separator, like 1500 m or 1.5 km."
        ).format(typed=quote(typed), readings=readings),
        "log 1.5 km run",
    )


def _distance_with_unit(typed: str, number: str, unit: str) -> _Distance:
    metres_per_unit = reader_lexicon().units.get(folded(unit))
    if metres_per_unit is None:
        refuse(
            _("I don't know the unit {unit} in {typed}; use km, mi or m.").format(
                unit=quote(unit), typed=quote(typed)
            ),
            "log 12 km cycle",
        )
    _refuse_if_grouped(typed, number, metres_per_unit)
    return _Distance(typed, _metres(typed, number, metres_per_unit), False)


def _distance_in_km(typed: str) -> _Distance:
    _refuse_if_grouped(typed, typed, KM)
    return _Distance(typed, _metres(typed, typed, KM), True)


def _refuse_distance(typed: str) -> NoReturn:
    """Why a word shaped like a number (see `_looks_like_distance`) is not a distance."""
    low = typed.lower()
    if low.startswith("+") and _SIGNED_NUMBER.fullmatch(low):
        message = _("Write the distance without a plus sign, not {typed}.")
    elif _SIGNED_NUMBER.fullmatch(low):
        message = _("A distance can't be negative: {typed}.")
    elif _EXPONENT.fullmatch(low):
        message = _("Write the distance as a plain number like 1000 m, not {typed}.")
    elif _is_not_finite(low):
        message = _("{typed} is not a distance; give a number like 12,5 km.")
    else:
        refuse(
            _(
                "I can't read {typed}. A distance has at most one decimal mark and no thousands "
                "separator (12,5 or 1234.5); a day looks like 3/7, 3.7.2021 or 2021-07-03."
            ).format(typed=quote(typed)),
            "log 12,5 km walk 3/7",
        )
    refuse(message.format(typed=quote(typed)), "log 12 km cycle")


def _is_not_finite(low: str) -> bool:
    """Whether a word is NaN or infinity, with or without a unit."""
    match = _NOT_FINITE.fullmatch(low)
    return match is not None and (match[1] is None or folded(match[1]) in reader_lexicon().units)


def _looks_like_distance(low: str) -> bool:
    """Whether a word that is neither a readable distance nor a day was meant as a number."""
    return bool(
        _SIGNED_NUMBER.fullmatch(low)
        or _EXPONENT.fullmatch(low)
        or _is_not_finite(low)
        or _NUMBER_LIKE.fullmatch(low)
    )


# --- days


_YEAR_FIRST = re.compile(r"([0-9]{4})([./-])([0-9]{1,2})\2([0-9]{1,2})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})([./-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})")
_DAY_MONTH = re.compile(r"([0-9]{1,2})[./]([0-9]{1,2})")


def _not_in_calendar(typed: str) -> NoReturn:
    refuse(
        _(
            "{typed} is not a day in the calendar; write days day first, "
            "like 3/7 for 3 July, or as 2021-07-03."
        ).format(typed=quote(typed)),
        "log 10 km run 2021-07-03",
    )


def _exact_date(typed: str, year: str, month: str, day: str) -> ExactDate:
    try:
        return ExactDate(date(int(year), int(month), int(day)))
    except ValueError:
        _not_in_calendar(typed)


def _day_month(typed: str) -> DayMonth | None:
    """A day-first `3/7` or `3.7`; None when the word has another shape."""
    match = _DAY_MONTH.fullmatch(typed)
    if match is None:
        return None
    day, month = int(match[1]), int(match[2])
    try:
        date(2000, month, day)  # a leap year, so 29/2 is a day
    except ValueError:
        _not_in_calendar(typed)
    return DayMonth(day, month)


def _day_month_or_why(typed: str) -> DayMonth | ParseError | None:
    """As `_day_month`, the refusal kept for later: `32.7` is no day, but may be 32.7 km."""
    try:
        return _day_month(typed)
    except Refused as refused:
        return refused.error


def _read_date(typed: str) -> DayRef | None:
    """A written date (`2021-07-03`, `3/7`, `03/07/2021`); None when the word is not one."""
    if match := _YEAR_FIRST.fullmatch(typed):
        return _exact_date(typed, year=match[1], month=match[3], day=match[4])
    if match := _DAY_FIRST.fullmatch(typed):
        year = match[4] if len(match[4]) == 4 else f"20{match[4]}"
        return _exact_date(typed, year=year, month=match[3], day=match[1])
    if "/" in typed:
        return _day_month(typed)
    return None


# --- activities and the whole sentence


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


def _read_log_word(word: str, following: str, after_number: bool) -> tuple[_LogWord | None, int]:
    """What one word of a log means (None: nothing), and how many words that took (a unit,
    a month or a race's second word may follow)."""
    low, next_low = word.lower(), following.lower()
    words = reader_lexicon()
    key, next_key = folded(word), folded(following)
    if key in words.kinds:
        return _Kind(word, words.kinds[key]), 1
    if key in words.days:
        return _Day(word, words.days[key]), 1
    if key in words.before_a_day and (next_key in words.days or _looks_like_day(next_low)):
        return None, 1
    for named, race in ((f"{low} {next_low}", 2), (low, 1)):
        if named in _RACES:
            typed = " ".join([word, following][:race])
            return _Distance(typed, _RACES[named], False, ActivityKind.RUN), race
    if key in words.months and re.fullmatch(r"[0-9]{1,2}", next_low):  # `Nov 29`
        return _Day(f"{word} {following}", _named_month(next_low, words.months[key])), 2
    if _BARE_NUMBER.fullmatch(low):
        if next_key in words.units:
            return _distance_with_unit(f"{word} {following}", low, next_low), 2
        if next_key in words.months and re.fullmatch(r"[0-9]{1,2}", low):  # `29 Nov`
            return _Day(f"{word} {following}", _named_month(low, words.months[next_key])), 2
        if re.fullmatch(r"[0-9]{1,3}", low) and re.match(r"[0-9]{3}(?![0-9])", next_low):
            refuse(
                _(
                    "Is {typed} one number with a space in it? "
                    "Write it without the space, like 1500 m, or as 1.5 km."
                ).format(typed=quote(f"{word} {following}")),
                "log 1.5 km run",
            )
        return _BareNumber(word, _day_month_or_why(low)), 1
    if match := _NUMBER_AND_UNIT.fullmatch(low):
        return _distance_with_unit(word, match[1], match[2]), 1
    day = _read_date(low)
    if day is None:
        _refuse_log_word(word, after_number)
    return _Day(word, day), 1


def _refuse_log_word(word: str, after_number: bool) -> NoReturn:
    low, words = word.lower(), reader_lexicon()
    if _looks_like_distance(low):
        _refuse_distance(word)
    if folded(word) in words.units:
        refuse(
            _("{typed} needs a number right before it, like 12 km.").format(typed=quote(word)),
            "log 12 km cycle",
        )
    if low in _OTHER_SPORTS:
        refuse(
            _(
                "{typed} doesn't count here: the challenge counts running, walking and cycling."
            ).format(typed=quote(word)),
            "log 5 km walk",
        )
    if after_number and re.fullmatch(_LETTERS, low):
        refuse(
            _("I don't know the unit {typed}; use km, mi or m.").format(typed=quote(word)),
            "log 12 km cycle",
        )
    # Weekdays by their full names only: `on` is not `mon`.
    suggestion = closest(
        folded(word), [*words.kinds, *(w for w in words.days if len(w) > 3)], cutoff=75
    )
    refuse(
        _("I don't understand {typed} in a log.").format(typed=quote(word))
        + did_you_mean(suggestion)
        + " "
        + _("A log is a distance, an activity (run, walk, cycle) and maybe a day."),
        "log 12,5 km walk yesterday",
    )


def _read_log_words(words: list[str]) -> list[_LogWord]:
    read: list[_LogWord] = []
    index = 0
    while index < len(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        after_number = bool(read) and isinstance(read[-1], _BareNumber)
        item, used = _read_log_word(words[index], following, after_number)
        if item is not None:
            read.append(item)
        index += used
    return read


def read_log(rest: str) -> LoggedWords:
    """`log DISTANCE ACTIVITY [DAY]`, the three in any order."""
    words = _read_log_words(_plain_digits(rest).split())
    kinds = [word for word in words if isinstance(word, _Kind)]
    distances = [word for word in words if isinstance(word, _Distance)]
    numbers = [word for word in words if isinstance(word, _BareNumber)]
    days = [word for word in words if isinstance(word, _Day)]
    if not words:
        refuse(_("What did you do? Put a distance and an activity after 'log'."), "log 5 km run")
    kind_example = f"log 5 km {kinds[0].kind}" if kinds else "log 5 km run"
    if len(kinds) > 1:
        refuse(
            _("I found two activities, {both}; log one activity at a time.").format(
                both=both(kinds[0].typed, kinds[1].typed)
            ),
            kind_example,
        )
    if len(distances) > 1:
        refuse(
            _("I found two distances, {both}; log one distance at a time.").format(
                both=both(distances[0].typed, distances[1].typed)
            ),
            kind_example,
        )
    # A bare `3.7` is the distance only when nothing else is; otherwise it is a day.
    if distances:
        distance = distances[0]
    elif numbers:
        first, *numbers = numbers
        distance = _distance_in_km(first.typed)
    else:
        refuse(_("How far did you go? Add a distance, like 5 km."), kind_example)
    for number in numbers:
        if number.as_day is None:
            refuse(
                _("I found two distances, {both}; log one distance at a time.").format(
                    both=both(distance.typed, number.typed)
                ),
                kind_example,
            )
        if isinstance(number.as_day, ParseError):
            raise Refused(number.as_day)
        days.append(_Day(number.typed, number.as_day))
    if len(days) > 1:
        refuse(
            _("I found two days, {both}; log each day on its own.").format(
                both=both(days[0].typed, days[1].typed)
            ),
            "log 5 km run yesterday",
        )
    kind = kinds[0].kind if kinds else distance.kind
    if kind is None:
        refuse(
            _("Was it a run, a walk or a ride? Add the activity, like run."),
            f"log {distance.typed} run",
        )
    day = days[0].day if days else RelativeDay(0)
    return LoggedWords(distance.metres, kind, day, distance.unit_assumed)


@dataclass(frozen=True)
class CaptionWords:
    """What a file's caption says: maybe the activity, maybe the day."""

    kind: ActivityKind | None
    day: DayRef | None


def read_caption(rest: str) -> CaptionWords:
    """`upload [ACTIVITY] [DAY]`: the distance comes from the file, never from the words."""
    words = _read_log_words(_plain_digits(rest).split())
    kinds = [word for word in words if isinstance(word, _Kind)]
    days = [word for word in words if isinstance(word, _Day)]
    for word in words:
        if isinstance(word, _BareNumber) and isinstance(word.as_day, DayMonth):
            days.append(_Day(word.typed, word.as_day))
        elif isinstance(word, _Distance | _BareNumber):
            refuse(
                _(
                    "The distance comes from the file, so leave {typed} out; "
                    "the caption may say the activity and the day."
                ).format(typed=quote(word.typed)),
                "upload ride yesterday",
            )
    if len(kinds) > 1:
        refuse(
            _("I found two activities, {both}; a file holds one activity.").format(
                both=both(kinds[0].typed, kinds[1].typed)
            ),
            "upload ride",
        )
    if len(days) > 1:
        refuse(
            _("I found two days, {both}; a file holds one day.").format(
                both=both(days[0].typed, days[1].typed)
            ),
            "upload ride yesterday",
        )
    return CaptionWords(kinds[0].kind if kinds else None, days[0].day if days else None)


def _plain_digits(text: str) -> str:
    """Any script's digits as 0-9 and full-width letters as plain ones (`５ ｋｍ` is 5 km);
    a fraction character is refused with the decimal to write instead."""
    for char in text:
        if unicodedata.category(char) == "No" and "FRACTION" in unicodedata.name(char, ""):
            value = Decimal(str(unicodedata.numeric(char))).normalize()
            refuse(
                _("Write {typed} as a decimal, {value}, like 0.5 km.").format(
                    typed=quote(char), value=value
                ),
                "log 0.5 km walk",
            )
    plain = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    return unicodedata.normalize("NFKC", plain)


def _looks_like_day(low: str) -> bool:
    return bool(
        _YEAR_FIRST.fullmatch(low) or _DAY_FIRST.fullmatch(low) or _DAY_MONTH.fullmatch(low)
    )


def _named_month(day: str, month: int) -> DayMonth:
    """`29 Nov`: a day of a named month, in the year nearest today."""
    return _day_month(f"{int(day)}/{month}")  # type: ignore[return-value]
