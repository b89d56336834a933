"""Fixtures: the real dispatcher on a real database (SQLite and PostgreSQL), a settable clock.

Every event loop the tests make runs in asyncio's debug mode, and anything reported to a loop's
exception handler (a task exception never retrieved, say) fails the test it happened in."""

import asyncio
import gc
import itertools
import os
import shutil
import threading
import traceback
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bot.config import Config, parse_config
from bot.handlers.dispatch import Dispatcher
from bot.messages import Incoming
from bot.render.plain import render
from bot.replies import Reply
from bot.startup import open_challenge
from storage.database import make_engine, migrate
from storage.models import Activity, Base, Participant, PhotoEntry, Season

POSTGRES_ADMIN = os.environ.get(
    "CHALLENGE_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
LONDON = ZoneInfo("Europe/London")
# Far longer than any command takes; a test waiting past it fails instead of hanging.
ANSWER_DEADLINE_S = 30.0
Result = TypeVar("Result")


class LoopErrors:
    """What the event loops reported to their exception handler, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: list[str] = []

    def record(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        loop.default_exception_handler(context)
        with self._lock:
            self._reports.append(_describe(context))

    def take(self) -> list[str]:
        with self._lock:
            reports, self._reports = self._reports, []
        return reports


def _describe(context: dict[str, Any]) -> str:
    """A loop's report as asyncio would log it: the message, the objects, where they were
    made (debug mode records it), and the exception's traceback."""
    lines = [str(context.get("message", "an unhandled exception in an event loop"))]
    for key, value in context.items():
        if key in ("source_traceback", "handle_traceback"):
            lines.append(f"{key}, most recent call last:")
            lines += [line.rstrip() for line in traceback.format_list(value)]
        elif key not in ("message", "exception"):
            lines.append(f"{key}: {value!r}")
    if "exception" in context:
        lines += [line.rstrip() for line in traceback.format_exception(context["exception"])]
    return "\n".join(lines)


LOOP_ERRORS = LoopErrors()


class DebugLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """Loops in debug mode, reporting to LOOP_ERRORS: pytest-asyncio's, the chats', and any
    `asyncio.run` in the code under test."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        loop.set_debug(True)
        loop.set_exception_handler(LOOP_ERRORS.record)
        return loop


def pytest_configure(config: pytest.Config) -> None:
    asyncio.set_event_loop_policy(DebugLoopPolicy())


@pytest.fixture(autouse=True)
def loop_errors() -> Iterator[LoopErrors]:
    """Fails the test if an event loop reported an error during it; a test that provokes
    one on purpose takes it from here."""
    yield LOOP_ERRORS
    # A task is reported when it is collected: collect now, not in some later test. What
    # outlives the test is frozen, so that each collection walks only what one test made.
    gc.collect()
    gc.freeze()
    reports = LOOP_ERRORS.take()
    if reports:
        pytest.fail("an event loop reported:\n\n" + "\n\n".join(reports), pytrace=False)


def season_settings(**overrides: Any) -> dict[str, Any]:
    """The 2021 edition's [season] table, with any keys replaced."""
    from datetime import date

    season = {
        "name": "Summer Challenge 2021",
        "start": date(2021, 7, 1),
        "end": date(2021, 8, 31),
        "timezone": "Europe/London",
        "donation_per_km": "0.10",
        "currency": "EUR",
        "donation_cap": "",
        "max_team_size": 12,
        "late_logging_days": 7,
    }
    season.update(overrides)
    return season


def make_config(database_url: str, directory: Path, **sections: Any) -> Config:
    data: dict[str, Any] = {
        "season": season_settings(),
        "database": {"url": database_url},
        "admins": {"slack": ["UADMIN"], "telegram": []},
        "announce": [{"platform": "slack", "chat": "C0123456789"}],
    }
    data.update(sections)
    return parse_config(data, directory / "config.toml")


def enter_photos(engine: Engine, titles: list[str], at: datetime) -> None:
    """Photo entries by the first participant, straight into the database."""
    with Session(engine) as session, session.begin():
        season_id = session.scalar(select(Season.id))
        participant_id = session.scalar(select(Participant.id).order_by(Participant.id))
        session.add_all(
            PhotoEntry(
                season_id=season_id,
                participant_id=participant_id,
                sha256=f"{number:064x}",
                media_type="image/jpeg",
                size_bytes=200_000,
                title=title,
                created_at=at,
            )
            for number, title in enumerate(titles)
        )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One database for the whole run, dropped at the end; tests empty it between them."""
    name = f"challenge_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN!r}: {error}")
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once for the run; each test starts from a copy of it, as
    from a database just migrated (tests/test_project.py migrates an empty one)."""
    path = tmp_path_factory.mktemp("template") / "challenge.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        copy = tmp_path / "challenge.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        return f"sqlite:///{copy}"
    url = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        exists = connection.scalar(text("SELECT to_regclass('public.activity') IS NOT NULL"))
        if exists:
            # DELETE and a sequence restart take half the time of TRUNCATE on tables this
            # small, in one round trip.
            sequences = connection.scalars(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            ).all()
            statements = [
                *(f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)),
                *(f'ALTER SEQUENCE "{name}" RESTART' for name in sequences),
            ]
            connection.exec_driver_sql("; ".join(statements))
    engine.dispose()


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2021, 7, 15, 12, 0, tzinfo=LONDON))

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


