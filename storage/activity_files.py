"""Logs made from activity files: the same file twice, files overlapping in time, and files
waiting for their sender to say which kind they were."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Activity, ActivityFile, PendingUpload

# A file nobody said the kind of is forgotten after this long.
PENDING_FOR = timedelta(days=1)


@dataclass(frozen=True)
class FileFacts:
    """What the challenge keeps of a file: its fingerprint, distance and time."""

    sha256: str
    distance_m: int
    started_at: datetime
    ended_at: datetime
    moving_s: int


@dataclass(frozen=True)
class SeenFile:
    """A log already made from the same file."""

    activity_id: int
    participant_id: int
    removed_by_admins: bool


def seen(session: Session, season_id: int, sha256: str) -> SeenFile | None:
    """The log this file made before, if one stands or the admins removed it."""
    row = session.execute(
        select(ActivityFile.activity_id, ActivityFile.participant_id, Activity.deleted_at)
        .join(Activity, Activity.id == ActivityFile.activity_id)
        .where(ActivityFile.season_id == season_id, ActivityFile.sha256 == sha256)
    ).first()
    if row is None:
        return None
    activity_id, participant_id, deleted_at = row
    return SeenFile(activity_id, participant_id, deleted_at is not None)


def overlapping(
    session: Session, season_id: int, participant_id: int, started_at: datetime, ended_at: datetime
) -> int | None:
    """The id of a standing log of this person, made from a file, whose time overlaps."""
    return session.scalar(
        select(ActivityFile.activity_id)
        .join(Activity, Activity.id == ActivityFile.activity_id)
        .where(
            ActivityFile.season_id == season_id,
            ActivityFile.participant_id == participant_id,
            ActivityFile.started_at < ended_at,
            ActivityFile.ended_at > started_at,
            Activity.deleted_at.is_(None),
        )
        .order_by(ActivityFile.activity_id)
        .limit(1)
    )


def record(
    session: Session, season_id: int, participant_id: int, activity_id: int, facts: FileFacts
) -> None:
    session.add(
        ActivityFile(
            activity_id=activity_id,
            season_id=season_id,
            participant_id=participant_id,
            sha256=facts.sha256,
            started_at=facts.started_at,
            ended_at=facts.ended_at,
            moving_s=facts.moving_s,
        )
    )
    session.flush()


def taken_back(session: Session, activity_id: int) -> None:
    """Its owner removed the log: the file may be sent again."""
    session.execute(delete(ActivityFile).where(ActivityFile.activity_id == activity_id))


def hold(
    session: Session, season_id: int, participant_id: int, facts: FileFacts, now: datetime
) -> None:
    """Keep a file until its sender says its kind; it replaces any file held before."""
    session.execute(delete(PendingUpload).where(PendingUpload.participant_id == participant_id))
    session.add(
        PendingUpload(
            participant_id=participant_id,
            season_id=season_id,
            sha256=facts.sha256,
            distance_m=facts.distance_m,
            started_at=facts.started_at,
            ended_at=facts.ended_at,
            moving_s=facts.moving_s,
            received_at=now,
        )
    )
    session.flush()


def drop_held(session: Session, participant_id: int, sha256: str) -> None:
    """The file this person was asked about is logged another way (sent again with its kind)."""
    session.execute(
        delete(PendingUpload).where(
            PendingUpload.participant_id == participant_id, PendingUpload.sha256 == sha256
        )
    )


def take_held(
    session: Session, season_id: int, participant_id: int, now: datetime
) -> FileFacts | None:
    """The file this person sent last and did not say the kind of, if it is recent; it is
    no longer held."""
    held = session.scalar(
        delete(PendingUpload)
        .where(PendingUpload.participant_id == participant_id)
        .returning(PendingUpload)
    )
    if held is None or held.season_id != season_id or now - held.received_at > PENDING_FOR:
        return None
    return FileFacts(held.sha256, held.distance_m, held.started_at, held.ended_at, held.moving_s)
