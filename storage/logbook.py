"""Activities written many at a time: logs arriving together share one transaction, one
commit and, on PostgreSQL, one round trip per kind of statement.

The running totals move here, and only here, whenever an activity is stored or removed. The
statements run on the session's own driver connection, inside its transaction: they are the
hot path, and building and running them through SQLAlchemy costs more than the SQL itself.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Activity, DailyTotal

KIND_COLUMNS = ("run_m", "walk_m", "cycle_m")

Account = tuple[str, str]  # (platform, external id)
DayKey = tuple[int, date, str]  # (participant id, day, kind)


@dataclass(frozen=True)
class Caller:
    """Who is logging, as stored: their participant row and current team."""

    participant_id: int
    display_name: str
    timezone: str | None
    team_id: int | None
    team_name: str | None


@dataclass(frozen=True)
class Move:
    """One activity's distance going into (positive) or out of (negative) the totals."""

    participant_id: int
    team_id: int
    kind: str
    day: date
    delta_m: int


@dataclass(frozen=True)
class NewActivity:
    participant_id: int
    team_id: int
    kind: str
    distance_m: int
    day: date
    source_key: str | None


@dataclass(frozen=True)
class Recorded:
    """A stored activity, the totals right after it, and the ranks that go with them among
    the others as they stand once the whole batch is in."""

    activity_id: int
    personal_total_m: int
    team_total_m: int
    person_rank: int
    team_rank: int
    team_count: int  # what the team rank is out of


def upsert_into(session: Session, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT on both SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


# -- the SQL (the same text on SQLite and PostgreSQL, `:name` parameters) ------------------------

CALLER = """
SELECT p.id, p.display_name, p.timezone, t.id, t.name
FROM platform_account a
JOIN participant p ON p.id = a.participant_id
LEFT JOIN membership m
  ON m.participant_id = p.id AND m.season_id = :season_id AND m.left_at IS NULL
LEFT JOIN team t ON t.id = m.team_id
WHERE a.platform = :platform AND a.external_id = :external_id
"""
CLAIM = """
INSERT INTO delivery (key, handled_at) VALUES (:key, :handled_at)
ON CONFLICT (key) DO NOTHING RETURNING key
"""
DAY_DISTANCE = """
SELECT distance_m FROM daily_total
WHERE season_id = :season_id AND participant_id = :participant_id AND day = :day AND kind = :kind
"""
INSERT_ACTIVITY = """
INSERT INTO activity (season_id, participant_id, team_id, kind, distance_m, day, source_key,
                      created_at)
VALUES (:season_id, :participant_id, :team_id, :kind, :distance_m, :day, :source_key, :created_at)
RETURNING id
"""
ADD_DAILY = """
INSERT INTO daily_total (season_id, participant_id, day, kind, distance_m)
VALUES (:season_id, :participant_id, :day, :kind, :distance_m)
ON CONFLICT (season_id, participant_id, day, kind)
DO UPDATE SET distance_m = daily_total.distance_m + excluded.distance_m
"""
ADD_PERSONAL = """
INSERT INTO participant_total (season_id, participant_id, run_m, walk_m, cycle_m, total_m)
VALUES (:season_id, :participant_id, :run_m, :walk_m, :cycle_m, :total_m)
ON CONFLICT (season_id, participant_id) DO UPDATE SET
  run_m = participant_total.run_m + excluded.run_m,
  walk_m = participant_total.walk_m + excluded.walk_m,
  cycle_m = participant_total.cycle_m + excluded.cycle_m,
  total_m = participant_total.total_m + excluded.total_m
RETURNING total_m
"""
ADD_CONTRIBUTED = """
INSERT INTO team_member_total (team_id, participant_id, total_m)
VALUES (:team_id, :participant_id, :total_m)
ON CONFLICT (team_id, participant_id)
DO UPDATE SET total_m = team_member_total.total_m + excluded.total_m
"""
ADD_TEAM = """
UPDATE team SET run_m = run_m + :run_m, walk_m = walk_m + :walk_m,
  cycle_m = cycle_m + :cycle_m, total_m = total_m + :total_m
WHERE id = :team_id
RETURNING total_m
"""
PEOPLE_AHEAD = """
SELECT count(*) FROM participant_total WHERE season_id = :season_id AND total_m > :total_m
"""
TEAMS_AHEAD = "SELECT count(*) FROM team WHERE season_id = :season_id AND total_m > :total_m"
TEAM_COUNT = "SELECT count(*) FROM team WHERE season_id = :season_id"


class _Driver:
    """The SQL above on the session's driver connection: one statement per row, prepared once
    (SQLite's statement cache, psycopg's prepared statements) and, on PostgreSQL, pipelined."""

    def __init__(self, dialect: Dialect) -> None:
        self.postgresql = dialect.name == "postgresql"
        # The columns' own conversions, so that values are stored as SQLAlchemy stores them.
        self.day = _converter(DailyTotal.__table__.c.day.type, dialect)
        self.moment = _converter(Activity.__table__.c.created_at.type, dialect)

    def sql(self, text: str) -> str:
        return _PARAMETER.sub(r"%(\1)s", text) if self.postgresql else text

    def each(self, session: Session, text: str, rows: list[dict[str, Any]]) -> list[list[Any]]:
        """Run `text` once per row; each run's result rows."""
        if not rows:
            return []
        cursor = _cursor(session)
        if not self.postgresql:
            return [cursor.execute(text, row).fetchall() for row in rows]
        cursor.executemany(self.sql(text), rows, returning=True)
        results = [cursor.fetchall()]
        while cursor.nextset():
            results.append(cursor.fetchall())
        return results

    def many(self, session: Session, text: str, rows: list[dict[str, Any]]) -> None:
        """Run `text` once per row, for its effect only."""
        if rows:
            _cursor(session).executemany(self.sql(text), rows)


_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")
_DRIVERS: dict[str, _Driver] = {}


def _cursor(session: Session) -> Any:
    """A cursor on the driver connection of the session's transaction."""
    return session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]


