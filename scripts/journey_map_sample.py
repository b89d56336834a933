"""Write a sample journey map, a European loop part-way round, to a PNG to look at.

    python scripts/journey_map_sample.py OUT.png

Prints the time of the first map and of the next ones for the same route (median of 5).
"""

import statistics
import sys
import time
from pathlib import Path

from bot.config import DEFAULT_JOURNEY
from bot.journey_map import journey_map_png

EUROPE = DEFAULT_JOURNEY.route.stops  # the route config.toml ships
VIENNA = next(i for i, stop in enumerate(EUROPE) if stop.name == "Vienna")


def sample() -> bytes:
    # Between Prague and Vienna: Vienna is next.
    return journey_map_png(
        "Summer Challenge 2025: the journey",
        EUROPE,
        loop=True,
        position=(49.3, 15.3),
        next_stop=VIENNA,
        caption="1,612 km · next: Vienna in 128 km",
    )


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    start = time.perf_counter()
    png = sample()
    first = time.perf_counter() - start
    again = []
    for _ in range(5):
        start = time.perf_counter()
        sample()
        again.append(time.perf_counter() - start)
    Path(sys.argv[1]).write_bytes(png)
    print(f"first {first:.3f} s, then {statistics.median(again):.3f} s; {len(png):,} bytes")


if __name__ == "__main__":
    main()
