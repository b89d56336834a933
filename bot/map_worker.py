"""The journey's map is drawn in a process of its own: basemap, its coastlines and numpy take
over 100 MB, which the bot's process (held to 200 MB) must not carry. One worker, started at
the first map, keeps each route's drawn background from one map to the next."""

import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

# The first map starts the worker and draws the route's background: a few seconds at most.
DEADLINE_S = 60

_starting = threading.Lock()
_worker: ProcessPoolExecutor | None = None


def draw(*arguments: Any) -> bytes:
    """`journey_map.journey_map_png(*arguments)`, drawn in the worker; raises TimeoutError
    past the deadline."""
    future = _the_worker().submit(_draw, *arguments)
    try:
        return future.result(timeout=DEADLINE_S)
    except BrokenProcessPool:
        _forget_worker()  # it died (killed, out of memory): the next map starts another
        raise


def _draw(*arguments: Any) -> bytes:
    from bot import journey_map  # in the worker only

    return journey_map.journey_map_png(*arguments)


def _the_worker() -> ProcessPoolExecutor:
    global _worker
    with _starting:
        if _worker is None:
            # Spawned, not forked: the bot's process has threads and an event loop.
            _worker = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        return _worker


def _forget_worker() -> None:
    global _worker
    with _starting:
        worker, _worker = _worker, None
    if worker is not None:
        worker.shutdown(wait=False, cancel_futures=True)
