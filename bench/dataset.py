"""The data set "ten times 2021", bulk-loaded: people with Slack accounts, teams, a season of
activities, then the running totals rebuilt from the activities by the product's own code."""

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from bot.config import Config
from bot.demo import FIRST_NAMES, KINDS, SURNAMES, TEAM_WORDS
from bot.domain.names import name_key
from bot.startup import open_challenge
from storage import repository as repo
from storage.database import make_sessions, transaction
from storage.models import (
    Activity,
    Membership,
    Participant,
    ParticipantTotal,
    PlatformAccount,
    Reminder,
    Team,
)

CHUNK = 20_000
# Where the participants are: nine in ten have set a country, dealt round these.
COUNTRIES = (
    "DE",
    "GB",
    "FR",
    "ES",
    "IT",
    "NL",
    "PL",
    "BE",
    "AT",
    "CH",
    "SE",
    "DK",
    "FI",
    "NO",
    "IE",
    "PT",
    "CZ",
    "HU",
    "RO",
    "GR",
)
# One in ten asked for a nudge at 19:30 (their reminders' worst case: all in one minute), and
# logged nothing on the season's last day, so that the nudges are due then.
REMINDER_EVERY = 10
REMINDER_MINUTE = 19 * 60 + 30
FULL_PARTICIPANTS = 10_000
FULL_TEAMS = 1_500
FULL_ACTIVITIES = 620_000


