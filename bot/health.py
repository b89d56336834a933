"""What `/healthz` reports: each platform adapter's state, the updates it is working on and
when it last finished one, and whether the database answers."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

# An adapter that holds updates and finished none for this long is stuck.
STALL = timedelta(seconds=60)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AdapterHealth:
    """Kept by each adapter: `state` as it starts and stops, and every update it takes
    goes through `update()`."""

    platform: str
    clock: Callable[[], datetime] = _utc_now
    state: str = "starting"  # starting | running | stopped
    waiting: int = 0  # updates received and not yet answered
    last_processed_at: datetime | None = None
    _busy_since: datetime | None = field(default=None, repr=False)

    @contextmanager
    def update(self) -> Iterator[None]:
        """Around the handling of one update, from its arrival to its answer."""
        if self.waiting == 0:
            self._busy_since = self.clock()
        self.waiting += 1
        try:
            yield
        finally:
            self.waiting -= 1
            self.last_processed_at = self.clock()

    def stalled(self) -> bool:
        """Updates are waiting and none was finished for `STALL`."""
        if self.waiting == 0:
            return False
        progress = max(
            (moment for moment in (self.last_processed_at, self._busy_since) if moment),
            default=None,
        )
        return progress is not None and self.clock() - progress > STALL

    def report(self) -> dict[str, object]:
        return {
            "state": self.state,
            "waiting": self.waiting,
            "last_processed_at": (
                self.last_processed_at.isoformat() if self.last_processed_at else None
            ),
            "stalled": self.stalled(),
        }


# /healthz waits this long for the database's `SELECT 1` before calling it unreachable.
DATABASE_DEADLINE_S = 2.0


class DatabaseProbe:
    """`SELECT 1` on the bot's engine, answered within a deadline. The query runs on a daemon
    thread of its own, one at a time: a database that hangs makes /healthz say so, and never
    ties up the threads that answer commands nor keeps the process from exiting."""

    def __init__(self, engine: Engine, deadline_s: float = DATABASE_DEADLINE_S) -> None:
        self.engine = engine
        self.deadline_s = deadline_s
        self._probe: asyncio.Future[str | None] | None = None

    async def check(self) -> dict[str, object]:
        """`reachable`, and the time the answer took or, if none came, why."""
        if self._probe is None or self._probe.done():
            self._probe = self._start()
        started = time.monotonic()
        try:
            failure = await asyncio.wait_for(asyncio.shield(self._probe), self.deadline_s)
        except TimeoutError:
            return {"reachable": False, "error": f"no answer within {self.deadline_s:g} s"}
        if failure is not None:
            return {"reachable": False, "error": failure}
        return {"reachable": True, "seconds": round(time.monotonic() - started, 3)}

    def _start(self) -> "asyncio.Future[str | None]":
        loop = asyncio.get_running_loop()
        probe: asyncio.Future[str | None] = loop.create_future()

        def answer(failure: str | None) -> None:
            if not probe.done():
                probe.set_result(failure)

        def run() -> None:
            failure = _select_one(self.engine)
            try:
                loop.call_soon_threadsafe(answer, failure)
            except RuntimeError:
                pass  # the loop closed while the database hung: nobody is waiting any more

        threading.Thread(target=run, name="database-probe", daemon=True).start()
        return probe


def _select_one(engine: Engine) -> str | None:
    """None when the database answered, else the kind of error (never its message, which may
    name hosts and users)."""
    try:
        # A raw DBAPI connection: SQLAlchemy's "begin" would take SQLite's write lock first.
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
    except Exception as error:
        return type(error).__name__
    return None


@dataclass
class BotHealth:
    """Everything /healthz tells: each adapter's progress, the database, the scheduler's next
    runs and the outbox backlog. Unhealthy when an adapter is stalled or the database does not
    answer."""

    adapters: Sequence[AdapterHealth]
    database: DatabaseProbe
    next_runs: Callable[[], Mapping[str, str | None]]
    backlog: Callable[[], int]

    async def report(self) -> tuple[bool, dict[str, object]]:
        """Whether the bot is healthy, and the details."""
        database = await self.database.check()
        problems = [
            f"{adapter.platform}: updates waiting, none answered for {STALL.seconds} s"
            for adapter in self.adapters
            if adapter.stalled()
        ]
        if not database["reachable"]:
            problems.append("database unreachable")
        return not problems, {
            "problems": problems,
            "adapters": {adapter.platform: adapter.report() for adapter in self.adapters},
            "database": database,
            "next_runs": dict(self.next_runs()),
            "outbox_backlog": self.backlog(),
        }
