"""Reads a GPX, FIT or TCX activity file, gzipped or not, into the summary a challenge counts."""

import gzip
import hashlib
import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

import defusedxml.ElementTree

from bot.domain.kinds import ActivityKind


class TrackProblem(Enum):
    UNPACKED_TOO_BIG = "unpacked_too_big"  # a .gz that unpacks to more than the limit (zip bomb)
    NOT_A_TRACK = "not_a_track"  # not GPX, FIT or TCX, judged by content, never by file name
    CORRUPT = "corrupt"  # unreadable: truncated, bad CRC, malformed XML, any DTD or entity
    NO_POINTS = "no_points"  # no track points (e.g. a GPX with only waypoints or a route)
    NO_TIMES = "no_times"  # points without time stamps: neither the day nor a speed can be told


@dataclass(frozen=True)
class Unreadable:
    problem: TrackProblem
    format: str | None  # "gpx" | "fit" | "tcx" when recognised


@dataclass(frozen=True)
class Track:
    format: str  # "gpx" | "fit" | "tcx"
    sha256: str  # hex SHA-256 of the unpacked content: x.gpx and x.gpx.gz are the same file
    distance_m: int
    started_at: datetime  # aware, UTC
    ended_at: datetime  # aware, UTC, >= started_at
    moving_s: int  # timer time without pauses, > 0
    kind: ActivityKind | None  # None when the file names no sport or a generic one
    other_sport: str | None  # the file's sport when the challenge does not count it
    points: int

    @property
    def speed_kmh(self) -> Decimal:
        kmh = Decimal(self.distance_m) * Decimal("3.6") / Decimal(self.moving_s)
        return kmh.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


GZIP_MAGIC = b"\x1f\x8b"  # Strava's and Garmin's bulk exports: x.fit.gz
ZIP_MAGIC = b"PK\x03\x04"  # Garmin Connect's "Export Original": a zip holding the .fit
TRACK_SUFFIXES = (".fit", ".gpx", ".tcx")
SNIFF_BYTES = 4096
TCX_NAMESPACES = {"tcx": "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"}
TCX_LAPS = "tcx:Activities/tcx:Activity/tcx:Lap"
FIT_SEMICIRCLE_DEG = 180 / 2**31

# The root's local name, from the DTD when there is one (a DTD's entities may hold elements).
# Other declarations, comments and processing instructions start with ! or ?, and are skipped.
_ROOT_ELEMENT = re.compile(rb"<(?:!DOCTYPE\s+)?(?![!?])(?:[\w.-]+:)?([\w.-]+)")
_XML_ROOTS = {b"gpx": "gpx", b"TrainingCenterDatabase": "tcx"}

# Words a file may use for its sport, split at _, -, spaces and camel case ("EBikeRide").
_SPORT_WORDS = {
    ActivityKind.RUN: {"run", "running"},
    ActivityKind.WALK: {"walk", "walking", "hike", "hiking"},
    ActivityKind.CYCLE: {"ride", "cycling", "biking", "bike", "ebike"},
}
# Older Strava GPX exports give the sport as a number.
_STRAVA_NUMBERS = {
    "1": ActivityKind.CYCLE,
    "4": ActivityKind.WALK,
    "9": ActivityKind.RUN,
    "10": ActivityKind.WALK,
}
_GENERIC_SPORTS = {"", "generic", "other", "unknown"}


def read_track(content: bytes, max_unpacked_bytes: int) -> Track | Unreadable:
    """Never raises, whatever the bytes."""
    unpack = _gunzip if content.startswith(GZIP_MAGIC) else None
    unpack = _unzip if content.startswith(ZIP_MAGIC) else unpack
    if unpack is not None:
        try:
            unpacked = unpack(content, max_unpacked_bytes)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError):
            return Unreadable(TrackProblem.CORRUPT, None)
        if unpacked is None:
            return Unreadable(TrackProblem.UNPACKED_TOO_BIG, None)
        content = unpacked
    fmt = _format_of(content)
    if fmt is None:
        return Unreadable(TrackProblem.NOT_A_TRACK, None)
    try:
        return _READERS[fmt](content)
    # The parsers raise anything from their own errors to KeyError, TypeError and RecursionError.
    except Exception:
        return Unreadable(TrackProblem.CORRUPT, fmt)