@dataclass(frozen=True)
class DataSize:
    participants: int
    teams: int
    activities: int

    @classmethod
    def scaled(cls, scale: float) -> "DataSize":
        """The full data set times `scale`; the season keeps its 62 days."""
        return cls(
            max(8, round(FULL_PARTICIPANTS * scale)),
            max(2, round(FULL_TEAMS * scale)),
            max(8, round(FULL_ACTIVITIES * scale)),
        )

    @property
    def largest_team(self) -> int:
        return -(-self.participants // self.teams)

    def describe(self) -> str:
        return (
            f"{self.participants:,} participants, {self.teams:,} teams, "
            f"{self.activities:,} activities"
        )


@dataclass(frozen=True)
class Person:
    slack_id: str
    display_name: str


@dataclass(frozen=True)
class LoadTimes:
    """Seconds spent on each step of the load; `vacuum_s` is not part of the load."""

    schema_s: float
    rows_s: float
    totals_s: float
    vacuum_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.schema_s + self.rows_s + self.totals_s


def slack_id(index: int) -> str:
    """The Slack user id of participant `index` (0-based): U00000001, U00000002, ..."""
    return f"U{index + 1:08d}"


def people(size: DataSize) -> list[Person]:
    return [
        Person(
            slack_id(i),
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {SURNAMES[(i // 30) % len(SURNAMES)]} {i + 1}",
        )
        for i in range(size.participants)
    ]


def country_of(index: int) -> str | None:
    return None if index % 10 == 9 else COUNTRIES[index % len(COUNTRIES)]


def reminded(index: int) -> bool:
    """Whether participant `index` asked for a daily nudge."""
    return index % REMINDER_EVERY == 0


def reminders(size: DataSize) -> int:
    return sum(1 for i in range(size.participants) if reminded(i))


def team_name(index: int) -> str:
    first, second = TEAM_WORDS
    return f"{first[index % len(first)]} {second[(index // len(first)) % len(second)]} {index + 1}"


def load(config: Config, size: DataSize, seed: int = 2021) -> LoadTimes:
    """An empty database migrated, filled with `size` and its running totals."""
    started = time.perf_counter()
    dispatcher, engine = open_challenge(config)
    schema_done = time.perf_counter()
    try:
        with transaction(make_sessions(engine)) as session:
            _insert_rows(session, config, dispatcher.season_id, size, random.Random(seed))
            if engine.dialect.name == "postgresql":
                _advance_sequences(session)
        rows_done = time.perf_counter()
        with transaction(make_sessions(engine)) as session:
            if engine.dialect.name == "postgresql":
                # Nor is rebuilding 620,000 activities' totals, which may take longer.
                session.execute(text("SET LOCAL statement_timeout = 0"))
            repo.rebuild_totals(session, dispatcher.season_id)
        totals_done = time.perf_counter()
        if engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load (visibility map, statistics);
            # SQLite keeps no statistics unless asked, and the bot never asks.
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
        vacuum_done = time.perf_counter()
    finally:
        engine.dispose()
    return LoadTimes(
        schema_done - started,
        rows_done - schema_done,
        totals_done - rows_done,
        vacuum_done - totals_done,
    )


def _insert_rows(
    session: Session, config: Config, season_id: int, size: DataSize, rng: random.Random
) -> None:
    season = config.season
    joined = datetime.combine(season.start, clock_time(9), tzinfo=season.timezone)
    everyone = people(size)
    team_of = [i % size.teams for i in range(size.participants)]
    members = [0] * size.teams
    for team in team_of:
        members[team] += 1
    _bulk(
        session,
        Participant,
        (
            {
                "id": i + 1,
                "display_name": person.display_name,
                "timezone": None,
                "country": country_of(i),
                "created_at": joined,
            }
            for i, person in enumerate(everyone)
        ),
    )
    _bulk(
        session,
        Reminder,
        (
            {"participant_id": i + 1, "minute": REMINDER_MINUTE, "weekly": False, "set_at": joined}
            for i in range(size.participants)
            if reminded(i)
        ),
    )
    _bulk(
        session,
        PlatformAccount,
        (
            {"platform": "slack", "external_id": person.slack_id, "participant_id": i + 1}
            for i, person in enumerate(everyone)
        ),
    )
    _bulk(
        session,
        Team,
        (
            {
                "id": t + 1,
                "season_id": season_id,
                "name": team_name(t),
                "name_key": name_key(team_name(t)),
                # Participants are dealt round the teams, so team t's first member is t.
                "captain_id": t + 1,
                "member_count": members[t],
                "run_m": 0,
                "walk_m": 0,
                "cycle_m": 0,
                "total_m": 0,
                "created_at": joined,
            }
            for t in range(size.teams)
        ),
    )
    _bulk(
        session,
        Membership,
        (
            {
                "season_id": season_id,
                "team_id": team_of[i] + 1,
                "participant_id": i + 1,
                "joined_at": joined,
                "left_at": None,
            }
            for i in range(size.participants)
        ),
    )
    _bulk(
        session,
        ParticipantTotal,
        (
            {
                "season_id": season_id,
                "participant_id": i + 1,
                "run_m": 0,
                "walk_m": 0,
                "cycle_m": 0,
                "total_m": 0,
            }
            for i in range(size.participants)
        ),
    )
    _bulk(session, Activity, _activities(season_id, season.start, season.end, size, team_of, rng))


def _activities(
    season_id: int,
    start: date,
    end: date,
    size: DataSize,
    team_of: list[int],
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    """Dealt round the participants, then round the days: at full size one a day each, so a
    participant's day holds at most one logged run (15 km) below the 100 km limit."""
    days = (end - start).days + 1
    kinds = list(KINDS)
    weights = [share for share, _, _ in KINDS.values()]
    logged_at = [
        datetime.combine(start + timedelta(days=d), clock_time(19), tzinfo=UTC) for d in range(days)
    ]
    for i in range(size.activities):
        person = i % size.participants
        day = (i // size.participants) % days
        if day == days - 1 and reminded(person):
            day -= 1  # their nudge is due on the last day
        kind = rng.choices(kinds, weights)[0]
        _, shortest, longest = KINDS[kind]
        yield {
            "season_id": season_id,
            "participant_id": person + 1,
            "team_id": team_of[person] + 1,
            "kind": kind.value,
            "distance_m": rng.randint(shortest * 1000, longest * 1000),
            "day": start + timedelta(days=day),
            "source_key": None,
            "created_at": logged_at[day],
            "deleted_at": None,
            "deleted_by": None,
            "delete_reason": None,
        }


def _bulk(session: Session, model: Any, rows: Iterator[dict[str, Any]]) -> None:
    """PostgreSQL: COPY. SQLite: Core INSERT executemany, in chunks to bound memory."""
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table.name, rows)
        return
    statement = insert(table)
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            session.execute(statement, chunk)
            chunk = []
    if chunk:
        session.execute(statement, chunk)


def _copy(session: Session, table: str, rows: Iterator[dict[str, Any]]) -> None:
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    # A bulk load is no request: the bot's per-statement limit does not apply to it.
    session.execute(text("SET LOCAL statement_timeout = 0"))
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write_row(list(first.values()))
        for row in rows:
            copy.write_row(list(row.values()))


def _advance_sequences(session: Session) -> None:
    """Ids were given explicitly: move PostgreSQL's sequences past them."""
    for table in ("participant", "team"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )
