"""The journey's map: the route over coasts and borders, where the company is now, as a PNG."""

import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from types import ModuleType
from typing import Any

import numpy as np

from bot.domain.journey import Stop

WIDTH_PX, HEIGHT_PX, DPI = 1200, 900, 120
HEADER_PX = 112  # title and caption above the map
MAP_W, MAP_H = WIDTH_PX, HEIGHT_PX - HEADER_PX
MARGIN = 0.08  # of the route's span, on each side
MIN_SPAN_M = 400_000  # so that two stops close together still show their surroundings
SMALL_MAP_DEG = 15  # of longitude: narrower maps get the finer coastlines
STEP_DEG = 0.5  # great-circle points: smooth at any zoom a route of stops needs

LAND, SEA, COAST, BORDER = "#ece6d6", "#ffffff", "#8f8f8f", "#b3b3b3"
TRAVELLED, AHEAD, INK, NEXT, HERE = "#2a9d8f", "#6c757d", "#343a40", "#e76f51", "#1d3557"
LABEL_PX = 14 * DPI / 72  # a label's font size in pixels, for the offsets below


@dataclass(frozen=True)
class _Background:
    """One route's projection and its land, sea, coasts and borders, drawn once."""

    basemap: Any
    pixels: np.ndarray


@cache
def _libraries() -> tuple[ModuleType, Any]:
    """pyplot and Basemap, loaded at the first map: they take a while and tens of MB."""
    import matplotlib

    matplotlib.use("Agg")  # no screen on servers
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        # basemap's compiled part was built against older numpy headers; harmless, and said
        # on every start.
        warnings.filterwarnings("ignore", "numpy.ndarray size changed", RuntimeWarning)
        from mpl_toolkits.basemap import Basemap

    # Stop names are user text: never read "$...$" in them as mathematics.
    plt.rcParams["text.parse_math"] = False
    return plt, Basemap


def _unit(lat: float, lon: float) -> np.ndarray:
    phi, lam = math.radians(lat), math.radians(lon)
    return np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])


def _great_circle(start: tuple[float, float], end: tuple[float, float]) -> np.ndarray:
    """(lat, lon) rows along the shorter great circle from start to end, ends included."""
    a, b = _unit(*start), _unit(*end)
    angle = math.acos(max(-1.0, min(1.0, float(a @ b))))
    steps = max(1, math.ceil(math.degrees(angle) / STEP_DEG))
    t = np.linspace(0.0, 1.0, steps + 1)[:, None]
    if angle < 1e-9:
        points = np.repeat(a[None, :], len(t), axis=0)
    else:  # slerp; antipodal ends have no single great circle, and any one drawn will do
        points = (np.sin((1 - t) * angle) * a + np.sin(t * angle) * b) / math.sin(angle)
    # Angles from ratios, so that a point's length, off 1 by rounding, does not matter.
    lat = np.degrees(np.arctan2(points[:, 2], np.hypot(points[:, 0], points[:, 1])))
    lon = np.degrees(np.arctan2(points[:, 1], points[:, 0]))
    return np.column_stack([lat, lon])


def _legs(stops: Sequence[Stop], loop: bool) -> list[tuple[Stop, Stop]]:
    pairs = list(zip(stops, stops[1:], strict=False))
    return pairs + [(stops[-1], stops[0])] if loop and len(stops) > 2 else pairs


def _projection(stops: tuple[Stop, ...]) -> dict[str, Any]:
    """Conformal, centred on the route: Lambert's cone, Mercator near the equator."""
    lon_0 = math.degrees(
        math.atan2(
            sum(math.sin(math.radians(s.lon)) for s in stops),
            sum(math.cos(math.radians(s.lon)) for s in stops),
        )
    )
    lat_0 = max(-75.0, min(75.0, sum(s.lat for s in stops) / len(stops)))
    if abs(lat_0) < 20:
        return {"projection": "merc", "lon_0": lon_0, "lat_ts": lat_0}
    return {"projection": "lcc", "lon_0": lon_0, "lat_0": lat_0, "lat_1": lat_0, "lat_2": lat_0}


