"""The milestones each participant has been told of, so that each is told once."""

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DailyTotal, Milestone
from storage.repository import upsert_into


def claim(
    session: Session, season_id: int, reached: Iterable[tuple[int, str]], now: datetime
) -> set[tuple[int, str]]:
    """Of the (participant, milestone) pairs reached, those reached for the first time."""
    rows = [
        {"season_id": season_id, "participant_id": pid, "name": name, "reached_at": now}
        for pid, name in dict.fromkeys(reached)
    ]
    if not rows:
        return set()
    inserted = session.execute(
        upsert_into(session, Milestone)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(Milestone.participant_id, Milestone.name)
    )
    return {(pid, name) for pid, name in inserted}


def active_days(
    session: Session, season_id: int, participant_id: int, since: date, until: date
) -> set[date]:
    """The days from `since` to `until` on which the participant has a log."""
    return set(
        session.scalars(
            select(DailyTotal.day).where(
                DailyTotal.season_id == season_id,
                DailyTotal.participant_id == participant_id,
                DailyTotal.day.between(since, until),
                DailyTotal.distance_m > 0,
            )
        )
    )
