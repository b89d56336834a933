"""Activities written many at a time: logs arriving together share one transaction, one
commit and, on PostgreSQL, one round trip per kind of statement.

The running totals move here, and only here, whenever an activity is stored or removed. The
statements run through `storage.sqldriver`, on the session's own driver connection inside
its transaction: they are the hot path, and building and running them through SQLAlchemy
costs more than the SQL itself.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from storage.models import Activity, DailyTotal
from storage.sqldriver import Cursor, Statement, driver_of

KIND_COLUMNS = ("run_m", "walk_m", "cycle_m")

Account = tuple[str, str]  # (platform, external id)
DayKey = tuple[int, date, str]  # (participant id, day, kind)


@dataclass(frozen=True)
class Caller:
    """Who is logging, as stored: their participant row and current team."""

    participant_id: int
    display_name: str
    timezone: str | None
    language: str | None
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
    source_key: str


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


# -- the SQL: one text for SQLite and PostgreSQL, `:name` parameters, `{rows}` for the rows,
# whose columns each statement names, in order, with their PostgreSQL types --

# The rows that look accounts up: `n` numbers them.
ACCOUNT_ROWS = {"n": "int", "platform": "text", "external_id": "text"}

# SQLite, where a batch holds the one write lock and rows need no locking of their own.
CALLERS = Statement(
    """
WITH wanted(n, platform, external_id) AS ({rows})
SELECT wanted.n, p.id, p.display_name, p.timezone, p.language, t.id, t.name
FROM wanted
JOIN platform_account a ON a.platform = wanted.platform AND a.external_id = wanted.external_id
JOIN participant p ON p.id = a.participant_id
LEFT JOIN membership m
  ON m.participant_id = p.id AND m.season_id = :season_id AND m.left_at IS NULL
LEFT JOIN team t ON t.id = m.team_id
""",
    **ACCOUNT_ROWS,
)
# PostgreSQL: each caller's participant row locked, in the order of the wanted rows (sorted
# by account, so that batches never deadlock), each found through the unique indexes: the
# planner would rather scan and hash every account and participant for a join.
CALLERS_LOCKED = Statement(
    """
WITH wanted(n, platform, external_id) AS ({rows})
SELECT wanted.n, p.id, p.display_name, p.timezone, p.language, t.id, t.name
FROM wanted
CROSS JOIN LATERAL (
  SELECT * FROM participant
  WHERE participant.id = (
    SELECT a.participant_id FROM platform_account a
    WHERE a.platform = wanted.platform AND a.external_id = wanted.external_id)
  FOR UPDATE) p
LEFT JOIN membership m
  ON m.participant_id = p.id AND m.season_id = :season_id AND m.left_at IS NULL
LEFT JOIN team t ON t.id = m.team_id
""",
    **ACCOUNT_ROWS,
)
CLAIM = Statement(
    """
INSERT INTO delivery (key, handled_at) {rows}
ON CONFLICT (key) DO NOTHING RETURNING key
""",
    key="text",
    handled_at="timestamptz",
)
# The account is looked up once per wanted row (its unique index), never by scanning and
# hashing every account, which PostgreSQL's planner otherwise prefers.
RECENT_DAILY = Statement(
    """
WITH wanted(n, platform, external_id) AS ({rows})
SELECT d.participant_id, d.day, d.kind, d.distance_m
FROM wanted
JOIN daily_total d ON d.participant_id = (
  SELECT a.participant_id FROM platform_account a
  WHERE a.platform = wanted.platform AND a.external_id = wanted.external_id)
WHERE d.season_id = :season_id AND d.day >= :since
""",
    **ACCOUNT_ROWS,
)
INSERT_ACTIVITIES = Statement(
    """
INSERT INTO activity (season_id, participant_id, team_id, kind, distance_m, day, source_key,
                      created_at) {rows}
