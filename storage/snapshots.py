"""The teams as each daily post showed them: what the next post, and `team` and `standings`,
compare with to tell who moved."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, func, literal, select
from sqlalchemy.orm import Session

from storage.models import Team, TeamSnapshot
from storage.repository import upsert_into


@dataclass(frozen=True)
class TeamChange:
    """A team now, and as the previous post showed it."""

    team_id: int
    name: str
    rank: int
    total_m: int
    rank_before: int
    total_before_m: int


def take(session: Session, season_id: int, day: date) -> None:
    """Keep every team's rank and km as the day's post shows them (once a day)."""
    ranked = select(
        Team.season_id,
        literal(day, Date).label("day"),
        Team.id,
        func.rank().over(order_by=Team.total_m.desc()).label("rank"),
        Team.total_m,
    ).where(Team.season_id == season_id)
    # One statement, however many teams: the rows never leave the database.
    columns = ["season_id", "day", "team_id", "rank", "total_m"]
    session.execute(
        upsert_into(session, TeamSnapshot).from_select(columns, ranked).on_conflict_do_nothing()
    )


def ranks_before(
    session: Session, season_id: int, day: date, team_ids: list[int]
) -> dict[int, int]:
    """These teams' ranks as the latest post before `day` showed them (a team it did not show
    is left out)."""
    before = _latest_post_before(session, season_id, day)
    if before is None or not team_ids:
        return {}
    rows = session.execute(
        select(TeamSnapshot.team_id, TeamSnapshot.rank).where(
            TeamSnapshot.season_id == season_id,
            TeamSnapshot.day == before,
            TeamSnapshot.team_id.in_(team_ids),
        )
    )
    return {team_id: rank for team_id, rank in rows}


def changes_since(session: Session, season_id: int, day: date) -> list[TeamChange]:
    """Each team as it is now beside how the latest post before `day` showed it; none when no
    post was made before."""
    before = _latest_post_before(session, season_id, day)
    if before is None:
        return []
    now = (
        select(
            Team.id,
            Team.name,
            Team.total_m,
            func.rank().over(order_by=Team.total_m.desc()).label("rank"),
        )
        .where(Team.season_id == season_id)
        .subquery()
    )
    rows = session.execute(
        select(
            now.c.id, now.c.name, now.c.rank, now.c.total_m, TeamSnapshot.rank, TeamSnapshot.total_m
        )
        .join(TeamSnapshot, TeamSnapshot.team_id == now.c.id)
        .where(TeamSnapshot.season_id == season_id, TeamSnapshot.day == before)
    )
    return [TeamChange(*row) for row in rows]


def _latest_post_before(session: Session, season_id: int, day: date) -> date | None:
    """The day of the latest daily post before `day` that kept a snapshot."""
    return session.scalar(
        select(func.max(TeamSnapshot.day)).where(
            TeamSnapshot.season_id == season_id, TeamSnapshot.day < day
        )
    )
