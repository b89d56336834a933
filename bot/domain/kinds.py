"""The kinds of activity a participant can log."""

from enum import StrEnum


class ActivityKind(StrEnum):
    RUN = "run"
    WALK = "walk"
    CYCLE = "cycle"