def _gunzip(content: bytes, limit: int) -> bytes | None:
    """The unpacked bytes, or None past the limit: reading stops there, a bomb never unpacks."""
    with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
        unpacked = stream.read(limit + 1)
    return None if len(unpacked) > limit else unpacked


def _unzip(content: bytes, limit: int) -> bytes | None:
    """The one activity file in a zip (Garmin Connect's "Export Original"), or None past the
    limit; an archive without one is empty bytes, not a track."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [i for i in archive.infolist() if i.filename.lower().endswith(TRACK_SUFFIXES)]
        if not names:
            return b""
        with archive.open(names[0]) as stream:
            unpacked = stream.read(limit + 1)
    return None if len(unpacked) > limit else unpacked


def _format_of(content: bytes) -> str | None:
    if content[8:12] == b".FIT":
        return "fit"
    head = content[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip()
    root = _ROOT_ELEMENT.search(head) if head.startswith(b"<") else None
    return _XML_ROOTS.get(root.group(1)) if root else None


def _screened_xml(content: bytes | str) -> ET.Element:
    """The document's tree; raises on any DTD, so no entity is ever expanded or fetched."""
    # Entities can only be declared in a DTD, so once this passes it matters not which parser
    # reads the file next: gpxpy takes lxml over the standard library whenever lxml is installed.
    return defusedxml.ElementTree.fromstring(content, forbid_dtd=True)


def _read_gpx(content: bytes) -> Track | Unreadable:
    import gpxpy  # here, not at the top: most processes never read a file

    # gpxpy decodes as UTF-8 itself; screening that very text means both parsers see the same.
    text = content.decode("utf-8-sig")
    _screened_xml(text)
    gpx = gpxpy.parse(text)
    points = [p for track in gpx.tracks for segment in track.segments for p in segment.points]
    moving = gpx.get_moving_data().moving_time if points else 0.0
    sport = next((track.type for track in gpx.tracks if track.type), None)
    return _track(
        "gpx",
        content,
        distance=gpx.length_2d(),
        times=[p.time for p in points if p.time is not None],
        moving=moving,
        sport=sport,
        points=len(points),
    )


def _read_fit(content: bytes) -> Track | Unreadable:
    import fitdecode

    session = sport_message = None
    records: list[fitdecode.FitDataMessage] = []
    with fitdecode.FitReader(
        io.BytesIO(content),
        check_crc=fitdecode.CrcCheck.RAISE,
        error_handling=fitdecode.ErrorHandling.RAISE,
    ) as fit:
        for frame in fit:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            if frame.name == "record":
                records.append(frame)
            elif frame.name == "session" and session is None:
                session = frame
            elif frame.name == "sport" and sport_message is None:
                sport_message = frame

    def value(message: fitdecode.FitDataMessage | None, field: str) -> object:
        return message.get_value(field, fallback=None) if message else None

    distances = [d for r in records if (d := value(r, "distance")) is not None]
    positions = [
        (lat * FIT_SEMICIRCLE_DEG, lon * FIT_SEMICIRCLE_DEG)
        for r in records
        if (lat := value(r, "position_lat")) is not None
        and (lon := value(r, "position_long")) is not None
    ]
    # Below 0x10000000 a FIT time is relative to the device's power-up, not a date.
    times = [
        t
        for t in [value(session, "start_time"), *(value(r, "timestamp") for r in records)]
        if isinstance(t, datetime)
    ]
    return _track(
        "fit",
        content,
        distance=value(session, "total_distance")
        or (distances[-1] if distances else None)
        or _path_length(positions),
        times=times,
        moving=value(session, "total_timer_time") or 0.0,
        sport=value(session, "sport") or value(sport_message, "sport"),
        points=len(records),
    )


