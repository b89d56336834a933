"""Builders of real GPX, FIT and TCX files, each along a line of known length."""

import gzip
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import gpxpy.gpx
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import Event, EventType, FileType, Manufacturer, Sport

EARTH_RADIUS_M = 6371008.8
START = datetime(2026, 7, 3, 6, 30, tzinfo=UTC)
TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"

Point = tuple[float, float, datetime]


def along_meridian(km: float, points: int, start: datetime, minutes: float) -> list[Point]:
    """Points heading north from 51.0, 0.0, evenly spaced in distance and time."""
    span_deg = math.degrees(km * 1000 / EARTH_RADIUS_M)
    steps = max(points - 1, 1)
    return [
        (51.0 + span_deg * i / steps, 0.0, start + timedelta(minutes=minutes * i / steps))
        for i in range(points)
    ]


def track_length_m(points: list[Point]) -> float:
    """Haversine length, independent of the parsers under test."""
    total = 0.0
    for (lat1, lon1, _), (lat2, lon2, _) in zip(points, points[1:], strict=False):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        a = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        )
        total += 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
    return total


def gpx_file(
    km: float = 5.0,
    sport: str | None = "running",
    start: datetime = START,
    minutes: float = 30.0,
    points: int = 300,
    times: bool = True,
) -> bytes:
    """A GPX as Strava exports it: one track with a <type>, one segment."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "StravaGPX"
    track = gpxpy.gpx.GPXTrack(name="Morning Run")
    track.type = sport
    segment = gpxpy.gpx.GPXTrackSegment()
    for lat, lon, time in along_meridian(km, points, start, minutes):
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=12.0, time=time if times else None)
        )
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml().encode()


def fit_file(
    km: float = 20.0,
    sport: str = "cycling",
    start: datetime = START,
    minutes: float = 60.0,
    points: int = 300,
) -> bytes:
    """A FIT as a Garmin watch writes it: file id, timer events, records, a lap, a session."""
    track = along_meridian(km, points, start, minutes)
    start_ms = round(start.timestamp() * 1000)
    end_ms = round(track[-1][2].timestamp() * 1000)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)

    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.GARMIN.value
    file_id.product = 3113
    file_id.serial_number = 0x12345678
    file_id.time_created = start_ms
    builder.add(file_id)
    builder.add(_timer_event(EventType.START, start_ms))

    steps = max(points - 1, 1)
    for i, (lat, lon, time) in enumerate(track):
        record = RecordMessage()
        record.timestamp = round(time.timestamp() * 1000)
        record.position_lat = lat
        record.position_long = lon
        record.distance = km * 1000 * i / steps
        builder.add(record)
    builder.add(_timer_event(EventType.STOP_ALL, end_ms))

    for summary in (LapMessage(), SessionMessage()):
        summary.timestamp = end_ms
        summary.start_time = start_ms
        summary.total_elapsed_time = minutes * 60
        summary.total_timer_time = minutes * 60
        summary.total_distance = km * 1000
        summary.sport = Sport[sport.upper()]
        builder.add(summary)
    return builder.build().to_bytes()


def _timer_event(kind: EventType, at_ms: int) -> EventMessage:
    event = EventMessage()
    event.event = Event.TIMER
    event.event_type = kind
    event.timestamp = at_ms
    return event


def tcx_file(
    km: float = 8.0,
    sport: str = "Running",
    start: datetime = START,
    minutes: float = 45.0,
    points: int = 300,
) -> bytes:
    """A TCX as Garmin Connect exports it: one activity, one lap, cumulative distances."""

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{TCX_NS}}}{tag}", attrib)
        element.text = text
        return element

    def stamp(time: datetime) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    root = ET.Element(f"{{{TCX_NS}}}TrainingCenterDatabase")
    activity = sub(sub(root, "Activities"), "Activity", Sport=sport)
    sub(activity, "Id", stamp(start))
    lap = sub(activity, "Lap", StartTime=stamp(start))
    sub(lap, "TotalTimeSeconds", f"{minutes * 60:.1f}")
    sub(lap, "DistanceMeters", f"{km * 1000:.1f}")
    sub(lap, "Intensity", "Active")
    sub(lap, "TriggerMethod", "Manual")
    track = sub(lap, "Track")
    steps = max(points - 1, 1)
    for i, (lat, lon, time) in enumerate(along_meridian(km, points, start, minutes)):
        point = sub(track, "Trackpoint")
        sub(point, "Time", stamp(time))
        position = sub(point, "Position")
        sub(position, "LatitudeDegrees", repr(lat))
        sub(position, "LongitudeDegrees", repr(lon))
        sub(point, "DistanceMeters", f"{km * 1000 * i / steps:.1f}")
    ET.register_namespace("", TCX_NS)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def gzipped(content: bytes) -> bytes:
    return gzip.compress(content)
