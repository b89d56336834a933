"""Engines, sessions and migrations for SQLite and PostgreSQL."""

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache, partial
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a transaction waits for this process's SQLite writer turn before giving up.
WRITER_TURN_TIMEOUT_S = 1.0
# PostgreSQL: a server that is down or restarting is noticed in seconds, never waited on.
POSTGRES_CONNECT_TIMEOUT_S = 3
POSTGRES_POOL_TIMEOUT_S = 3.0
POSTGRES_STATEMENT_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": POSTGRES_CONNECT_TIMEOUT_S,
    "options": f"-c statement_timeout={POSTGRES_STATEMENT_TIMEOUT_MS}",
}
# An execution option marking an engine whose transactions only read.
READS_ONLY = "challenge_reads_only"
_SQLITE_TURNS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()
Result = TypeVar("Result")


class DatabaseBusy(Exception):
    """No turn to write came in time; nothing was done."""


def make_engine(url: str) -> Engine:
    """An engine tuned for the bot: SQLite in WAL mode with immediate write transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        pool_timeout=POSTGRES_POOL_TIMEOUT_S,
        connect_args=POSTGRES_CONNECT_ARGS,
    )


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL with NORMAL survives a killed process; only an OS crash could lose the last commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        # A writer takes the write lock up front: a deferred transaction that later writes can
        # fail with "database is locked" instead of waiting for the busy timeout. A reader
        # never writes, and in WAL mode reads alongside the writer.
        reads_only = connection.get_execution_options().get(READS_ONLY)
        connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for transactions that only read: on SQLite they neither take nor wait for
    the write lock."""
    return sessionmaker(engine.execution_options(**{READS_ONLY: True}), expire_on_commit=False)


class LoopDatabase:
    """PostgreSQL through psycopg's asyncio connections, on the event loop itself. Code
    written for an ordinary session runs unchanged, and every wait for the server lets the
    loop serve other requests meanwhile: no worker thread, no hand-over of the interpreter
    lock on each statement. Its connections belong to the loop that made them."""

    def __init__(self, url: str | URL, connections: int) -> None:
        self._engine = create_async_engine(
            url,
            pool_size=connections,
            max_overflow=0,
            pool_pre_ping=True,
            pool_timeout=POSTGRES_POOL_TIMEOUT_S,
            connect_args=POSTGRES_CONNECT_ARGS,
        )

    async def run(self, work: Callable[[Callable[[], Session]], Result]) -> Result:
        """`work`, given sessions on one connection of this database."""
        async with self._engine.connect() as connection:
            return await connection.run_sync(
                lambda bound: work(partial(Session, bound, expire_on_commit=False))
            )

    async def close(self) -> None:
        await self._engine.dispose()


@contextmanager
def transaction(sessions: Callable[[], Session]) -> Iterator[Session]:
    """A session (from a sessionmaker, say) whose work commits together at the end, or not
    at all."""
    with sessions() as session, _writer_turn(session.bind), session.begin():
        yield session


def _writer_turn(bind: Engine | Connection | None) -> AbstractContextManager[object]:
    """On SQLite, this process's writing transactions queue for the one write lock in order:
    left to the busy timeout they would sleep and retry, and a few would wait for seconds."""
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return nullcontext()
    if bind.get_execution_options().get(READS_ONLY):
        return nullcontext()
    return _turn(_SQLITE_TURNS.setdefault(bind, threading.Lock()))


@contextmanager
def _turn(lock: threading.Lock) -> Iterator[None]:
    if not lock.acquire(timeout=WRITER_TURN_TIMEOUT_S):
        raise DatabaseBusy()
    try:
        yield
    finally:
        lock.release()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; safe when several instances start at once."""
    alembic_config = _alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(727001)"))
        # A schema already at the newest revision needs nothing of Alembic's machinery.
        if MigrationContext.configure(connection).get_current_heads() == (_head(),):
            return
        alembic_config.attributes["connection"] = connection
        command.upgrade(alembic_config, "head")


def _alembic_config() -> AlembicConfig:
    alembic_config = AlembicConfig()
    alembic_config.set_main_option("script_location", str(MIGRATIONS))
    return alembic_config


@cache
def _head() -> str:
    """The newest revision the migrations folder holds."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head
