"""Stopwatches around functions, percentiles, and a process's resident memory."""

import math
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any


@dataclass
class Stopwatch:
    """Seconds per call of the functions it wraps (the calls may run in worker threads)."""

    samples: list[float] = field(default_factory=list)

    def wrap_async(self, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @wraps(function)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.samples.append(time.perf_counter() - started)

        return timed

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.samples.append(time.perf_counter() - started)

        return timed

    def take(self) -> list[float]:
        """The samples so far; the stopwatch starts again from none."""
        samples, self.samples = self.samples, []
        return samples


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest rank: the smallest sample with at least `fraction` of all samples at or below."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def memory_mb(pid: int | str = "self") -> tuple[float, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def cpu_s(pid: int | str = "self") -> float:
    """CPU time a process has used, user and system, in seconds, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_s() -> float:
    """CPU time of every PostgreSQL server process on this machine, in seconds."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                total += cpu_s(comm.parent.name)
        except OSError:  # gone meanwhile
            continue
    return total
