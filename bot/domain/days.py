"""Day references as typed ("yesterday", "friday", "3/7") and their resolution to dates."""

from dataclasses import dataclass
from datetime import date, timedelta


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
    """`Sat 3 Jul 2021`, the same on every C library (`%-d` is glibc's only)."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def short_day(day: date, *, year: bool = False) -> str:
    """`3 Jul`, or `3 Jul 2021` with the year."""
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


def log_day_refusal(
    day: date, today: date, season_start: date, season_end: date, late_logging_days: int
) -> str | None:
    """Why an activity cannot be logged on `day`, or None when it can."""
    if day > today:
        return f"{long_day(day)} is in the future: log it once you've done it."
    if day < season_start or day > season_end:
        return (
            f"{long_day(day)} is outside the challenge, which runs from "
            f"{short_day(season_start, year=True)} to {short_day(season_end, year=True)}."
        )
    if (today - day).days > late_logging_days:
        days = "1 day" if late_logging_days == 1 else f"{late_logging_days} days"
        return (
            f"{long_day(day)} is more than {days} ago, too late to log. "
            "Ask an admin if it's a genuine mistake."
        )
    return None
