"""Activities written many at a time: each step is one statement for a whole batch of logs,
so that logs arriving together share their round trips and their commit.

The running totals move here, and only here, whenever an activity is stored or removed.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import (
    Activity,
    DailyTotal,
    Delivery,
    Membership,
    Participant,
    ParticipantTotal,
    PlatformAccount,
    Team,
    TeamMemberTotal,
)

KIND_COLUMNS = ("run_m", "walk_m", "cycle_m")

ACCOUNTS = PlatformAccount.__table__
PEOPLE = Participant.__table__
MEMBERSHIPS = Membership.__table__
TEAMS = Team.__table__
ACTIVITIES = Activity.__table__
DAILY = DailyTotal.__table__
PERSONAL = ParticipantTotal.__table__
CONTRIBUTED = TeamMemberTotal.__table__
DELIVERIES = Delivery.__table__

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


# -- reading what a batch needs ----------------------------------------------------------------


def callers(session: Session, season_id: int, accounts: Iterable[Account]) -> dict[Account, Caller]:
    """The stored participant and current team of each account that has one. On PostgreSQL
    the participants' rows are locked, serialising each person's logs, undos and removals."""
    wanted = set(accounts)
    if not wanted:
        return {}
    connection = session.connection()
    rows = connection.execute(
        _statements(session).callers,
        {"season_id": season_id, "external_ids": sorted({external for _, external in wanted})},
    )
    found = {}
    for platform, external_id, participant_id, name, zone, team_id, team_name in rows:
        if (platform, external_id) in wanted:
            found[(platform, external_id)] = Caller(participant_id, name, zone, team_id, team_name)
    return found


def claim_deliveries(session: Session, keys: Sequence[str], now: datetime) -> set[str]:
    """Record platform deliveries; the keys that were not handled before."""
    if not keys:
        return set()
    rows = [{"key": key, "handled_at": now} for key in dict.fromkeys(keys)]
    return set(session.connection().execute(_statements(session).claim, rows).scalars())


def day_distances(session: Session, season_id: int, keys: Iterable[DayKey]) -> dict[DayKey, int]:
    """What each (participant, day, kind) already has; absent keys have nothing."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = session.connection().execute(
        _statements(session).day_distances,
        {
            "season_id": season_id,
            "participants": sorted({pid for pid, _, _ in wanted}),
            "days": sorted({day for _, day, _ in wanted}),
        },
    )
    return {
        (pid, day, kind): int(distance)
        for pid, day, kind, distance in rows
        if (pid, day, kind) in wanted
    }


# -- writing -------------------------------------------------------------------------------------


def record_activities(
    session: Session, season_id: int, new: Sequence[NewActivity], now: datetime
) -> list[Recorded]:
    """Store activities in order and move every running total by their distances."""
    if not new:
        return []
    connection = session.connection()
    ids = connection.execute(
        _statements(session).insert_activities,
        [
            {
                "season_id": season_id,
                "participant_id": item.participant_id,
                "team_id": item.team_id,
                "kind": item.kind,
                "distance_m": item.distance_m,
                "day": item.day,
                "source_key": item.source_key,
                "created_at": now,
            }
            for item in new
        ],
    ).scalars()
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
    connection = session.connection()
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

    statements = _statements(session)
    connection.execute(
        statements.add_daily,
        [
            {"season_id": season_id, "participant_id": pid, "day": day, "kind": kind}
            | {"distance_m": delta}
            for (pid, day, kind), delta in daily.items()
        ],
    )
    new_personal = connection.execute(
        statements.add_personal,
        [
            {"season_id": season_id, "participant_id": pid, **kinds}
            | {"total_m": sum(kinds.values())}
            for pid, kinds in personal.items()
        ],
    ).all()
    connection.execute(
        statements.add_contributed,
        [
            {"team_id": team_id, "participant_id": pid, "total_m": delta}
            for (team_id, pid), delta in contributed.items()
        ],
    )
    connection.execute(
        statements.add_team,
        [
            {"team": team_id, **{f"add_{column}": delta for column, delta in kinds.items()}}
            | {"add_total_m": sum(kinds.values())}
            for team_id, kinds in team_kinds.items()
        ],
    )
    new_teams = connection.execute(statements.team_totals, {"teams": sorted(team_kinds)}).all()
    # The ORM's copies of these rows (a Team a handler holds) are stale now.
    session.expire_all()
    return (
        {pid: int(total) for pid, total in new_personal},
        {team_id: int(total) for team_id, total in new_teams},
    )