RETURNING id, source_key
""",
    season_id="int",
    participant_id="int",
    team_id="int",
    kind="text",
    distance_m="int",
    day="date",
    source_key="text",
    created_at="timestamptz",
)
ADD_DAILY = Statement(
    """
INSERT INTO daily_total (season_id, participant_id, day, kind, distance_m) {rows}
ON CONFLICT (season_id, participant_id, day, kind)
DO UPDATE SET distance_m = daily_total.distance_m + excluded.distance_m
""",
    season_id="int",
    participant_id="int",
    day="date",
    kind="text",
    distance_m="int",
)
ADD_PERSONAL = Statement(
    """
INSERT INTO participant_total (season_id, participant_id, run_m, walk_m, cycle_m, total_m) {rows}
ON CONFLICT (season_id, participant_id) DO UPDATE SET
  run_m = participant_total.run_m + excluded.run_m,
  walk_m = participant_total.walk_m + excluded.walk_m,
  cycle_m = participant_total.cycle_m + excluded.cycle_m,
  total_m = participant_total.total_m + excluded.total_m
RETURNING participant_id, total_m
""",
    season_id="int",
    participant_id="int",
    run_m="bigint",
    walk_m="bigint",
    cycle_m="bigint",
    total_m="bigint",
)
ADD_CONTRIBUTED = Statement(
    """
INSERT INTO team_member_total (team_id, participant_id, total_m) {rows}
ON CONFLICT (team_id, participant_id)
DO UPDATE SET total_m = team_member_total.total_m + excluded.total_m
""",
    team_id="int",
    participant_id="int",
    total_m="bigint",
)
ADD_TEAMS = Statement(
    """
WITH moves(team_id, run_m, walk_m, cycle_m, total_m) AS ({rows})
UPDATE team SET run_m = team.run_m + moves.run_m, walk_m = team.walk_m + moves.walk_m,
  cycle_m = team.cycle_m + moves.cycle_m, total_m = team.total_m + moves.total_m
FROM moves WHERE team.id = moves.team_id
RETURNING team.id, team.total_m
""",
    team_id="int",
    run_m="bigint",
    walk_m="bigint",
    cycle_m="bigint",
    total_m="bigint",
)
# Ranks from the rank buckets (migration 0011): whoever is ahead of a total is counted row by
# row only within its own km; the rest of its hundred km, and every hundred km above it, are
# added up from the buckets. A total below zero asks for everyone: the counts.
FINE_M, COARSE_M = 1_000, 100_000
_BUCKETS = """(SELECT coalesce(sum(b.members), 0) FROM rank_bucket b
    WHERE b.season_id = :season_id AND b.of_team = wanted.of_team AND b.width_m = {width}
      AND {where})"""
_COUNTED_IN_ITS_KM = """(SELECT count(*) FROM {table} r
      WHERE r.season_id = :season_id AND r.total_m > wanted.total_m
        AND r.total_m < (wanted.total_m / {fine} + 1) * {fine})"""
RANKS_AHEAD = Statement(
    f"""
WITH wanted(of_team, total_m) AS ({{rows}})
SELECT wanted.of_team, wanted.total_m,
  CASE WHEN wanted.total_m < 0 THEN {_BUCKETS.format(width=COARSE_M, where="TRUE")}
  ELSE CASE WHEN wanted.of_team = 1
      THEN {_COUNTED_IN_ITS_KM.format(table="team", fine=FINE_M)}
      ELSE {_COUNTED_IN_ITS_KM.format(table="participant_total", fine=FINE_M)} END
    + {
        _BUCKETS.format(
            width=FINE_M,
            where=f"b.bucket > wanted.total_m / {FINE_M}"
            f" AND b.bucket < (wanted.total_m / {COARSE_M} + 1) * {COARSE_M // FINE_M}",
        )
    }
    + {_BUCKETS.format(width=COARSE_M, where=f"b.bucket > wanted.total_m / {COARSE_M}")}
  END