def _extent(basemap: Any, route: np.ndarray, widest: float) -> tuple[float, float, float, float]:
    """The route's box plus a margin, widened to the map's shape: x0, y0, x1, y1 in metres.

    No wider than widest, past which a route round the world would wrap into nonsense."""
    x, y = basemap(route[:, 1], route[:, 0])
    cx, cy = (np.min(x) + np.max(x)) / 2, (np.min(y) + np.max(y)) / 2
    w = max(np.ptp(x) * (1 + 2 * MARGIN), MIN_SPAN_M)
    h = max(np.ptp(y) * (1 + 2 * MARGIN), MIN_SPAN_M)
    w = min(max(w, h * MAP_W / MAP_H), widest)
    h = w * MAP_H / MAP_W
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _corners(stops: tuple[Stop, ...], loop: bool) -> dict[str, Any]:
    """Basemap's arguments for the route's map, corners found in the projection itself."""
    _plt, Basemap = _libraries()
    projection = _projection(stops)
    # Mercator wants corners up front; any that keep clear of the poles will do to measure.
    probe = Basemap(**projection, llcrnrlat=-80, urcrnrlat=80, llcrnrlon=-180, urcrnrlon=180)
    route = np.vstack(
        [_great_circle((a.lat, a.lon), (b.lat, b.lon)) for a, b in _legs(stops, loop)]
    )
    # Mercator's strip is the world's width; Lambert's cone has no such edge to keep within.
    merc = projection["projection"] == "merc"
    widest = 0.999 * (probe.urcrnrx - probe.llcrnrx) if merc else math.inf
    x0, y0, x1, y1 = _extent(probe, route, widest)
    (lon0, lon1), (lat0, lat1) = probe(np.array([x0, x1]), np.array([y0, y1]), inverse=True)
    lon1 = lon0 + (lon1 - lon0) % 360 or lon0 + 360  # east of the west corner, across 180°
    lat0, lat1 = max(lat0, -85.0), min(lat1, 85.0)
    return {
        **projection,
        "llcrnrlon": lon0,
        "llcrnrlat": lat0,
        "urcrnrlon": lon1,
        "urcrnrlat": lat1,
    }


@lru_cache(maxsize=4)
def _background(stops: tuple[Stop, ...], loop: bool) -> _Background:
    """The costly part, once per route: reading the coastlines and drawing them."""
    plt, Basemap = _libraries()
    corners = _corners(stops, loop)
    # Intermediate coasts take a second more to read: only where the crude ones would show.
    small = corners["urcrnrlon"] - corners["llcrnrlon"] < SMALL_MAP_DEG
    basemap = Basemap(
        **corners, resolution="i" if small else "l", area_thresh=100 if small else 1000
    )
    figure = plt.figure(figsize=(MAP_W / DPI, MAP_H / DPI), dpi=DPI)
    try:
        axes = figure.add_axes((0, 0, 1, 1))
        basemap.drawmapboundary(fill_color=SEA, linewidth=0, ax=axes)
        basemap.fillcontinents(color=LAND, lake_color=SEA, ax=axes)
        basemap.drawcoastlines(linewidth=0.5, color=COAST, ax=axes)
        basemap.drawcountries(linewidth=0.5, color=BORDER, ax=axes)
        figure.canvas.draw()
        pixels = np.array(figure.canvas.buffer_rgba())
    finally:
        plt.close(figure)
    pixels.flags.writeable = False  # shared by every map of this route
    return _Background(basemap, pixels)


def _split(
    stops: Sequence[Stop], loop: bool, position: tuple[float, float], next_stop: int | None
) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """Travelled and ahead parts, as (lat, lon) arrays; and how many stops are behind.

    next_stop k means the company is on the leg that ends at stop k: 0 is the closing leg
    of a loop (or, on a line, not yet started); None, a line fully travelled."""
    legs = _legs(stops, loop)
    here = len(legs) if next_stop is None else (next_stop - 1) % len(stops)
    if next_stop == 0 and not loop:
        here = -1
    done = [_great_circle((a.lat, a.lon), (b.lat, b.lon)) for a, b in legs[: max(here, 0)]]
    ahead = [_great_circle((a.lat, a.lon), (b.lat, b.lon)) for a, b in legs[here + 1 :]]
    if 0 <= here < len(legs):
        a, b = legs[here]
        done.append(_great_circle((a.lat, a.lon), position))
        ahead.insert(0, _great_circle(position, (b.lat, b.lon)))
    return done, ahead, max(here + 1, 0)


# Where a label may sit around its dot: (dx, dy) in pixels and its alignment, best first.
_PLACES = [
    (11, 0, "left", "center"),
    (-11, 0, "right", "center"),
    (0, 10, "center", "bottom"),
    (0, -10, "center", "top"),
    (7, 7, "left", "bottom"),
    (7, -7, "left", "top"),
    (-7, 7, "right", "bottom"),
    (-7, -7, "right", "top"),
]


def _box(x: float, y: float, w: float, h: float, place: tuple) -> tuple[float, float, float, float]:
    dx, dy, ha, va = place
    left = x + dx - {"left": 0, "center": w / 2, "right": w}[ha]
    bottom = y + dy - {"bottom": 0, "center": h / 2, "top": h}[va]
    return left, bottom, left + w, bottom + h