class LoopThread:
    """An event loop running in a thread of its own, as the bot's loop runs beside the test:
    coroutines are handed to it from any thread and their results awaited with a deadline."""

    def __init__(self) -> None:
        self._started = threading.Event()
        self._handed_over = threading.Condition()
        self.handed_over = 0
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(),), name="chat-loop", daemon=True
        )
        self._thread.start()
        if not self._started.wait(ANSWER_DEADLINE_S):
            pytest.fail("the chat's event loop did not start", pytrace=False)

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._started.set()
        await self._stopping.wait()

    def run(self, coroutine: Coroutine[Any, Any, Result], what: str) -> Result:
        """`coroutine`'s result, run on the loop; the test fails past the deadline."""
        future = self._hand_over(coroutine)
        try:
            return future.result(timeout=ANSWER_DEADLINE_S)
        except TimeoutError:
            if future.done():
                raise
        future.cancel()
        pytest.fail(f"no answer to {what} within {ANSWER_DEADLINE_S:g} s", pytrace=False)

    async def run_from_another_loop(
        self, coroutine: Coroutine[Any, Any, Result], what: str
    ) -> Result:
        """`run`, for a test that is itself a coroutine: its own loop goes on meanwhile."""
        future = self._hand_over(coroutine)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), ANSWER_DEADLINE_S)
        except TimeoutError:
            if future.done() and not future.cancelled():
                raise
        pytest.fail(f"no answer to {what} within {ANSWER_DEADLINE_S:g} s", pytrace=False)

    def _hand_over(self, coroutine: Coroutine[Any, Any, Result]) -> Future[Result]:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        with self._handed_over:
            self.handed_over += 1
            self._handed_over.notify_all()
        return future

    def wait_until_handed_over(self, count: int) -> None:
        """Until `count` coroutines in all have been handed to the loop."""
        with self._handed_over:
            if not self._handed_over.wait_for(lambda: self.handed_over >= count, ANSWER_DEADLINE_S):
                pytest.fail(f"only {self.handed_over} of {count} reached the loop", pytrace=False)

    def hold(self, until: threading.Event) -> None:
        """Keep the loop busy, taking nothing new, until `until` is set: whatever is handed
        over meanwhile starts together, as a burst of updates finds the bot."""
        self.loop.call_soon_threadsafe(until.wait, ANSWER_DEADLINE_S)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(ANSWER_DEADLINE_S)
        if self._thread.is_alive():
            pytest.fail("the chat's event loop did not stop", pytrace=False)


@dataclass
class Chat:
    """Sends chat text as users of one platform through the dispatcher's `answer`, on an
    event loop of its own, as the Slack and Telegram adapters do; `send` and `say` wait for
    the answer, from any thread."""

    dispatcher: Dispatcher
    engine: Engine
    clock: Clock
    platform: str = "console"
    _deliveries: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _loop: LoopThread | None = None
    _starting: threading.Lock = field(default_factory=threading.Lock)

    @property
    def loop(self) -> LoopThread:
        """The chat's event loop, started by the first message: one for all its messages,
        since the dispatcher keeps one log writer per loop."""
        with self._starting:
            if self._loop is None:
                self._loop = LoopThread()
            return self._loop

    def message(
        self, user: str, text: str, delivery_id: str | None = None, **extra: Any
    ) -> Incoming:
        return Incoming(
            platform=self.platform,
            user_id=user,
            chat_id=f"dm-{user}",
            text=text,
            delivery_id=delivery_id or f"d{next(self._deliveries)}",
            display_name=extra.pop("display_name", user),
            **extra,
        )

    def send(
        self, user: str, text: str, delivery_id: str | None = None, **extra: Any
    ) -> list[Reply]:
        return self.loop.run(
            self.dispatcher.answer(self.message(user, text, delivery_id, **extra)),
            f"{text!r} from {user}",
        )

    def say(self, user: str, text: str, **extra: Any) -> str:
        """The plain text of every reply to `text`, as one string."""
        return "\n".join(render(reply) for reply in self.send(user, text, **extra))

    async def answer_together(self, *messages: Incoming) -> list[list[Reply]]:
        """The replies to each message, all of them in flight on the chat's loop at once."""

        async def together() -> list[list[Reply]]:
            return list(await asyncio.gather(*map(self.dispatcher.answer, messages)))

        return await self.loop.run_from_another_loop(
            together(), f"{len(messages)} messages sent together"
        )

    def make_admin(self, user: str) -> None:
        self.dispatcher.extra_admins.add((self.platform, user))

    def scalar(self, statement: Any) -> Any:
        with Session(self.engine) as session:
            return session.scalar(statement)

    def activity_count(self, *, include_removed: bool = False) -> int:
        statement = select(func.count()).select_from(Activity)
        if not include_removed:
            statement = statement.where(Activity.deleted_at.is_(None))
        return self.scalar(statement)

    def close(self) -> None:
        """Close the log writer's connections on the chat's loop, then stop the loop."""
        if self._loop is not None:
            loop, self._loop = self._loop, None
            try:
                loop.run(self.dispatcher.close(), "closing the dispatcher")
            finally:
                loop.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    return make_config(database_url, tmp_path)


@contextmanager
def open_chat(config: Config, clock: Clock) -> Iterator[Chat]:
    """A chat with the challenge `config` describes, closed at the end."""
    dispatcher, engine = open_challenge(config, clock)
    chat = Chat(dispatcher, engine, clock)
    try:
        yield chat
    finally:
        chat.close()
        engine.dispose()


@pytest.fixture
def chat(config: Config, clock: Clock) -> Iterator[Chat]:
    with open_chat(config, clock) as chat:
        yield chat
