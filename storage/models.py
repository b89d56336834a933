"""SQLAlchemy 2.0 models: the tables the challenge keeps."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names so that Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC; SQLite keeps no offset, so it is restored on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware one")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Season(Base):
    __tablename__ = "season"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    donation_per_km: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    currency: Mapped[str] = mapped_column(String(3))
    donation_cap: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class Participant(Base):
    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The reply language the person chose with `language`; None follows their platform.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Shown to others as "hidden participant"; their km still count.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When their personal data was erased (`forgetme`, or the retention job).
    forgotten_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # ISO 3166 alpha-2 (`DE`), for the country ranking.
    country: Mapped[str | None] = mapped_column(String(2))

    @property
    def forgotten(self) -> bool:
        return self.forgotten_at is not None


class PlatformAccount(Base):
    """One platform identity (Slack user id, Telegram user id, console name) of a participant."""

    __tablename__ = "platform_account"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)


class Team(Base):
    """A team and its running totals per kind, kept in step with every log and removal."""

    __tablename__ = "team"
    __table_args__ = (
        UniqueConstraint("season_id", "name_key"),
        Index("ix_team_season_total", "season_id", "total_m"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    name: Mapped[str] = mapped_column(String(40))
    # Unbounded: the compatibility form of a 40-character name can be far longer.
    name_key: Mapped[str] = mapped_column(Text)
    captain_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    run_m: Mapped[int] = mapped_column(BigInteger, default=0)
    walk_m: Mapped[int] = mapped_column(BigInteger, default=0)
    cycle_m: Mapped[int] = mapped_column(BigInteger, default=0)
    total_m: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Membership(Base):
    """A participant's time in a team; `left_at` is set when they leave."""

    __tablename__ = "membership"
    __table_args__ = (
        # At most one current team per participant per season.
        Index(
            "uq_membership_current",
            "season_id",
            "participant_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        Index("ix_membership_team", "team_id", "left_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Activity(Base):
    """One logged distance; removal is a soft delete that records who, why and when."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_participant", "season_id", "participant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    kind: Mapped[str] = mapped_column(String(8))
    distance_m: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    # The platform delivery that created it: a repeated delivery cannot log twice.
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    delete_reason: Mapped[str | None] = mapped_column(String(200))


class ParticipantTotal(Base):
    """A participant's running totals in a season, across every team they were in."""

    __tablename__ = "participant_total"
    __table_args__ = (Index("ix_participant_total_rank", "season_id", "total_m"),)

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    run_m: Mapped[int] = mapped_column(BigInteger, default=0)
    walk_m: Mapped[int] = mapped_column(BigInteger, default=0)
    cycle_m: Mapped[int] = mapped_column(BigInteger, default=0)
    total_m: Mapped[int] = mapped_column(BigInteger, default=0)


class RankBucket(Base):
    """How many participants (`of_team` 0) or teams (1) of a season hold a total in one
    bucket: `bucket` is the total divided by `width_m`, one row per km and per hundred km.
    Triggers on `participant_total` and `team` keep it in step, in the same transaction as
    every change of a total (migration 0011), so that a rank adds a few buckets up instead
    of counting everyone ahead."""

    __tablename__ = "rank_bucket"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    of_team: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    width_m: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)


class CountryTotal(Base):
    """A country's participants in a season and their km; triggers on `participant_total`
    and on `participant.country` keep it in step (migration 0012)."""

    __tablename__ = "country_total"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    people: Mapped[int] = mapped_column(Integer)
    total_m: Mapped[int] = mapped_column(BigInteger)


class TeamMemberTotal(Base):
    """What one participant contributed to one team: the team's per-member breakdown."""

    __tablename__ = "team_member_total"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    total_m: Mapped[int] = mapped_column(BigInteger, default=0)


class DailyTotal(Base):
    """A participant's distance per kind per day: the plausibility limit and days active."""

    __tablename__ = "daily_total"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    distance_m: Mapped[int] = mapped_column(Integer, default=0)


class Delivery(Base):
    """A platform delivery already handled: a retry of it changes nothing."""

    __tablename__ = "delivery"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PostLedger(Base):
    """A scheduled or manual post, claimed under a unique key before it is sent."""

    __tablename__ = "post_ledger"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """An admin action: who did what, when."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Charity(Base):
    """A charity on the ballot; removal hides it without losing the record."""

    __tablename__ = "charity"
    __table_args__ = (UniqueConstraint("season_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Ballot(Base):
    """A participant's one vote, changed in place until the vote closes."""

    __tablename__ = "ballot"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    charity_id: Mapped[int] = mapped_column(ForeignKey("charity.id"))
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SeasonOutcome(Base):
    """Where the charity vote and the photo competition stand in a season."""

    __tablename__ = "season_outcome"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    vote_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    vote_closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    charity_id: Mapped[int | None] = mapped_column(ForeignKey("charity.id"))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo_entry.id"))


class PhotoEntry(Base):
    """A photo entered in the competition, stored in the media directory under its SHA-256."""

    __tablename__ = "photo_entry"
    __table_args__ = (UniqueConstraint("season_id", "participant_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ActivityFile(Base):
    """Where a log came from a file: its fingerprint and its time, never its route. Kept when
    the admins remove the log, so that the same file cannot be sent again; gone when its owner
    takes the log back, so that they may."""

    __tablename__ = "activity_file"
    __table_args__ = (
        UniqueConstraint("season_id", "sha256"),
        Index("ix_activity_file_participant", "participant_id", "started_at"),
    )

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    moving_s: Mapped[int] = mapped_column(Integer)


class PendingUpload(Base):
    """A file read but not logged yet, while its sender is asked which kind it was: one per
    person, replaced by their next file."""

    __tablename__ = "pending_upload"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    distance_m: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    moving_s: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Milestone(Base):
    """A milestone a participant reached (`first`, `km50`, `streak7`): each told once."""

    __tablename__ = "milestone"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    reached_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Pledge(Base):
    """A participant's own gift on top of the company's: a fixed amount, or so much per km of
    their own logs. One per person; a new one replaces it."""

    __tablename__ = "pledge"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    fixed: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    per_km: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    pledged_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TeamSnapshot(Base):
    """A team's rank and km as a daily post showed them: what the next post compares with."""

    __tablename__ = "team_snapshot"

    season_id: Mapped[int] = mapped_column(ForeignKey("season.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    total_m: Mapped[int] = mapped_column(BigInteger)


class Reminder(Base):
    """A participant's opt-in nudges: daily at `minute` (of their own local day) when they logged
    nothing, and with `weekly` a Monday summary."""

    __tablename__ = "reminder"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    minute: Mapped[int | None] = mapped_column(Integer)  # 19:30 is 1170; None: no daily nudge
    weekly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReminderSent(Base):
    """A nudge claimed before it is sent, so that it goes once per person and day, however many
    instances look."""

    __tablename__ = "reminder_sent"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the person's own day
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # "daily" | "weekly"
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LinkCode(Base):
    """A one-time code joining two accounts of one person: kept as its hash, for minutes."""

    __tablename__ = "link_code"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))  # where it was asked for
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