def _overlap(a: tuple, b: tuple) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _cost(box: tuple, obstacles: list[tuple], line: np.ndarray) -> float:
    """How badly a label's box reads: off the map, over other labels and dots, over the route."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    outside = area - _overlap(box, (4, 4, MAP_W - 4, MAP_H - 4))
    crowd = sum(_overlap(box, other) for other in obstacles)
    across = (line[:, 0] > box[0]) & (line[:, 0] < box[2])
    crossed = np.count_nonzero(across & (line[:, 1] > box[1]) & (line[:, 1] < box[3]))
    return 50 * outside + 20 * crowd + 30 * crossed


def _place_labels(
    dots: np.ndarray, sizes: list[tuple[float, float]], line: np.ndarray, order: list[int]
) -> dict[int, tuple]:
    """Greedy: each label where it covers the least, the earlier places winning ties."""
    obstacles = [(x - 6, y - 6, x + 6, y + 6) for x, y in dots]
    chosen: dict[int, tuple] = {}
    for i in order:
        (x, y), (w, h) = dots[i], sizes[i]
        boxes = [_box(x, y, w, h, place) for place in _PLACES]
        best = min(range(len(_PLACES)), key=lambda k: _cost(boxes[k], obstacles, line) + k)
        chosen[i] = _PLACES[best]
        obstacles.append(boxes[best])
    return chosen


def _pixels(basemap: Any, points: np.ndarray) -> np.ndarray:
    x, y = basemap(points[:, 1], points[:, 0])
    px = (np.asarray(x) - basemap.llcrnrx) / (basemap.urcrnrx - basemap.llcrnrx) * MAP_W
    py = (np.asarray(y) - basemap.llcrnry) / (basemap.urcrnry - basemap.llcrnry) * MAP_H
    return np.column_stack([px, py])


def _draw_route(axes: Any, basemap: Any, done: list, ahead: list) -> np.ndarray:
    """The legs in map pixels; returns their points, which labels keep off."""
    ahead_px = [_pixels(basemap, part) for part in ahead]
    done_px = [_pixels(basemap, part) for part in done]
    for part in ahead_px:
        axes.plot(part[:, 0], part[:, 1], color=AHEAD, lw=2.2, ls=(0, (5, 4)), zorder=2)
    for part in done_px:
        axes.plot(part[:, 0], part[:, 1], color=TRAVELLED, lw=5, solid_capstyle="round", zorder=3)
    return np.vstack(ahead_px + done_px)


def _draw_stops(
    axes: Any,
    stops: Sequence[Stop],
    dots: np.ndarray,
    line: np.ndarray,
    behind: int,
    next_stop: int | None,
) -> None:
    """Every stop a dot with its name, those passed this lap filled, the next one larger."""
    renderer = axes.figure.canvas.get_renderer()
    first = {}  # a stop met twice (there and back) is labelled once
    for i, stop in enumerate(stops):
        first.setdefault((stop.name, stop.lat, stop.lon), i)
    labelled = sorted(first.values(), key=lambda i: (i != next_stop, i))
    weights = ["bold" if i == next_stop else "normal" for i in range(len(stops))]
    sizes = [
        renderer.get_text_width_height_descent(stop.name, _font(weights[i]), ismath=False)[:2]
        for i, stop in enumerate(stops)
    ]
    places = _place_labels(dots, [(w + 4, h + 2) for w, h in sizes], line, labelled)
    for i, (x, y) in enumerate(dots):
        passed = i < behind or i == 0
        face = NEXT if i == next_stop else TRAVELLED if passed else "white"
        size = 14 if i == next_stop else 9
        axes.plot(x, y, "o", ms=size, mfc=face, mec=INK, mew=1.4, zorder=4)
    for i, (dx, dy, ha, va) in places.items():
        axes.annotate(
            stops[i].name,
            dots[i],
            xytext=(dx, dy),
            textcoords="offset pixels",
            ha=ha,
            va=va,
            fontproperties=_font(weights[i]),
            color=NEXT if i == next_stop else INK,
            path_effects=[_halo()],
            zorder=6,
        )


def _font(weight: str) -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=14 if weight == "normal" else 15, weight=weight)


def _halo() -> Any:
    """White outline, so that names stay legible over coasts and lines."""
    from matplotlib.patheffects import withStroke

    return withStroke(linewidth=3.5, foreground="white")


def journey_map_png(
    title: str,
    stops: Sequence[Stop],
    loop: bool,
    position: tuple[float, float],
    next_stop: int | None,
    caption: str,
) -> bytes:
    """The route on a map of its region, the part travelled this lap in colour, as a PNG.

    With loop the last leg returns to the first stop; position is (lat, lon) on the route;
    next_stop indexes stops, None when a line (not a loop) is done."""
    plt, _Basemap = _libraries()
    background = _background(tuple(stops), loop)
    done, ahead, behind = _split(stops, loop, position, next_stop)
    figure = plt.figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    try:
        axes = figure.add_axes((0, 0, 1, MAP_H / HEIGHT_PX))
        axes.set_axis_off()
        axes.imshow(background.pixels, extent=(0, MAP_W, 0, MAP_H), interpolation="none")
        line = _draw_route(axes, background.basemap, done, ahead)
        # One call for the stops and where the company is: pyproj wants no array of one.
        points = np.array([(s.lat, s.lon) for s in stops] + [position])
        pixels = _pixels(background.basemap, points)
        _draw_stops(axes, stops, pixels[:-1], line, behind, next_stop)
        axes.plot(*pixels[-1], "*", ms=30, mfc=HERE, mec="white", mew=2, zorder=5)
        axes.set_xlim(0, MAP_W)
        axes.set_ylim(0, MAP_H)
        figure.text(0.02, 1 - 14 / HEIGHT_PX, title, fontsize=22, weight="bold", va="top")
        figure.text(0.02, 1 - 62 / HEIGHT_PX, caption, fontsize=16, color=INK, va="top")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(figure)
