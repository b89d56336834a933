"""Day references as typed ("yesterday", "friday", "3/7") and their resolution to dates."""

from dataclasses import dataclass
from datetime import date, timedelta

from bot import i18n
from bot.i18n import _, ngettext


@dataclass(frozen=True)
class RelativeDay:
    """`today` (days_back=0) or `yesterday` (days_back=1)."""

    days_back: int


@dataclass(frozen=True)
class Weekday:
    """A weekday name: its latest occurrence, today included (0 is Monday)."""

    index: int


@dataclass(frozen=True)
class ExactDate:
    value: date


@dataclass(frozen=True)
class DayMonth:
    """A day-first date without a year (`3/7`): the one nearest today, in this year, the last
    or the next (so `16/7` typed on 15 July is tomorrow, and `31/12` typed on 2 January is
    two days ago)."""

    day: int
    month: int


DayRef = RelativeDay | Weekday | ExactDate | DayMonth


def resolve_day(ref: DayRef, today: date) -> date | None:
    """The date a reference means for someone whose today is `today`; None if it has none."""
    match ref:
        case RelativeDay(days_back):
            return today - timedelta(days=days_back)
        case Weekday(index):
            return today - timedelta(days=(today.weekday() - index) % 7)
        case ExactDate(value):
            return value
        case DayMonth(day, month):
            candidates = []
            # Eight years around today always include a 29 February.
            for year in range(today.year - 4, today.year + 2):
                try:
                    candidates.append(date(year, month, day))
                except ValueError:  # 29/2 outside a leap year
                    continue
            return min(candidates, key=lambda c: abs((c - today).days), default=None)


def long_day(day: date) -> str:
    """`Sat 3 Jul 2021`, the same on every C library; in German `Sa., 3. Juli 2021`."""
    return i18n.long_day(day)


def short_day(day: date, *, year: bool = False) -> str:
    """`3 Jul`, or `3 Jul 2021` with the year."""
    return i18n.short_day(day, year=year)


def log_day_refusal(
    day: date, today: date, season_start: date, season_end: date, late_logging_days: int
) -> str | None:
    """Why an activity cannot be logged on `day`, or None when it can."""
    if day > today:
        return _("{day} is in the future: log it once you've done it.").format(day=long_day(day))
    if day < season_start or day > season_end:
        return _("{day} is outside the challenge, which runs from {start} to {end}.").format(
            day=long_day(day),
            start=short_day(season_start, year=True),
            end=short_day(season_end, year=True),
        )
    if (today - day).days > late_logging_days:
        return ngettext(
            "{day} is more than {count} day ago, too late to log. "
            "Ask an admin if it's a genuine mistake.",
            "{day} is more than {count} days ago, too late to log. "
            "Ask an admin if it's a genuine mistake.",
            late_logging_days,
        ).format(day=long_day(day), count=late_logging_days)
    return None