def _read_tcx(content: bytes) -> Track | Unreadable:
    from tcxreader.tcxreader import TCXReader

    # tcxreader parses with the standard library's ElementTree, as the screen does: same bytes,
    # same reading. It skips TotalTimeSeconds, so the timer time comes from the screened tree.
    tree = _screened_xml(content)
    # tcxreader fails on a track without a single time; to us that is a track that tells no day.
    if tree.find(f"{TCX_LAPS}/tcx:Track/tcx:Trackpoint/tcx:Time", TCX_NAMESPACES) is None:
        has_points = tree.find(f"{TCX_LAPS}/tcx:Track/tcx:Trackpoint", TCX_NAMESPACES) is not None
        return Unreadable(TrackProblem.NO_TIMES if has_points else TrackProblem.NO_POINTS, "tcx")
    exercise = TCXReader().read(io.BytesIO(_without_timeless_points(tree, content)), only_gps=False)
    points = exercise.trackpoints
    lap_times = tree.iterfind(f"{TCX_LAPS}/tcx:TotalTimeSeconds", TCX_NAMESPACES)
    distances = [p.distance for p in points if p.distance is not None]
    return _track(
        "tcx",
        content,
        distance=exercise.distance
        or (distances[-1] if distances else None)
        or _path_length((p.latitude, p.longitude) for p in points if p.longitude is not None),
        times=[p.time for p in points if p.time is not None],
        moving=sum(float(t.text) for t in lap_times if t.text),
        sport=exercise.activity_type,
        points=len(points),
    )


def _without_timeless_points(tree: ET.Element, content: bytes) -> bytes:
    """The TCX with its points that have no time left out: tcxreader prints to stdout about
    each one, and stdout is the console's chat."""
    timeless = [
        (track, point)
        for track in tree.iterfind(f"{TCX_LAPS}/tcx:Track", TCX_NAMESPACES)
        for point in track.iterfind("tcx:Trackpoint", TCX_NAMESPACES)
        if point.find("tcx:Time", TCX_NAMESPACES) is None
    ]
    if not timeless:
        return content
    for track, point in timeless:
        track.remove(point)
    return ET.tostring(tree, encoding="utf-8")


_READERS: dict[str, Callable[[bytes], Track | Unreadable]] = {
    "gpx": _read_gpx,
    "fit": _read_fit,
    "tcx": _read_tcx,
}


def _track(
    fmt: str,
    content: bytes,
    *,
    distance: float,
    times: list[datetime],
    moving: float,
    sport: object,
    points: int,
) -> Track | Unreadable:
    """The summary, with the elapsed time standing in for a moving time the file lacks."""
    if points == 0:
        return Unreadable(TrackProblem.NO_POINTS, fmt)
    if not times:
        return Unreadable(TrackProblem.NO_TIMES, fmt)
    utc = [_as_utc(t) for t in times]
    # min and max, not first and last: a clock that stepped back must not end before it began.
    started_at, ended_at = min(utc), max(utc)
    moving_s = round(moving or (ended_at - started_at).total_seconds())
    if moving_s <= 0:
        return Unreadable(TrackProblem.NO_TIMES, fmt)
    if not (math.isfinite(distance) and distance >= 0):
        return Unreadable(TrackProblem.CORRUPT, fmt)
    kind, other_sport = _kind_of(sport)
    return Track(
        format=fmt,
        sha256=hashlib.sha256(content).hexdigest(),
        distance_m=round(distance),
        started_at=started_at,
        ended_at=ended_at,
        moving_s=moving_s,
        kind=kind,
        other_sport=other_sport,
        points=points,
    )


def _kind_of(sport: object) -> tuple[ActivityKind | None, str | None]:
    """The kind the challenge counts, or else the file's own word for a sport it does not."""
    if not isinstance(sport, str):  # fitdecode gives a number for a sport its profile lacks
        return None, None
    word = sport.strip().lower()
    if word in _STRAVA_NUMBERS:
        return _STRAVA_NUMBERS[word], None
    if word in _GENERIC_SPORTS or word.isdigit():
        return None, None
    parts = set(re.split(r"[\W_]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", sport.strip()).lower()))
    for kind, words in _SPORT_WORDS.items():
        if parts & words:
            return kind, None
    return None, word


def _as_utc(time: datetime) -> datetime:
    # GPX and TCX times written without a zone are UTC by those formats' definitions.
    return time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)


def _path_length(positions: Iterable[tuple[float, float]]) -> float:
    import gpxpy.geo

    points = list(positions)
    return sum(
        gpxpy.geo.haversine_distance(lat1, lon1, lat2, lon2)
        for (lat1, lon1), (lat2, lon2) in zip(points, points[1:], strict=False)
    )
