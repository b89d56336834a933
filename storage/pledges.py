"""Employees' own pledges on top of the company's gift."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain.money import pledged
from storage.models import Participant, ParticipantTotal, Pledge
from storage.repository import upsert_into


@dataclass(frozen=True)
class PledgeRow:
    """A pledge, who made it, their season km and what it comes to."""

    pledge: Pledge
    person: Participant
    own_m: int

    @property
    def amount(self) -> Decimal:
        return pledged(self.pledge.fixed, self.pledge.per_km, self.own_m)


def pledge(
    session: Session,
    season_id: int,
    participant_id: int,
    fixed: Decimal | None,
    per_km: Decimal | None,
    now: datetime,
) -> None:
    """Record a pledge, replacing the person's earlier one."""
    values = {"fixed": fixed, "per_km": per_km, "pledged_at": now}
    statement = upsert_into(session, Pledge).values(
        season_id=season_id, participant_id=participant_id, **values
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=["season_id", "participant_id"], set_=values)
    )
    session.expire_all()


def withdraw(session: Session, season_id: int, participant_id: int) -> bool:
    """Take back the person's pledge; whether there was one."""
    gone = session.execute(
        delete(Pledge)
        .where(Pledge.season_id == season_id, Pledge.participant_id == participant_id)
        .returning(Pledge.participant_id)
    )
    return gone.first() is not None


def rows(session: Session, season_id: int, participant_id: int | None = None) -> list[PledgeRow]:
    """Every pledge of the season (or one person's), biggest first."""
    statement = (
        select(Pledge, Participant, ParticipantTotal.total_m)
        .join(Participant, Participant.id == Pledge.participant_id)
        .outerjoin(
            ParticipantTotal,
            (ParticipantTotal.season_id == Pledge.season_id)
            & (ParticipantTotal.participant_id == Pledge.participant_id),
        )
        .where(Pledge.season_id == season_id)
    )
    if participant_id is not None:
        statement = statement.where(Pledge.participant_id == participant_id)
    found = [PledgeRow(p, person, total or 0) for p, person, total in session.execute(statement)]
    return sorted(found, key=lambda row: (-row.amount, row.person.id))


def total(session: Session, season_id: int) -> Decimal:
    """What every pledge of the season comes to."""
    return sum((row.amount for row in rows(session, season_id)), Decimal(0))
