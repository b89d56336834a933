"""What `/healthz` reports about a platform adapter: its state, the updates it is working on,
and when it last finished one."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
