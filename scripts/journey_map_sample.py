"""Write a sample journey map, a European loop part-way round, to a PNG to look at.

    python scripts/journey_map_sample.py OUT.png

Prints the time of the first map and of the next ones for the same route (median of 5).
"""

import statistics
import sys
import time
from pathlib import Path

from bot.domain.journey import Stop
from bot.journey_map import journey_map_png

EUROPE = (
    Stop("London", 51.507, -0.128),
    Stop("Paris", 48.857, 2.352),
    Stop("Brussels", 50.847, 4.357),
    Stop("Amsterdam", 52.370, 4.895),
    Stop("Berlin", 52.520, 13.405),
    Stop("Prague", 50.075, 14.438),
    Stop("Vienna", 48.208, 16.373),
    Stop("Budapest", 47.498, 19.040),
    Stop("Zagreb", 45.815, 15.982),
    Stop("Venice", 45.441, 12.316),
    Stop("Rome", 41.903, 12.496),
    Stop("Zurich", 47.377, 8.541),
    Stop("Lyon", 45.764, 4.836),
    Stop("Barcelona", 41.385, 2.173),
    Stop("Madrid", 40.417, -3.704),
    Stop("Bordeaux", 44.838, -0.579),
)


def sample() -> bytes:
    # Between Prague and Vienna: Vienna is next.
    return journey_map_png(
        "Summer Challenge 2025: the journey",
        EUROPE,
        loop=True,
        position=(49.3, 15.3),
        next_stop=6,
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
