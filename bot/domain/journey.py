"""The shared journey: the season's km as a place on a route of named stops, lap after lap."""

import math
from dataclasses import dataclass
from functools import cached_property

EARTH_RADIUS_M = 6_371_008.8  # the mean radius: great-circle legs, as a map measures them


@dataclass(frozen=True)
class Stop:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Place:
    """Where `total_m` puts the challenge on its route."""

    lap: int  # 1 on the first time round
    passed: int  # the index of the stop passed last (0: the start)
    next: int | None  # the index of the next stop; None once a route that is no loop is done
    to_next_m: int  # how far the next stop is; 0 when there is none
    position: tuple[float, float]  # (lat, lon)
    arrivals: int  # every stop reached so far, laps included; the start is not one


@dataclass(frozen=True)
class Route:
    """Stops in order; with `loop` the last leg leads back to the first stop."""

    stops: tuple[Stop, ...]
    loop: bool

    @cached_property
    def legs_m(self) -> tuple[int, ...]:
        """Each leg's great-circle length in whole metres, the closing one included in a loop."""
        ends = list(zip(self.stops, self.stops[1:], strict=False))
        if self.loop:
            ends.append((self.stops[-1], self.stops[0]))
        return tuple(round(_distance_m(a, b)) for a, b in ends)

    @cached_property
    def length_m(self) -> int:
        """One lap."""
        return sum(self.legs_m)

    def place(self, total_m: int) -> Place:
        length = self.length_m
        if length == 0:
            return Place(1, 0, None, 0, (self.stops[0].lat, self.stops[0].lon), 0)
        if not self.loop and total_m >= length:
            last = len(self.stops) - 1
            end = self.stops[last]
            return Place(1, last, None, 0, (end.lat, end.lon), last)
        laps, into_lap = divmod(max(total_m, 0), length)
        leg, into_leg = self._leg_at(into_lap)
        stops = len(self.stops)
        start, end = self.stops[leg], self.stops[(leg + 1) % stops]
        fraction = into_leg / self.legs_m[leg] if self.legs_m[leg] else 0.0
        return Place(
            lap=laps + 1,
            passed=leg,
            next=(leg + 1) % stops,
            to_next_m=self.legs_m[leg] - into_leg,
            position=_between(start, end, fraction),
            arrivals=laps * len(self.legs_m) + leg,
        )

    def arrival_stop(self, arrival: int) -> Stop:
        """The stop reached at the `arrival`-th arrival (1 is the first stop after the start)."""
        return self.stops[arrival % len(self.stops)] if self.loop else self.stops[arrival]

    def _leg_at(self, into_lap_m: int) -> tuple[int, int]:
        """The leg `into_lap_m` metres of a lap fall in, and how far into it."""
        for index, leg_m in enumerate(self.legs_m):
            if into_lap_m < leg_m:
                return index, into_lap_m
            into_lap_m -= leg_m
        return len(self.legs_m) - 1, self.legs_m[-1]


def _distance_m(a: Stop, b: Stop) -> float:
    """The haversine great-circle distance."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    half_chord = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(half_chord)))


def _between(a: Stop, b: Stop, fraction: float) -> tuple[float, float]:
    """The point `fraction` of the way from a to b along the great circle (spherical
    interpolation of the two unit vectors)."""
    va, vb = _unit(a.lat, a.lon), _unit(b.lat, b.lon)
    angle = math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(va, vb, strict=True)))))
    if angle < 1e-12:
        return a.lat, a.lon
    wa = math.sin((1 - fraction) * angle) / math.sin(angle)
    wb = math.sin(fraction * angle) / math.sin(angle)
    x, y, z = (wa * p + wb * q for p, q in zip(va, vb, strict=True))
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)
