"""Statements for many rows at once, run on a session's own driver connection, inside its
transaction: one statement for all the rows, one round trip on PostgreSQL for several
statements, and no SQLAlchemy work on the way. For the hot path, where building and running
statements through SQLAlchemy costs more than the SQL itself.

A statement is one text for SQLite and PostgreSQL, with `:name` parameters shared by all its
rows and `{rows}` where the rows go. SQLite gets them as `VALUES` with `?1` parameters,
numbered row by row; PostgreSQL as one JSON parameter `$1`, read with `json_to_recordset`,
so that the text is the same for any number of rows and is parsed and planned once per
connection. Neither driver parses the parameters again.
"""

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import await_

Cursor = Any  # the driver's own cursor (sqlite3, psycopg or psycopg's asyncio one)
Convert = Callable[[Any], Any]


class Statement:
    """SQL text with `:name` parameters and `{rows}`, and the columns of each row in the
    order the text takes them, each with the PostgreSQL type it is read as."""

    __slots__ = ("text", "columns")

    def __init__(self, text: str, /, **columns: str) -> None:
        self.text = text
        self.columns = columns

    def __repr__(self) -> str:
        return f"Statement({self.text.strip()[:40]!r}..., {', '.join(self.columns)})"


class Expanded(NamedTuple):
    """A statement as the driver gets it: numbered parameters, then the shared names whose
    values go before the rows' values and those that go after them."""

    sql: str
    before: tuple[str, ...]
    after: tuple[str, ...]


# Marks the parameters of `{rows}` apart from the shared ones.
_ROW_MARK = "row__"
_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache(maxsize=1024)
def expand(statement: Statement, count: int, postgresql: bool) -> Expanded:
    """`statement` for `count` rows (on PostgreSQL one JSON parameter, whatever the count),
    with numbered parameters: `$1` for PostgreSQL, `?1` for SQLite. A shared name used
    twice keeps its number; with no rows, the text is left as it is."""
    columns = statement.columns
    if postgresql:
        types = ", ".join(f"{column} {type_}" for column, type_ in columns.items())
        rows = f"SELECT * FROM json_to_recordset(:{_ROW_MARK}json::json) AS r({types})"
    else:
        rows = "VALUES " + ", ".join(
            "(" + ", ".join(f":{_ROW_MARK}{column}" for column in columns) + ")"
            for _ in range(count)
        )
    text = statement.text.replace("{rows}", rows) if count else statement.text
    shared: dict[str, int] = {}
    before: list[str] = []
    after: list[str] = []
    numbered = 0
    rows_seen = False

    def number(match: re.Match[str]) -> str:
        nonlocal numbered, rows_seen
        name = match.group(1)
        if name.startswith(_ROW_MARK):
            numbered += 1
            position = numbered
            rows_seen = True
        elif name in shared:
            position = shared[name]
        else:
            numbered += 1
            position = shared[name] = numbered
            (after if rows_seen else before).append(name)
        return f"{'$' if postgresql else '?'}{position}"

    return Expanded(_PARAMETER.sub(number, text), tuple(before), tuple(after))


class Driver:
    """Statements on the driver connection of a session's transaction, for one kind of
    database (SQLite, PostgreSQL, or PostgreSQL through psycopg's asyncio connections)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.postgresql = dialect.name == "postgresql"
        # On an asyncio driver (a LoopDatabase), each wait for the server yields to the loop.
        self.on_loop = dialect.is_async
        self._wait: Convert = await_ if self.on_loop else _as_is
        self._writes: dict[TypeEngine[Any], Convert] = {}
        self._reads: dict[TypeEngine[Any], Convert] = {}
        if self.postgresql:
            from psycopg import AsyncRawCursor, RawCursor

            # Raw cursors send `$1` parameters to the server as they are.
            self._raw_cursor: type[Any] = AsyncRawCursor if self.on_loop else RawCursor

    def writes(self, column_type: TypeEngine[Any]) -> Convert:
        """A value as SQLAlchemy sends it to this database for a column of `column_type`."""
        convert = self._writes.get(column_type)
        if convert is None:
            processor = column_type.dialect_impl(self.dialect).bind_processor(self.dialect)
            convert = self._writes[column_type] = processor or _as_is
        return convert

    def reads(self, column_type: TypeEngine[Any]) -> Convert:
        """A value of a column of `column_type` as SQLAlchemy reads it from this database."""
        convert = self._reads.get(column_type)
        if convert is None:
            impl = column_type.dialect_impl(self.dialect)
            convert = self._reads[column_type] = impl.result_processor(self.dialect, None) or _as_is
        return convert

    def run(
        self,
        session: Session,
        statement: Statement,
        rows: Sequence[dict[str, Any]] = (),
        **shared: Any,
    ) -> list[Any]:
        """`statement` for `rows` (dicts holding its columns) and the `shared` values: its
        result rows, if it has any."""
        return self.results(self.send(session, statement, rows, **shared))

    def send(
        self,
        session: Session,
        statement: Statement,
        rows: Sequence[dict[str, Any]] = (),
        **shared: Any,
    ) -> Cursor:
        """`run` without waiting for the results: the cursor to read them from."""
        # On PostgreSQL the rows are one JSON parameter: the text is the same for any number.
        count = min(len(rows), 1) if self.postgresql else len(rows)
        sql, before, after = expand(statement, count, self.postgresql)
        values = [shared[name] for name in before]
        if self.postgresql:
            if rows:
                values.append(json.dumps(rows, default=_iso))
        else:
            columns = statement.columns
            values += [row[column] for row in rows for column in columns]
        values += [shared[name] for name in after]
        cursor = self._cursor(session)
        self._wait(cursor.execute(sql, values))
        return cursor

    def results(self, cursor: Cursor) -> list[Any]:
        """The rows of a statement that was sent; none for one that returns no rows."""
        return self._wait(cursor.fetchall()) if cursor.description is not None else []

    @contextmanager
    def together(self, session: Session) -> Iterator[None]:
        """Statements sent inside go to PostgreSQL in one round trip (its pipeline mode);
        read their results after the block."""
        if not self.postgresql:
            yield
            return
        pipeline = driver_connection(session).pipeline()
        if not self.on_loop:
            with pipeline:
                yield
            return
        self._wait(pipeline.__aenter__())
        try:
            yield
        except BaseException as error:
            if not self._wait(pipeline.__aexit__(type(error), error, error.__traceback__)):
                raise
        else:
            self._wait(pipeline.__aexit__(None, None, None))

    def _cursor(self, session: Session) -> Cursor:
        connection = driver_connection(session)
        return self._raw_cursor(connection) if self.postgresql else connection.cursor()


_DRIVERS: dict[tuple[str, bool], Driver] = {}


def driver_of(session: Session) -> Driver:
    """The driver for the session's kind of database, made on first use."""
    dialect = session.get_bind().dialect
    key = (dialect.name, dialect.is_async)
    driver = _DRIVERS.get(key)
    if driver is None:
        driver = _DRIVERS[key] = Driver(dialect)
    return driver


def driver_connection(session: Session) -> Any:
    """The DBAPI driver's own connection under the session's transaction."""
    return session.connection().connection.driver_connection


def _as_is(value: Any) -> Any:
    return value


def _iso(value: date) -> str:
    """Days and moments in JSON, as PostgreSQL reads them back."""
    return value.isoformat()
