"""The hand-made SQL driver under the log writer: one statement for many rows, values stored
as SQLAlchemy stores them, and on PostgreSQL several statements in one round trip."""

import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import pq
from sqlalchemy import BigInteger, Column, Date, Engine, Integer, MetaData, Table, Text, select
from sqlalchemy.orm import Session

from storage.database import LoopDatabase, make_engine
from storage.models import UtcDateTime
from storage.sqldriver import Statement, driver_connection, driver_of, expand

LONDON = ZoneInfo("Europe/London")
metadata = MetaData()
reading = Table(
    "sqldriver_reading",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("day", Date, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("metres", BigInteger, nullable=False),
)
DAY = reading.c.day.type
MOMENT = reading.c.at.type

ADD = Statement(
    """
INSERT INTO sqldriver_reading (id, name, day, at, metres) {rows}
RETURNING id, metres
""",
    id="int",
    name="text",
    day="date",
    at="timestamptz",
    metres="bigint",
)
# A shared value named before the rows, the rows, then shared values after them.
ABOVE = Statement(
    """
WITH bounds(most) AS (SELECT CAST(:most AS bigint)), wanted(id, at_least) AS ({rows})
SELECT r.id, r.name, r.day, r.at
FROM wanted JOIN sqldriver_reading r ON r.id = wanted.id CROSS JOIN bounds
WHERE r.metres >= wanted.at_least AND r.metres <= bounds.most AND r.day >= :since
ORDER BY r.id
""",
    id="int",
    at_least="bigint",
)
COUNT = Statement("SELECT count(*) FROM sqldriver_reading WHERE metres >= :least")
RAISE = Statement("UPDATE sqldriver_reading SET metres = metres + :by WHERE id = :id")


# -- the text each database gets -------------------------------------------------------------

PAIR = Statement(
    "WITH pair(a, b) AS ({rows}) SELECT :first, a, b, :second FROM pair "
    "WHERE a > :later AND b < :first AND :first::int > 0",
    a="int",
    b="text",
)
BETWEEN = Statement("SELECT :season, r.n FROM ({rows}) AS r(n) WHERE r.n < :most", n="int")


def test_sqlite_gets_one_values_row_per_row_and_every_parameter_numbered():
    assert expand(PAIR, 3, postgresql=False) == (
        "WITH pair(a, b) AS (VALUES (?1, ?2), (?3, ?4), (?5, ?6)) SELECT ?7, a, b, ?8 FROM pair "
        "WHERE a > ?9 AND b < ?7 AND ?7::int > 0",
        (),
        ("first", "second", "later"),  # after the rows' six values, each name once
    )


def test_postgresql_gets_the_rows_as_one_json_parameter_whatever_their_number():
    assert expand(PAIR, 1, postgresql=True) == (
        "WITH pair(a, b) AS (SELECT * FROM json_to_recordset($1::json) AS r(a int, b text)) "
        "SELECT $2, a, b, $3 FROM pair WHERE a > $4 AND b < $2 AND $2::int > 0",
        (),
        ("first", "second", "later"),
    )


def test_shared_values_named_before_the_rows_are_numbered_before_them():
    assert expand(BETWEEN, 2, postgresql=False) == (
        "SELECT ?1, r.n FROM (VALUES (?2), (?3)) AS r(n) WHERE r.n < ?4",
        ("season",),
        ("most",),
    )
    assert expand(BETWEEN, 1, postgresql=True) == (
        "SELECT $1, r.n FROM (SELECT * FROM json_to_recordset($2::json) AS r(n int)) AS r(n) "
        "WHERE r.n < $3",
        ("season",),
        ("most",),
    )


def test_a_statement_without_rows_only_has_its_parameters_numbered():
    assert expand(COUNT, 0, postgresql=False) == (
        "SELECT count(*) FROM sqldriver_reading WHERE metres >= ?1",
        ("least",),
        (),
    )
    assert expand(RAISE, 0, postgresql=True) == (
        "UPDATE sqldriver_reading SET metres = metres + $1 WHERE id = $2",
        ("by", "id"),
        (),
    )


def test_each_expansion_is_made_once():
    assert expand(ADD, 5, postgresql=False) is expand(ADD, 5, postgresql=False)


# -- on the database -----------------------------------------------------------------------


@contextmanager
def table_of_readings(url: str) -> Iterator[Engine]:
    """An engine as the bot makes it, on a database holding an empty table of readings."""
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    with table_of_readings(database_url) as engine:
        yield engine


@pytest.fixture
def postgresql_engine(postgres_database: str) -> Iterator[Engine]:
    with table_of_readings(postgres_database) as engine:
        yield engine


def readings(*ids: int) -> list[dict]:
    """Rows for ADD: reading n is n km on the n-th of July, logged at noon in London."""
    return [
        {
            "id": n,
            "name": f"reading {n}",
            "day": date(2021, 7, n),
            "at": datetime(2021, 7, n, 12, 0, tzinfo=LONDON),
            "metres": n * 1000,
        }
        for n in ids
    ]


def stored_day(session: Session, day: date) -> object:
    """`day` as the driver sends it to the session's database."""
    return driver_of(session).writes(DAY)(day)


def stored(session: Session, rows: list[dict]) -> list[dict]:
    """`rows` with their day and moment as the driver sends them to the session's database."""
    driver = driver_of(session)
    day, moment = driver.writes(DAY), driver.writes(MOMENT)
    return [row | {"day": day(row["day"]), "at": moment(row["at"])} for row in rows]


def test_many_rows_are_written_by_one_statement_and_return_their_rows(engine):
    with Session(engine) as session, session.begin():
        driver = driver_of(session)
        returned = driver.run(session, ADD, stored(session, readings(1, 2, 3)))
        assert sorted(tuple(row) for row in returned) == [(1, 1000), (2, 2000), (3, 3000)]
    with Session(engine) as session:
        assert session.execute(select(reading.c.id, reading.c.name)).all() == [
            (1, "reading 1"),
            (2, "reading 2"),
            (3, "reading 3"),
        ]


def test_shared_values_before_between_and_after_the_rows_reach_their_parameters(engine):
    with Session(engine) as session, session.begin():
        driver = driver_of(session)
        driver.run(session, ADD, stored(session, readings(1, 2, 3, 4)))
        found = driver.run(
            session,
            ABOVE,
            [{"id": 1, "at_least": 0}, {"id": 3, "at_least": 3000}, {"id": 4, "at_least": 4500}],
            most=3500,
            since=stored_day(session, date(2021, 7, 2)),
        )
        assert [row[0] for row in found] == [3]
        assert driver.run(session, COUNT, least=2000) == [(3,)]
        assert driver.run(session, RAISE, by=10, id=2) == []  # returns no rows


def test_days_and_moments_are_stored_as_sqlalchemy_stores_them(engine):
    moment = datetime(2021, 7, 15, 12, 0, tzinfo=LONDON)
    with Session(engine) as session, session.begin():
        driver = driver_of(session)
        if driver.postgresql:
            # psycopg takes them as they are; in JSON they travel as ISO text.
            assert driver.writes(DAY)(date(2021, 7, 15)) == date(2021, 7, 15)
            assert driver.writes(MOMENT)(moment) == datetime(2021, 7, 15, 11, 0, tzinfo=UTC)
        else:
            # SQLite keeps text, and a moment in UTC without its offset.
            assert driver.writes(DAY)(date(2021, 7, 15)) == "2021-07-15"
            assert driver.writes(MOMENT)(moment) == "2021-07-15 11:00:00.000000"
        driver.run(session, ADD, stored(session, readings(15)))
        session.execute(
            reading.insert().values(
                id=16, name="by SQLAlchemy", day=date(2021, 7, 16), at=moment, metres=1
            )
        )
    with Session(engine) as session, session.begin():
        # What the driver wrote reads back through SQLAlchemy as it was given...
        assert session.execute(
            select(reading.c.day, reading.c.at).where(reading.c.id == 15)
        ).one() == (
            date(2021, 7, 15),
            datetime(2021, 7, 15, 11, 0, tzinfo=UTC),
        )
        # ...and what SQLAlchemy wrote, through the driver, once read as SQLAlchemy reads it.
        driver = driver_of(session)
        (found,) = driver.run(
            session,
            ABOVE,
            [{"id": 16, "at_least": 0}],
            most=1,
            since=stored_day(session, date(2021, 7, 1)),
        )
        _, name, day, at = found
        assert name == "by SQLAlchemy"
        assert driver.reads(DAY)(day) == date(2021, 7, 16)
        assert driver.reads(MOMENT)(at) == datetime(2021, 7, 15, 11, 0, tzinfo=UTC)
        if not driver.postgresql:
            assert (day, at) == ("2021-07-16", "2021-07-15 11:00:00.000000")


def begin(session: Session) -> None:
    """Start the session's transaction: psycopg waits for its BEGIN on its own, even in
    pipeline mode, so a transaction's first statements take one round trip more."""
    session.connection().exec_driver_sql("SELECT 1")


class Wire:
    """The protocol messages between a psycopg connection and its server, as libpq traces
    them: F from the client, B from the server."""

    def __init__(self, directions: list[str]) -> None:
        self.directions = directions

    @property
    def round_trips(self) -> int:
        """How many times the client sent and then waited for the server's answer."""
        return sum(
            1
            for sent, answer in zip(self.directions, self.directions[1:], strict=False)
            if (sent, answer) == ("F", "B")
        )


@contextmanager
def traced(connection: psycopg.Connection | psycopg.AsyncConnection) -> Iterator[Wire]:
    wire = Wire([])
    with tempfile.TemporaryFile() as trace:
        connection.pgconn.trace(trace.fileno())
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield wire
        finally:
            connection.pgconn.untrace()
        trace.seek(0)
        wire.directions += [line.split(b"\t", 1)[0].decode() for line in trace if line.strip()]


def write_and_read_together(session: Session) -> tuple[list, list, list, list]:
    """Four statements sent together, each reading what the ones before it wrote."""
    driver = driver_of(session)
    with driver.together(session):
        adding = driver.send(session, ADD, stored(session, readings(1, 2)))
        counting = driver.send(session, COUNT, least=0)
        raising = driver.send(session, RAISE, by=5000, id=1)
        finding = driver.send(
            session,
            ABOVE,
            [{"id": 1, "at_least": 6000}],
            most=10_000,
            since=stored_day(session, date(2021, 7, 1)),
        )
    return (
        sorted(tuple(row) for row in driver.results(adding)),
        [tuple(row) for row in driver.results(counting)],
        driver.results(raising),
        [row[:2] for row in driver.results(finding)],
    )


EXPECTED = ([(1, 1000), (2, 2000)], [(2,)], [], [(1, "reading 1")])


def test_statements_sent_together_each_return_their_own_rows(engine):
    with Session(engine) as session, session.begin():
        if driver_of(session).postgresql:
            begin(session)
            with traced(driver_connection(session)) as wire:
                assert write_and_read_together(session) == EXPECTED
            assert wire.round_trips == 1
        else:
            assert write_and_read_together(session) == EXPECTED


def test_one_statement_at_a_time_waits_for_each_on_postgresql(postgresql_engine):
    """What `together` saves: the same statements outside it take a round trip each."""
    with Session(postgresql_engine) as session, session.begin():
        driver = driver_of(session)
        begin(session)
        with traced(driver_connection(session)) as wire:
            driver.run(session, ADD, stored(session, readings(1)))
            driver.run(session, COUNT, least=0)
            driver.run(session, RAISE, by=1, id=1)
        assert wire.round_trips == 3


def test_a_failing_statement_sent_together_fails_the_block(engine):
    with Session(engine) as session, session.begin():
        driver_of(session).run(session, ADD, stored(session, readings(1)))
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        with Session(engine) as session, session.begin():
            driver = driver_of(session)
            with driver.together(session):
                driver.send(session, COUNT, least=0)
                driver.send(session, ADD, stored(session, readings(1)))  # the same id again
                driver.send(session, RAISE, by=1, id=1)
    with Session(engine) as session:
        assert session.execute(select(reading.c.metres)).scalars().all() == [1000]


# -- on the event loop (PostgreSQL through psycopg's asyncio connections) ----------------------


@pytest.fixture
async def loop_database(postgres_database: str) -> AsyncIterator[LoopDatabase]:
    with table_of_readings(postgres_database):
        database = LoopDatabase(postgres_database, connections=1)
        yield database
        await database.close()


async def test_on_the_event_loop_statements_sent_together_take_one_round_trip(loop_database):
    def work(sessions) -> tuple[tuple, int]:
        with sessions() as session, session.begin():
            assert driver_of(session).on_loop
            begin(session)
            with traced(driver_connection(session)) as wire:
                found = write_and_read_together(session)
        return found, wire.round_trips

    assert await loop_database.run(work) == (EXPECTED, 1)


async def test_on_the_event_loop_an_error_inside_together_leaves_the_connection_usable(
    loop_database,
):
    def fails(sessions) -> None:
        with sessions() as session, session.begin():
            driver = driver_of(session)
            with driver.together(session):
                driver.send(session, ADD, stored(session, readings(1)))
                raise ValueError("a check failed halfway")

    def count(sessions) -> list:
        with sessions() as session, session.begin():
            return driver_of(session).run(session, COUNT, least=0)

    with pytest.raises(ValueError, match="halfway"):
        await loop_database.run(fails)
    assert await loop_database.run(count) == [(0,)]