FROM wanted
""",
    of_team="int",
    total_m="bigint",
)
# Below every total (none is negative): "ahead of" it is everyone, so it gives the counts.
FLOOR_M = -1
# The columns' types, so that values are stored and read as SQLAlchemy stores and reads them.
DAY = DailyTotal.__table__.c.day.type
MOMENT = Activity.__table__.c.created_at.type


# -- reading what a batch needs ----------------------------------------------------------------


@dataclass(frozen=True)
class Callers:
    """Accounts' stored participants and current teams, and those participants' daily totals
    since a given day: what the checks of a log need."""

    found: dict[Account, Caller]
    recent_m: dict[DayKey, int]


def claim_and_find(
    session: Session,
    season_id: int,
    keys: Sequence[str],
    accounts: Iterable[Account],
    since: date,
    now: datetime,
) -> tuple[set[str], Callers]:
    """`claim_deliveries` and `callers`, in one round trip."""
    with driver_of(session).together(session):
        claiming = _send_claim(session, keys, now)
        finding = _send_callers(session, season_id, accounts, since)
    return _claimed(session, claiming), _found(session, finding)


def claim_deliveries(session: Session, keys: Sequence[str], now: datetime) -> set[str]:
    """Record platform deliveries; the keys that were not handled before."""
    return _claimed(session, _send_claim(session, keys, now))


def callers(session: Session, season_id: int, accounts: Iterable[Account], since: date) -> Callers:
    """The stored participant and current team of each account that has one, and their
    daily totals from `since` on. On PostgreSQL the participants' rows are locked (in
    account order, so that batches never deadlock), serialising each person's logs and
    removals."""
    with driver_of(session).together(session):
        finding = _send_callers(session, season_id, accounts, since)
    return _found(session, finding)


def _send_claim(session: Session, keys: Sequence[str], now: datetime) -> Cursor | None:
    driver = driver_of(session)
    handled_at = driver.writes(MOMENT)(now)
    rows = [{"key": key, "handled_at": handled_at} for key in dict.fromkeys(keys)]
    return driver.send(session, CLAIM, rows) if rows else None


def _claimed(session: Session, claiming: Cursor | None) -> set[str]:
    if claiming is None:
        return set()
    return {key for (key,) in driver_of(session).results(claiming)}


def _send_callers(
    session: Session, season_id: int, accounts: Iterable[Account], since: date
) -> tuple[list[Account], Cursor, Cursor] | None:
    wanted = sorted(set(accounts))
    if not wanted:
        return None
    driver = driver_of(session)
    statement = CALLERS_LOCKED if driver.postgresql else CALLERS
    rows = [
        {"n": n, "platform": platform, "external_id": external_id}
        for n, (platform, external_id) in enumerate(wanted)
    ]
    return (
        wanted,
        driver.send(session, statement, rows, season_id=season_id),
        driver.send(
            session, RECENT_DAILY, rows, season_id=season_id, since=driver.writes(DAY)(since)
        ),
    )


def _found(session: Session, finding: tuple[list[Account], Cursor, Cursor] | None) -> Callers:
    if finding is None:
        return Callers({}, {})
    wanted, callers_cursor, recent_cursor = finding
    driver = driver_of(session)
    read_day = driver.reads(DAY)
    return Callers(
        {wanted[n]: Caller(*caller) for n, *caller in driver.results(callers_cursor)},
        {
            (pid, read_day(day), kind): int(distance)
            for pid, day, kind, distance in driver.results(recent_cursor)
        },
    )


# -- writing -------------------------------------------------------------------------------------


def record_activities(
    session: Session, season_id: int, new: Sequence[NewActivity], now: datetime
) -> list[Recorded]:
    """Store activities in order and move every running total by their distances."""
    if not new:
        return []
    driver = driver_of(session)
    created_at = driver.writes(MOMENT)(now)
    day_value = driver.writes(DAY)
    moves = [
        Move(item.participant_id, item.team_id, item.kind, item.day, item.distance_m)
        for item in new
    ]
    with driver.together(session):
        inserting = driver.send(
            session,
            INSERT_ACTIVITIES,
            [
                {
                    "season_id": season_id,
                    "participant_id": item.participant_id,
                    "team_id": item.team_id,
                    "kind": item.kind,
                    "distance_m": item.distance_m,
                    "day": day_value(item.day),
                    "source_key": item.source_key,
                    "created_at": created_at,
                }
                for item in new
            ],
        )
        moving = _send_moves(session, season_id, moves)
    # Matched by their unique source key: the order RETURNING gives is not promised.
    id_of = {source_key: activity_id for activity_id, source_key in driver.results(inserting)}
    ids = [id_of[item.source_key] for item in new]
    personal, teams = _moved_totals(session, *moving)
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
    with driver_of(session).together(session):
        moving = _send_moves(session, season_id, moves)
    return _moved_totals(session, *moving)


def _send_moves(session: Session, season_id: int, moves: Sequence[Move]) -> tuple[Cursor, Cursor]:
    """The statements of `move_totals`; the cursors with the new personal and team totals."""
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

    driver = driver_of(session)
    day_value = driver.writes(DAY)
    # Rows are changed in key order, so that batches written at once never deadlock.
    driver.send(
        session,
        ADD_DAILY,
        [
            {
                "season_id": season_id,
                "participant_id": pid,
                "day": day_value(day),
                "kind": kind,
                "distance_m": delta,
            }
            for (pid, day, kind), delta in sorted(daily.items())
        ],
    )
    new_personal = driver.send(
        session,
        ADD_PERSONAL,
        [
            {"season_id": season_id, "participant_id": pid, **kinds, "total_m": sum(kinds.values())}
            for pid, kinds in sorted(personal.items())
        ],
    )
    driver.send(
        session,
        ADD_CONTRIBUTED,
        [
            {"team_id": team_id, "participant_id": pid, "total_m": delta}
            for (team_id, pid), delta in sorted(contributed.items())
        ],
    )
    new_teams = driver.send(
        session,
        ADD_TEAMS,
        [
            {"team_id": team_id, **kinds, "total_m": sum(kinds.values())}
            for team_id, kinds in sorted(team_kinds.items())
        ],
    )
    return new_personal, new_teams


def _moved_totals(
    session: Session, new_personal: Cursor, new_teams: Cursor
) -> tuple[dict[int, int], dict[int, int]]:
    # The ORM's copies of these rows (a Team a handler holds) are stale now.
    session.expire_all()
    driver = driver_of(session)
    return (
        {pid: int(total) for pid, total in driver.results(new_personal)},
        {team_id: int(total) for team_id, total in driver.results(new_teams)},
    )


# -- ranks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranks:
    """Ranks that go with season totals, and how many teams (and, if asked for, how many
    participants) there are."""

    of_person: dict[int, int]  # a participant's total -> its rank among participants
    of_team: dict[int, int]  # a team's total -> its rank among teams
    team_count: int
    person_count: int | None = None


def season_ranks(
    session: Session,
    season_id: int,
    person_totals: Iterable[int],
    team_totals: Iterable[int],
    *,
    count_people: bool = False,
) -> Ranks:
    """Each rank is how many have more, plus one; all in one statement, which reads a few
    buckets and at most one km of rows per total, however many take part."""
    rows = [
        {"of_team": of_team, "total_m": total}
        for of_team, totals, counted in ((0, person_totals, count_people), (1, team_totals, True))
        for total in ({*totals, FLOOR_M} if counted else set(totals))
    ]
    found = driver_of(session).run(session, RANKS_AHEAD, rows, season_id=season_id)
    ranks: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for of_team, total, ahead in found:
        ranks[of_team][int(total)] = int(ahead) + 1
    person_floor = ranks[0].pop(FLOOR_M, None)
    return Ranks(
        ranks[0],
        ranks[1],
        team_count=ranks[1].pop(FLOOR_M) - 1,
        person_count=None if person_floor is None else person_floor - 1,
    )