def _converter(column_type: Any, dialect: Dialect) -> Any:
    convert = column_type.dialect_impl(dialect).bind_processor(dialect)
    return convert or (lambda value: value)


def _driver(session: Session) -> _Driver:
    dialect = session.get_bind().dialect
    if dialect.name not in _DRIVERS:
        _DRIVERS[dialect.name] = _Driver(dialect)
    return _DRIVERS[dialect.name]


# -- reading what a batch needs ----------------------------------------------------------------


def callers(session: Session, season_id: int, accounts: Iterable[Account]) -> dict[Account, Caller]:
    """The stored participant and current team of each account that has one. On PostgreSQL
    the participants' rows are locked (in one order, so that batches never deadlock),
    serialising each person's logs, undos and removals."""
    driver = _driver(session)
    wanted = sorted(set(accounts))
    text = CALLER + " FOR UPDATE OF p" if driver.postgresql else CALLER
    rows = [
        {"season_id": season_id, "platform": platform, "external_id": external_id}
        for platform, external_id in wanted
    ]
    return {
        account: Caller(*result[0])
        for account, result in zip(wanted, driver.each(session, text, rows), strict=True)
        if result
    }


def claim_deliveries(session: Session, keys: Sequence[str], now: datetime) -> set[str]:
    """Record platform deliveries; the keys that were not handled before."""
    driver = _driver(session)
    handled_at = driver.moment(now)
    rows = [{"key": key, "handled_at": handled_at} for key in dict.fromkeys(keys)]
    return {result[0][0] for result in driver.each(session, CLAIM, rows) if result}


def day_distances(session: Session, season_id: int, keys: Iterable[DayKey]) -> dict[DayKey, int]:
    """What each (participant, day, kind) already has; absent keys have nothing."""
    driver = _driver(session)
    wanted = list(dict.fromkeys(keys))
    rows = [
        {"season_id": season_id, "participant_id": pid, "day": driver.day(day), "kind": kind}
        for pid, day, kind in wanted
    ]
    return {
        key: int(result[0][0])
        for key, result in zip(wanted, driver.each(session, DAY_DISTANCE, rows), strict=True)
        if result
    }


# -- writing -------------------------------------------------------------------------------------


