"""Opt-in reminders: who asked for which, and which went out, so that each goes once a day."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.models import DailyTotal, Participant, PlatformAccount, Reminder, ReminderSent
from storage.repository import upsert_into


@dataclass(frozen=True)
class Asked:
    """One person's reminders, with what decides when and how to send them."""

    participant_id: int
    minute: int | None
    weekly: bool
    timezone: str | None
    language: str | None


def of(session: Session, participant_id: int) -> Reminder | None:
    return session.get(Reminder, participant_id)


def ask(
    session: Session, participant_id: int, minute: int | None, weekly: bool, now: datetime
) -> None:
    values = {"minute": minute, "weekly": weekly, "set_at": now}
    statement = upsert_into(session, Reminder).values(participant_id=participant_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["participant_id"], set_=values))
    session.expire_all()


def stop(session: Session, participant_id: int) -> bool:
    """No more reminders for this person; whether there were any."""
    gone = session.execute(
        delete(Reminder)
        .where(Reminder.participant_id == participant_id)
        .returning(Reminder.participant_id)
    )
    return gone.first() is not None


def stop_account(session: Session, platform: str, external_id: str) -> None:
    """The person behind this account blocked the bot: no more tries."""
    owner = select(PlatformAccount.participant_id).where(
        PlatformAccount.platform == platform, PlatformAccount.external_id == external_id
    )
    session.execute(delete(Reminder).where(Reminder.participant_id.in_(owner)))


def everyone(session: Session) -> list[Asked]:
    """Everyone who asked for a reminder, and has not been forgotten."""
    rows = session.execute(
        select(
            Reminder.participant_id,
            Reminder.minute,
            Reminder.weekly,
            Participant.timezone,
            Participant.language,
        )
        .join(Participant, Participant.id == Reminder.participant_id)
        .where(Participant.forgotten_at.is_(None))
    )
    return [Asked(*row) for row in rows]


def active_on(session: Session, season_id: int, wanted: Iterable[tuple[int, date]]) -> set[int]:
    """Of these (participant, day) pairs, the participants who logged something that day."""
    pairs = list(wanted)
    if not pairs:
        return set()
    days = {day for _pid, day in pairs}
    rows = session.execute(
        select(DailyTotal.participant_id, DailyTotal.day)
        .where(
            DailyTotal.season_id == season_id,
            DailyTotal.participant_id.in_([pid for pid, _day in pairs]),
            DailyTotal.day.in_(days),
            DailyTotal.distance_m > 0,
        )
        .distinct()
    )
    logged = set(pairs)
    return {pid for pid, day in rows if (pid, day) in logged}


def claim(
    session: Session, wanted: Iterable[tuple[int, date, str]], now: datetime
) -> set[tuple[int, date, str]]:
    """Of these (participant, day, kind) reminders, those nobody sent yet: claimed now."""
    rows = [
        {"participant_id": pid, "day": day, "kind": kind, "claimed_at": now}
        for pid, day, kind in dict.fromkeys(wanted)
    ]
    if not rows:
        return set()
    claimed = session.execute(
        upsert_into(session, ReminderSent)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(ReminderSent.participant_id, ReminderSent.day, ReminderSent.kind)
    )
    return {(pid, day, kind) for pid, day, kind in claimed}


def week_metres(session: Session, season_id: int, first: date, last: date) -> dict[int, int]:
    """Every participant's metres from `first` to `last`."""
    rows = session.execute(
        select(DailyTotal.participant_id, func.sum(DailyTotal.distance_m))
        .where(DailyTotal.season_id == season_id, DailyTotal.day.between(first, last))
        .group_by(DailyTotal.participant_id)
    )
    return {pid: int(metres or 0) for pid, metres in rows}