class _Statements:
    """The batch statements, built once per dialect: building one costs more than running it."""

    def __init__(self, session: Session) -> None:
        callers = (
            select(
                ACCOUNTS.c.platform,
                ACCOUNTS.c.external_id,
                PEOPLE.c.id,
                PEOPLE.c.display_name,
                PEOPLE.c.timezone,
                TEAMS.c.id,
                TEAMS.c.name,
            )
            .join(PEOPLE, PEOPLE.c.id == ACCOUNTS.c.participant_id)
            .outerjoin(
                MEMBERSHIPS,
                and_(
                    MEMBERSHIPS.c.participant_id == PEOPLE.c.id,
                    MEMBERSHIPS.c.season_id == bindparam("season_id"),
                    MEMBERSHIPS.c.left_at.is_(None),
                ),
            )
            .outerjoin(TEAMS, TEAMS.c.id == MEMBERSHIPS.c.team_id)
            .where(ACCOUNTS.c.external_id.in_(bindparam("external_ids", expanding=True)))
            .order_by(PEOPLE.c.id)
        )
        postgresql = session.get_bind().dialect.name == "postgresql"
        self.callers = callers.with_for_update(of=PEOPLE) if postgresql else callers
        self.claim = (
            upsert_into(session, DELIVERIES)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(DELIVERIES.c.key)
        )
        self.day_distances = select(
            DAILY.c.participant_id, DAILY.c.day, DAILY.c.kind, DAILY.c.distance_m
        ).where(
            DAILY.c.season_id == bindparam("season_id"),
            DAILY.c.participant_id.in_(bindparam("participants", expanding=True)),
            DAILY.c.day.in_(bindparam("days", expanding=True)),
        )
        self.insert_activities = insert(ACTIVITIES).returning(
            ACTIVITIES.c.id, sort_by_parameter_order=True
        )
        daily = upsert_into(session, DAILY)
        self.add_daily = daily.on_conflict_do_update(
            index_elements=["season_id", "participant_id", "day", "kind"],
            set_={"distance_m": DAILY.c.distance_m + daily.excluded.distance_m},
        )
        personal = upsert_into(session, PERSONAL)
        self.add_personal = personal.on_conflict_do_update(
            index_elements=["season_id", "participant_id"],
            set_={
                column: PERSONAL.c[column] + personal.excluded[column]
                for column in (*KIND_COLUMNS, "total_m")
            },
        ).returning(PERSONAL.c.participant_id, PERSONAL.c.total_m)
        contributed = upsert_into(session, CONTRIBUTED)
        self.add_contributed = contributed.on_conflict_do_update(
            index_elements=["team_id", "participant_id"],
            set_={"total_m": CONTRIBUTED.c.total_m + contributed.excluded.total_m},
        )
        self.add_team = (
            update(TEAMS)
            .where(TEAMS.c.id == bindparam("team"))
            .values(
                {
                    column: TEAMS.c[column] + bindparam(f"add_{column}")
                    for column in (*KIND_COLUMNS, "total_m")
                }
            )
        )
        self.team_totals = select(TEAMS.c.id, TEAMS.c.total_m).where(
            TEAMS.c.id.in_(bindparam("teams", expanding=True))
        )


_BUILT: dict[str, _Statements] = {}


def _statements(session: Session) -> _Statements:
    dialect = session.get_bind().dialect.name
    if dialect not in _BUILT:
        _BUILT[dialect] = _Statements(session)
    return _BUILT[dialect]


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
    """All in one query: each rank is how many have more, plus one."""
    people, teams = sorted(set(person_totals)), sorted(set(team_totals))
    values = {f"person_{index}": total for index, total in enumerate(people)}
    values |= {f"team_{index}": total for index, total in enumerate(teams)}
    count, *ahead = (
        session.connection()
        .execute(_ranks_statement(len(people), len(teams)), {"season_id": season_id, **values})
        .one()
    )
    ranks = [int(n) + 1 for n in ahead]
    return Ranks(
        dict(zip(people, ranks[: len(people)], strict=True)),
        dict(zip(teams, ranks[len(people) :], strict=True)),
        int(count),
    )


@lru_cache(maxsize=512)
def _ranks_statement(people: int, teams: int) -> Select[Any]:
    """One row: the season's team count, then for each `person_N` and `team_N` how many
    participants or teams of the season have a greater total."""

    def season_rows(table: Any) -> Select[Any]:
        return (
            select(func.count())
            .select_from(table)
            .where(table.c.season_id == bindparam("season_id"))
        )

    return select(
        season_rows(TEAMS).scalar_subquery(),
        *(
            season_rows(PERSONAL)
            .where(PERSONAL.c.total_m > bindparam(f"person_{index}"))
            .scalar_subquery()
            for index in range(people)
        ),
        *(
            season_rows(TEAMS).where(TEAMS.c.total_m > bindparam(f"team_{index}")).scalar_subquery()
            for index in range(teams)
        ),
    )