def record_activities(
    session: Session, season_id: int, new: Sequence[NewActivity], now: datetime
) -> list[Recorded]:
    """Store activities in order and move every running total by their distances."""
    if not new:
        return []
    driver = _driver(session)
    created_at = driver.moment(now)
    inserted = driver.each(
        session,
        INSERT_ACTIVITY,
        [
            {
                "season_id": season_id,
                "participant_id": item.participant_id,
                "team_id": item.team_id,
                "kind": item.kind,
                "distance_m": item.distance_m,
                "day": driver.day(item.day),
                "source_key": item.source_key,
                "created_at": created_at,
            }
            for item in new
        ],
    )
    ids = [result[0][0] for result in inserted]
    moves = [
        Move(item.participant_id, item.team_id, item.kind, item.day, item.distance_m)
        for item in new
    ]
    personal, teams = move_totals(session, season_id, moves)
    # Each activity's totals are the final ones less what later activities of the batch added.
    finals = (dict(personal), dict(teams))
    after_each = []
    for item in reversed(new):
        after_each.append((personal[item.participant_id], teams[item.team_id]))
        personal[item.participant_id] -= item.distance_m
        teams[item.team_id] -= item.distance_m
    after_each.reverse()
    ranks = season_ranks(session, season_id, *zip(*after_each, strict=True))
    recorded = []
    for activity_id, item, (mine, team) in zip(ids, new, after_each, strict=True):
        # A total that a later log of the batch raised still counts its own final row as ahead.
        own_person_ahead = finals[0][item.participant_id] > mine
        own_team_ahead = finals[1][item.team_id] > team
        recorded.append(
            Recorded(
                activity_id,
                mine,
                team,
                ranks.of_person[mine] - own_person_ahead,
                ranks.of_team[team] - own_team_ahead,
                ranks.team_count,
            )
        )
    return recorded


def move_totals(
    session: Session, season_id: int, moves: Sequence[Move]
) -> tuple[dict[int, int], dict[int, int]]:
    """Move the daily, personal, per-member and team totals; one statement per table for all
    the moves. Returns the new season totals of the participants and teams moved."""
    daily: dict[DayKey, int] = defaultdict(int)
    personal: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_COLUMNS, 0))
    team_kinds: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_COLUMNS, 0))
    contributed: dict[tuple[int, int], int] = defaultdict(int)
    for move in moves:
        column = f"{move.kind}_m"
        daily[(move.participant_id, move.day, move.kind)] += move.delta_m
        personal[move.participant_id][column] += move.delta_m
        team_kinds[move.team_id][column] += move.delta_m
        contributed[(move.team_id, move.participant_id)] += move.delta_m

    driver = _driver(session)
    # Rows are changed in key order, so that batches written at once never deadlock.
    driver.many(
        session,
        ADD_DAILY,
        [
            {"season_id": season_id, "participant_id": pid, "day": driver.day(day), "kind": kind}
            | {"distance_m": delta}
            for (pid, day, kind), delta in sorted(daily.items())
        ],
    )
    people = sorted(personal.items())
    new_personal = driver.each(
        session,
        ADD_PERSONAL,
        [
            {"season_id": season_id, "participant_id": pid, **kinds}
            | {"total_m": sum(kinds.values())}
            for pid, kinds in people
        ],
    )
    driver.many(
        session,
        ADD_CONTRIBUTED,
        [
            {"team_id": team_id, "participant_id": pid, "total_m": delta}
            for (team_id, pid), delta in sorted(contributed.items())
        ],
    )
    teams = sorted(team_kinds.items())
    new_teams = driver.each(
        session,
        ADD_TEAM,
        [
            {"team_id": team_id, **kinds} | {"total_m": sum(kinds.values())}
            for team_id, kinds in teams
        ],
    )
    # The ORM's copies of these rows (a Team a handler holds) are stale now.
    session.expire_all()
    return (
        {pid: int(result[0][0]) for (pid, _), result in zip(people, new_personal, strict=True)},
        {team: int(result[0][0]) for (team, _), result in zip(teams, new_teams, strict=True)},
    )


# -- ranks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranks:
    """Ranks that go with season totals, and how many teams there are."""

    of_person: dict[int, int]  # a participant's total -> its rank among participants
    of_team: dict[int, int]  # a team's total -> its rank among teams
    team_count: int


def season_ranks(
    session: Session, season_id: int, person_totals: Iterable[int], team_totals: Iterable[int]
) -> Ranks:
    """Each rank is how many have more, plus one."""
    driver = _driver(session)
    people, teams = sorted(set(person_totals)), sorted(set(team_totals))

    def ahead(text: str, totals: list[int]) -> dict[int, int]:
        rows = [{"season_id": season_id, "total_m": total} for total in totals]
        results = driver.each(session, text, rows)
        return {total: int(result[0][0]) + 1 for total, result in zip(totals, results, strict=True)}

    (count,) = driver.each(session, TEAM_COUNT, [{"season_id": season_id}])[0][0]
    return Ranks(ahead(PEOPLE_AHEAD, people), ahead(TEAMS_AHEAD, teams), int(count))
