"""One person on two platforms: one-time codes, and joining two participants into one."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage import repository as repo
from storage.models import (
    Activity,
    ActivityFile,
    AuditEntry,
    Ballot,
    DailyTotal,
    LinkCode,
    Membership,
    Milestone,
    Participant,
    ParticipantTotal,
    PendingUpload,
    PhotoEntry,
    PlatformAccount,
    Pledge,
    Reminder,
    ReminderSent,
    Team,
    TeamMemberTotal,
)

CODE_LIFETIME = timedelta(minutes=10)


def new_code(session: Session, participant_id: int, platform: str, now: datetime) -> str:
    """A fresh code for this person (their earlier ones stop working): `4821-7730`."""
    session.execute(delete(LinkCode).where(LinkCode.participant_id == participant_id))
    digits = f"{secrets.randbelow(10**8):08d}"
    code = f"{digits[:4]}-{digits[4:]}"
    session.add(
        LinkCode(
            code_hash=_hash(code),
            participant_id=participant_id,
            platform=platform,
            expires_at=now + CODE_LIFETIME,
        )
    )
    session.flush()
    return code


def code_owner(session: Session, code: str, now: datetime) -> LinkCode | None:
    """The code's row while it is valid."""
    found = session.get(LinkCode, _hash(code))
    return found if found is not None and found.expires_at > now else None


def use_code(session: Session, code: str) -> None:
    """A code works once."""
    session.execute(delete(LinkCode).where(LinkCode.code_hash == _hash(code)))


def merge(
    session: Session, season_id: int, keep: int, gone: int, team_id: int | None, now: datetime
) -> None:
    """Make participant `gone` part of `keep`: its accounts, logs, totals, votes, photos,
    pledge, milestones and reminders become keep's (keep's own win where only one may stand).
    In this season the person stays in team `team_id` (one of the two teams, when they were
    in two) and leaves the other, whose km stay with it. `gone` stays as an empty row."""
    _one_team(session, season_id, keep, gone, team_id, now)
    session.execute(update(Team).where(Team.captain_id == gone).values(captain_id=keep))
    for column in (Membership.participant_id, Activity.participant_id, ActivityFile.participant_id):
        _move(session, column, gone, keep)
    _move(session, Activity.deleted_by, gone, keep)
    _move(session, AuditEntry.actor_id, gone, keep)
    _move(session, PlatformAccount.participant_id, gone, keep)
    _add_up(session, ParticipantTotal, gone, keep, ("run_m", "walk_m", "cycle_m", "total_m"))
    _add_up(session, TeamMemberTotal, gone, keep, ("total_m",))
    _add_up(session, DailyTotal, gone, keep, ("distance_m",))
    for table in (Ballot, Pledge, Milestone, ReminderSent, PendingUpload, Reminder):
        _keep_first(session, table, gone, keep)
    _photos(session, gone, keep)
    session.execute(delete(LinkCode).where(LinkCode.participant_id == gone))
    kept, merged = session.get_one(Participant, keep), session.get_one(Participant, gone)
    kept.timezone = kept.timezone or merged.timezone
    kept.language = kept.language or merged.language
    kept.country = kept.country or merged.country
    kept.hidden = kept.hidden or merged.hidden
    merged.display_name, merged.forgotten_at = "", now
    session.flush()


def _one_team(
    session: Session, season_id: int, keep: int, gone: int, team_id: int | None, now: datetime
) -> None:
    """At most one current team for the person: the other membership ends, as with leave."""
    kept_team = repo.current_team(session, season_id, keep)
    gone_team = repo.current_team(session, season_id, gone)
    if kept_team is None or gone_team is None:
        return
    if kept_team.id != gone_team.id and team_id == gone_team.id:
        repo.remove_member(session, kept_team, keep, now)
    else:
        repo.remove_member(session, gone_team, gone, now)


def _move(session: Session, column: Any, gone: int, keep: int) -> None:
    session.execute(
        update(column.class_)
        .where(column == gone)
        .values({column.key: keep})
        .execution_options(synchronize_session=False)
    )


def _key_of(row: Any, table: Any, keep: int) -> tuple[Any, ...]:
    """The row's primary key with keep in place of its participant."""
    return tuple(
        keep if column.key == "participant_id" else getattr(row, column.key)
        for column in table.__table__.primary_key.columns
    )


def _add_up(session: Session, table: Any, gone: int, keep: int, amounts: tuple[str, ...]) -> None:
    """Running totals of both, added up under keep."""
    for row in session.scalars(select(table).where(table.participant_id == gone)).all():
        mine = session.get(table, _key_of(row, table, keep))
        if mine is None:
            session.add(
                table(
                    **{c.key: getattr(row, c.key) for c in table.__table__.columns}
                    | {"participant_id": keep}
                )
            )
        else:
            for amount in amounts:
                setattr(mine, amount, getattr(mine, amount) + getattr(row, amount))
        session.delete(row)
    session.flush()


def _keep_first(session: Session, table: Any, gone: int, keep: int) -> None:
    """Rows only one of which may stand (a vote, a pledge): keep's, else gone's become keep's."""
    for row in session.scalars(select(table).where(table.participant_id == gone)).all():
        if session.get(table, _key_of(row, table, keep)) is None:
            session.add(
                table(
                    **{c.key: getattr(row, c.key) for c in table.__table__.columns}
                    | {"participant_id": keep}
                )
            )
        session.delete(row)
    session.flush()


def _photos(session: Session, gone: int, keep: int) -> None:
    """Photo entries move, but the same image entered twice stays once."""
    kept = {
        (entry.season_id, entry.sha256)
        for entry in session.scalars(select(PhotoEntry).where(PhotoEntry.participant_id == keep))
    }
    for entry in session.scalars(select(PhotoEntry).where(PhotoEntry.participant_id == gone)):
        if (entry.season_id, entry.sha256) in kept:
            session.delete(entry)
        else:
            entry.participant_id = keep
    session.flush()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
