"""Work started beside the work at hand (replies sent after an ack, a profile fetched after a
command, a catch-up after start-up): every task is kept until it ends, and its failure is
logged, so that nothing is fire-and-forget."""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """The tasks one component started; `failure` is the log event of a task that raised."""

    def __init__(self, failure: str) -> None:
        self.failure = failure
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def finish(self) -> None:
        """Wait for every task still running, and for those they start meanwhile."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def cancel(self) -> None:
        """Cancel every task still running, and wait until they have stopped."""
        for task in list(self._tasks):
            task.cancel()
        await self.finish()

    async def _logged(self, work: Coroutine[Any, Any, object]) -> None:
        try:
            await work
        except Exception:
            log.exception(self.failure)
