"""The charity ballot, the votes cast, and the season's outcome."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Ballot, Charity, SeasonOutcome
from storage.repository import for_update, upsert_into


def outcome(session: Session, season_id: int) -> SeasonOutcome:
    """Where the season's vote and photo competition stand, for reading: never writes, so a
    read-only transaction may ask. Before anything was decided, an empty outcome that is not
    stored; a command that changes the outcome asks for `locked_outcome` instead."""
    found = session.get(SeasonOutcome, season_id)
    return found if found is not None else SeasonOutcome(season_id=season_id)


def locked_outcome(session: Session, season_id: int) -> SeasonOutcome:
    """The season's outcome row, created empty on first use, locked until the transaction
    ends: for the commands that change it, or that need it not to change meanwhile."""
    session.execute(
        upsert_into(session, SeasonOutcome).values(season_id=season_id).on_conflict_do_nothing()
    )
    statement = select(SeasonOutcome).where(SeasonOutcome.season_id == season_id)
    return session.scalars(for_update(statement)).one()


def charities(session: Session, season_id: int) -> list[Charity]:
    """The ballot, in the order the charities were added."""
    return list(
        session.scalars(
            select(Charity)
            .where(Charity.season_id == season_id, Charity.removed_at.is_(None))
            .order_by(Charity.id)
        )
    )


def charity_by_key(session: Session, season_id: int, key: str) -> Charity | None:
    return session.scalar(
        select(Charity).where(Charity.season_id == season_id, Charity.name_key == key)
    )


def add_charity(session: Session, season_id: int, name: str, key: str, now: datetime) -> Charity:
    existing = charity_by_key(session, season_id, key)
    if existing is not None:  # removed earlier: back on the ballot
        existing.removed_at = None
        existing.name = name
        return existing
    charity = Charity(season_id=season_id, name=name, name_key=key, added_at=now)
    session.add(charity)
    session.flush()
    return charity


def ballot_of(session: Session, season_id: int, participant_id: int) -> Ballot | None:
    return session.get(Ballot, (season_id, participant_id))


def cast(session: Session, season_id: int, participant_id: int, charity_id: int, now: datetime):
    """Record or change a participant's vote."""
    statement = upsert_into(session, Ballot).values(
        season_id=season_id, participant_id=participant_id, charity_id=charity_id, cast_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["season_id", "participant_id"],
            set_={"charity_id": charity_id, "cast_at": now},
        )
    )


@dataclass(frozen=True)
class Count:
    charity: Charity
    votes: int


def counts(session: Session, season_id: int) -> list[Count]:
    """Votes per charity on the ballot, most first (charities without votes included)."""
    tally = dict(
        session.execute(
            select(Ballot.charity_id, func.count())
            .where(Ballot.season_id == season_id)
            .group_by(Ballot.charity_id)
        ).all()
    )
    rows = [
        Count(charity, int(tally.get(charity.id, 0))) for charity in charities(session, season_id)
    ]
    return sorted(rows, key=lambda row: -row.votes)


def charity_name(session: Session, charity_id: int | None) -> str | None:
    if charity_id is None:
        return None
    return session.scalar(select(Charity.name).where(Charity.id == charity_id))
