"""Write a sample journey map, a European loop part-way round, to a PNG to look at.

    python scripts/journey_map_sample.py OUT.png

Prints the time of the first map and of the next ones for the same route (median of 5).
"""

import statistics
import sys
import time
from pathlib import Path

from bot.journey_map import MapStop, journey_map_png

EUROPE = (
    MapStop("London", 51.507, -0.128),
    MapStop("Paris", 48.857, 2.352),
    MapStop("Brussels", 50.847, 4.357),
    MapStop("Amsterdam", 52.370, 4.895),
    MapStop("Berlin", 52.520, 13.405),
    MapStop("Prague", 50.075, 14.438),
    MapStop("Vienna", 48.208, 16.373),
    MapStop("Budapest", 47.498, 19.040),
    MapStop("Zagreb", 45.815, 15.982),
    MapStop("Venice", 45.441, 12.316),
    MapStop("Rome", 41.903, 12.496),
    MapStop("Zurich", 47.377, 8.541),
    MapStop("Lyon", 45.764, 4.836),
    MapStop("Barcelona", 41.385, 2.173),
    MapStop("Madrid", 40.417, -3.704),
    MapStop("Bordeaux", 44.838, -0.579),
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
