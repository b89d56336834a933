"""Requests that arrive while a batch is being written wait and are written together next:
one transaction and one commit for many, instead of one each."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from bot import metrics

Item = TypeVar("Item")
Result = TypeVar("Result")

log = logging.getLogger(__name__)


class NoTurn(Exception):
    """The item's batch did not start before its deadline; nothing was done with it."""


class Batcher(Generic[Item, Result]):
    """Awaits `write` on up to `most` items at a time, taken in the order they were
    submitted, with up to `parallel` batches being written at once; `write` returns one
    result per item.

    A runner leaves `_runners` in the same step in which it sees nothing waiting, so an item
    submitted at any moment either finds a runner that will take it or starts one."""

    def __init__(
        self,
        write: Callable[[list[Item]], Awaitable[list[Result]]],
        most: int = 64,
        parallel: int = 1,
    ) -> None:
        self._write = write
        self._most = most
        self._parallel = parallel
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runners: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item, deadline_s: float) -> Result:
        """The item's result. Raises NoTurn when no batch took it within `deadline_s`; once
        taken, its write runs to the end, bounded by the database's own time limits."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        entry = (item, future)
        self._waiting.append(entry)
        if len(self._runners) < self._parallel:
            runner = loop.create_task(self._run())
            self._runners.add(runner)
        try:
            return await asyncio.wait_for(asyncio.shield(future), deadline_s)
        except TimeoutError:
            if self._withdraw(entry):
                raise NoTurn() from None
            return await future
        except asyncio.CancelledError:
            self._withdraw(entry)
            raise

    def _withdraw(self, entry: tuple[Item, asyncio.Future[Result]]) -> bool:
        """Take a not-yet-batched item out of the queue; False when a batch has it already."""
        for index, waiting in enumerate(self._waiting):
            if waiting is entry:
                del self._waiting[index]
                return True
        return False

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._most]
                del self._waiting[: self._most]
                metrics.LOG_BATCH_SIZE.observe(len(batch))
                try:
                    results = await self._write([item for item, _ in batch])
                    answers = list(zip(batch, results, strict=True))
                except asyncio.CancelledError:
                    for _, future in [*batch, *self._waiting]:
                        future.cancel()
                    self._waiting.clear()
                    raise
                except Exception as error:
                    # This batch's callers learn of it; the next batch is written as usual.
                    log.exception("batch_failed", extra={"size": len(batch)})
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in answers:
                    if not future.done():
                        future.set_result(result)
        finally:
            # No await between seeing the queue empty and leaving: no submit can slip between.
            self._runners.discard(asyncio.current_task())  # type: ignore[arg-type]
