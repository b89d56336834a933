"""A person's milestones: the first log, round distances and a week's streak."""

from collections.abc import Container
from datetime import date, timedelta

FIRST = "first"
STREAK = "streak7"
STREAK_DAYS = 7
DISTANCES_KM = (50, 100, 250, 500, 1000)


def distance_name(km: int) -> str:
    return f"km{km}"


def crossed(before_m: int, after_m: int) -> list[str]:
    """The milestones a log taking a season total from `before_m` to `after_m` reaches."""
    reached = [FIRST] if before_m == 0 < after_m else []
    reached += [distance_name(km) for km in DISTANCES_KM if before_m < km * 1000 <= after_m]
    return reached


def completes_streak(day: date, active_days: Container[date]) -> bool:
    """Whether a log on `day` makes seven days in a row with a log, ending on any of them."""
    run = 1
    for step in (-1, 1):
        other = day + timedelta(days=step)
        while other in active_days:
            run += 1
            other += timedelta(days=step)
    return run >= STREAK_DAYS
