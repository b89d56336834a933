"""Requests that arrive while a batch is being written wait and are written together next:
one transaction and one commit for many, instead of one each."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Batcher(Generic[Item, Result]):
    """Awaits `write` on up to `most` items at a time, taken in the order they were
    submitted, with up to `parallel` batches being written at once; `write` returns one
    result per item."""

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

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((item, future))
        if len(self._runners) < self._parallel:
            runner = loop.create_task(self._run())
            self._runners.add(runner)
            runner.add_done_callback(self._runners.discard)
        return await future

    async def _run(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._most]
            del self._waiting[: self._most]
            try:
                results = await self._write([item for item, _ in batch])
            except BaseException as error:
                # Nothing waits forever, not even behind a bug.
                for _, future in [*batch, *self._waiting]:
                    if not future.done():
                        future.set_exception(error)
                self._waiting.clear()
                raise
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
