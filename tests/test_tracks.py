"""Reading activity files: what a participant who sends one sees counted, and what is refused."""

import hashlib
import io
import re
import time
import zipfile
import zlib
from datetime import timedelta, timezone
from decimal import Decimal

import gpxpy
import gpxpy.gpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.kinds import ActivityKind
from bot.domain.tracks import Track, TrackProblem, Unreadable, read_track
from tests.track_files import (
    START,
    along_meridian,
    fit_file,
    gpx_file,
    gzipped,
    tcx_file,
    track_length_m,
)

LIMIT = 50 * 1024 * 1024


def read(content: bytes) -> Track:
    track = read_track(content, LIMIT)
    assert isinstance(track, Track), track
    return track


def refused(content: bytes) -> Unreadable:
    result = read_track(content, LIMIT)
    assert isinstance(result, Unreadable), result
    return result


WATCH_FILES = [
    pytest.param("gpx", gpx_file, 5.0, 30.0, ActivityKind.RUN, Decimal("10.0"), id="strava-gpx"),
    pytest.param("fit", fit_file, 20.0, 60.0, ActivityKind.CYCLE, Decimal("20.0"), id="garmin-fit"),
    pytest.param("tcx", tcx_file, 8.0, 45.0, ActivityKind.RUN, Decimal("10.7"), id="garmin-tcx"),
]


@pytest.mark.parametrize(("fmt", "build", "km", "minutes", "kind", "speed"), WATCH_FILES)
def test_a_watch_file_counts_its_distance_day_time_and_sport(fmt, build, km, minutes, kind, speed):
    track = read(build(km=km, minutes=minutes))

    expected_m = track_length_m(along_meridian(km, 300, START, minutes))
    assert track.format == fmt
    assert track.distance_m == pytest.approx(expected_m, rel=0.01)
    assert track.started_at == START
    assert track.started_at.utcoffset() == timedelta(0)
    assert track.ended_at == START + timedelta(minutes=minutes)
    assert track.moving_s == pytest.approx(minutes * 60, abs=10)
    assert track.kind is kind
    assert track.other_sport is None
    assert track.points == 300
    assert track.speed_kmh == speed


@pytest.mark.parametrize(("fmt", "build", "km", "minutes", "kind", "speed"), WATCH_FILES)
def test_a_gzipped_file_counts_the_same_and_is_the_same_file(fmt, build, km, minutes, kind, speed):
    content = build(km=km, minutes=minutes)

    assert read(gzipped(content)) == read(content)


def test_the_same_route_in_another_file_is_another_file():
    assert read(gpx_file(km=5.0)).sha256 != read(gpx_file(km=5.1)).sha256


def test_a_gpx_that_names_no_sport_leaves_the_kind_to_the_participant():
    track = read(gpx_file(sport=None))

    assert (track.kind, track.other_sport) == (None, None)


@pytest.mark.parametrize(
    ("sport", "kind"),
    [
        ("running", ActivityKind.RUN),
        ("trail_running", ActivityKind.RUN),
        ("treadmill_running", ActivityKind.RUN),
        ("walking", ActivityKind.WALK),
        ("hiking", ActivityKind.WALK),
        ("cycling", ActivityKind.CYCLE),
        ("road_biking", ActivityKind.CYCLE),
        ("mountain_biking", ActivityKind.CYCLE),
        ("gravel_cycling", ActivityKind.CYCLE),
        ("EBikeRide", ActivityKind.CYCLE),
        ("1", ActivityKind.CYCLE),
        ("4", ActivityKind.WALK),
        ("9", ActivityKind.RUN),
        ("10", ActivityKind.WALK),
    ],
)
def test_strava_and_garmin_sport_words_and_numbers_in_a_gpx_give_the_kind(sport, kind):
    track = read(gpx_file(sport=sport))

    assert (track.kind, track.other_sport) == (kind, None)


@pytest.mark.parametrize(
    ("sport", "kind", "other"),
    [
        ("running", ActivityKind.RUN, None),
        ("walking", ActivityKind.WALK, None),
        ("hiking", ActivityKind.WALK, None),
        ("e_biking", ActivityKind.CYCLE, None),
        ("generic", None, None),
        ("swimming", None, "swimming"),
        ("rowing", None, "rowing"),
        ("motorcycling", None, "motorcycling"),
    ],
)
def test_a_fit_sport_gives_the_kind_or_names_a_sport_the_challenge_does_not_count(
    sport, kind, other
):
    track = read(fit_file(sport=sport))

    assert (track.kind, track.other_sport) == (kind, other)


@pytest.mark.parametrize(
    ("sport", "kind", "other"),
    [("Biking", ActivityKind.CYCLE, None), ("Other", None, None), ("Swimming", None, "swimming")],
)
def test_a_tcx_sport_gives_the_kind(sport, kind, other):
    track = read(tcx_file(sport=sport))

    assert (track.kind, track.other_sport) == (kind, other)


def test_gpx_times_without_a_zone_are_utc_and_offsets_are_converted():
    unzoned = gpx_file(minutes=30.0).decode().replace("Z</time>", "</time>")
    two_hours_ahead = gpx_file(start=START.astimezone(timezone(timedelta(hours=2))))
    assert b"T08:30:00+02:00</time>" in two_hours_ahead

    assert read(unzoned.encode()).started_at == START
    assert read(unzoned.encode()).ended_at == START + timedelta(minutes=30)
    assert read(two_hours_ahead).started_at == START


def test_a_tcx_without_lap_distances_falls_back_on_its_points():
    content = tcx_file(km=8.0).decode()
    no_lap_distance = re.sub(
        r"(</TotalTimeSeconds>)<DistanceMeters>[^<]*</DistanceMeters>", r"\1", content
    )
    positions_only = re.sub(r"<DistanceMeters>[^<]*</DistanceMeters>", "", content)

    assert read(no_lap_distance.encode()).distance_m == 8000
    assert read(positions_only.encode()).distance_m == pytest.approx(8000, rel=0.01)


def test_a_tcx_without_lap_times_counts_the_time_between_first_and_last_point():
    content = tcx_file(minutes=45.0).decode()

    track = read(re.sub(r"<TotalTimeSeconds>[^<]*</TotalTimeSeconds>", "", content).encode())

    assert track.moving_s == 45 * 60


def test_a_file_with_a_byte_order_mark_or_leading_blank_lines_reads():
    declaration, body = gpx_file().split(b"?>", 1)

    assert read(b"\xef\xbb\xbf" + declaration + b"?>" + body).format == "gpx"
    assert read(b"\n\n  " + body.lstrip()).format == "gpx"


def test_a_long_gpx_of_100000_points_reads_with_its_distance():
    track = read(gpx_file(km=100.0, minutes=600.0, points=100_000))

    assert track.points == 100_000
    assert track.distance_m == pytest.approx(100_000, rel=0.01)
    assert track.moving_s == pytest.approx(600 * 60, rel=0.01)


def gzip_of_zeros(mib: int) -> bytes:
    """`mib` mebibytes of zeros, gzipped a mebibyte at a time so that the test stays light."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    return b"".join(packer.compress(chunk) for _ in range(mib)) + packer.flush()


def test_a_gzip_bomb_is_refused_without_being_unpacked():
    # Gzip members one after another are one gzip file (RFC 1952): 1 GiB of zeros in about 1 MB.
    bomb = gzip_of_zeros(64) * 16
    assert len(bomb) < 2 * 1024 * 1024

    began = time.perf_counter()
    result = read_track(bomb, 10 * 1024 * 1024)

    assert result == Unreadable(TrackProblem.UNPACKED_TOO_BIG, None)
    assert time.perf_counter() - began < 1.0


def test_a_gzip_just_under_the_limit_is_unpacked_and_judged_by_its_content():
    assert read_track(gzip_of_zeros(1), 1024 * 1024) == Unreadable(TrackProblem.NOT_A_TRACK, None)


def test_a_gzip_inside_a_gzip_is_not_a_track():
    assert refused(gzipped(gzipped(gpx_file()))) == Unreadable(TrackProblem.NOT_A_TRACK, None)


def test_a_cut_off_gzip_is_corrupt():
    packed = gzipped(gpx_file())

    assert refused(packed[: len(packed) // 2]) == Unreadable(TrackProblem.CORRUPT, None)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<gpx version="1.1" creator="x"><trk><name>&lol9;</name></trk></gpx>
"""


def test_a_billion_laughs_gpx_is_corrupt_and_quick():
    began = time.perf_counter()

    assert refused(BILLION_LAUGHS) == Unreadable(TrackProblem.CORRUPT, "gpx")
    assert time.perf_counter() - began < 1.0


def test_a_gpx_whose_points_hide_in_an_entity_is_corrupt_not_expanded():
    points = "".join(
        f"<trkpt lat='{lat}' lon='{lon}'><time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for lat, lon, t in along_meridian(1.0, 3, START, 10.0)
    )
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY pts "{points}">]>'
        '<gpx version="1.1" creator="x"><trk><trkseg>&pts;</trkseg></trk></gpx>'
    )
    assert gpxpy.parse(doc).get_points_no() == 3  # what gpxpy alone would have counted

    assert refused(doc.encode()) == Unreadable(TrackProblem.CORRUPT, "gpx")


def test_an_external_entity_is_neither_fetched_nor_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("running")
    gpx = gpx_file().decode().replace("<type>running</type>", "<type>&secret;</type>")
    tcx = tcx_file().decode().replace("<Intensity>Active</Intensity>", "<Notes>&secret;</Notes>")
    entity = f'[<!ENTITY secret SYSTEM "{secret.as_uri()}">]'

    for doc, fmt, root in ((gpx, "gpx", "gpx"), (tcx, "tcx", "TrainingCenterDatabase")):
        declaration, body = doc.split("?>", 1)
        hostile = f"{declaration}?><!DOCTYPE {root} {entity}>{body}".encode()
        assert refused(hostile) == Unreadable(TrackProblem.CORRUPT, fmt)


def test_a_tcx_with_a_dtd_is_corrupt():
    declaration, body = tcx_file().decode().split("?>", 1)

    hostile = f"{declaration}?><!DOCTYPE TrainingCenterDatabase>{body}".encode()

    assert refused(hostile) == Unreadable(TrackProblem.CORRUPT, "tcx")


def test_a_fit_cut_in_half_is_corrupt():
    content = fit_file()

    assert refused(content[: len(content) // 2]) == Unreadable(TrackProblem.CORRUPT, "fit")


def test_a_fit_with_one_byte_changed_fails_its_checksum():
    content = bytearray(fit_file())
    content[len(content) // 2] ^= 0x01

    assert refused(bytes(content)) == Unreadable(TrackProblem.CORRUPT, "fit")


def test_a_gpx_cut_in_half_is_corrupt():
    content = gpx_file()

    assert refused(content[: len(content) // 2]) == Unreadable(TrackProblem.CORRUPT, "gpx")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(64), id="jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), id="png"),
        pytest.param(b"", id="empty"),
        pytest.param(b"ran 5k this morning, felt great\n", id="text"),
        pytest.param(b"<html><body>run</body></html>", id="html"),
        pytest.param(b'<?xml version="1.0"?><kml><Placemark/></kml>', id="kml"),
    ],
)
def test_a_file_that_is_no_track_is_refused_as_such(content):
    assert refused(content) == Unreadable(TrackProblem.NOT_A_TRACK, None)


def test_a_gpx_with_only_waypoints_or_a_route_has_no_points():
    route = gpxpy.gpx.GPX()
    route.waypoints.append(gpxpy.gpx.GPXWaypoint(51.0, 0.0, time=START))
    route.routes.append(gpxpy.gpx.GPXRoute())
    route.routes[0].points.append(gpxpy.gpx.GPXRoutePoint(51.0, 0.0, time=START))
    route.routes[0].points.append(gpxpy.gpx.GPXRoutePoint(51.1, 0.0, time=START))

    assert refused(route.to_xml().encode()) == Unreadable(TrackProblem.NO_POINTS, "gpx")


def test_a_gpx_without_times_tells_no_day():
    assert refused(gpx_file(times=False)) == Unreadable(TrackProblem.NO_TIMES, "gpx")


def test_a_single_point_gpx_tells_no_speed():
    assert refused(gpx_file(points=1)) == Unreadable(TrackProblem.NO_TIMES, "gpx")


def test_a_tcx_without_times_tells_no_day():
    content = re.sub(r"<Time>[^<]*</Time>", "", tcx_file().decode())

    assert refused(content.encode()) == Unreadable(TrackProblem.NO_TIMES, "tcx")


PREFIXES = [b"", b"\x1f\x8b", b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT", b"<gpx>", b"<?xml?><gpx"]


@given(prefix=st.sampled_from(PREFIXES), rest=st.binary(max_size=2048))
def test_any_bytes_at_all_give_an_answer_rather_than_an_error(prefix, rest):
    result = read_track(prefix + rest, LIMIT)

    assert isinstance(result, Track | Unreadable)


SMALL_FIT = fit_file(points=20)


@given(at=st.integers(min_value=0, max_value=len(SMALL_FIT) - 1), flip=st.integers(1, 255))
def test_any_changed_byte_in_a_fit_is_refused(at, flip):
    content = bytearray(SMALL_FIT)
    content[at] ^= flip

    assert isinstance(read_track(bytes(content), LIMIT), Unreadable)


@given(cut=st.integers(min_value=0, max_value=len(SMALL_FIT) - 1))
def test_any_cut_off_fit_is_refused(cut):
    assert isinstance(read_track(SMALL_FIT[:cut], LIMIT), Unreadable)


def test_a_tcx_point_without_a_time_is_left_out_and_nothing_is_printed(capsys):
    whole = tcx_file(km=8.0).decode()
    tenth = [m.start() for m in re.finditer("<Time>", whole)][10]
    end = whole.index("</Time>", tenth) + len("</Time>")
    track = read_track((whole[:tenth] + whole[end:]).encode(), LIMIT)
    assert isinstance(track, Track) and track.distance_m == 8000 and track.points == 299
    assert capsys.readouterr().out == ""  # stdout is the console's chat


def _zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_garmins_export_original_zip_is_read_as_the_fit_inside():
    fit = fit_file(km=20.0)
    track = read_track(_zipped({"123456789_ACTIVITY.fit": fit}), LIMIT)
    assert isinstance(track, Track) and track.format == "fit" and track.distance_m == 20_000
    assert track.sha256 == hashlib.sha256(fit).hexdigest()  # the same file as sent unzipped


def test_a_zip_without_a_track_or_one_that_unpacks_too_big_is_refused():
    assert read_track(_zipped({"notes.txt": b"hello"}), LIMIT) == Unreadable(
        TrackProblem.NOT_A_TRACK, None
    )
    bomb = _zipped({"a.gpx": b"<gpx>" + b"\0" * (8 * 1024 * 1024)})
    assert len(bomb) < 64 * 1024
    assert read_track(bomb, 1024 * 1024) == Unreadable(TrackProblem.UNPACKED_TOO_BIG, None)
    assert read_track(bomb[: len(bomb) // 2], LIMIT).problem is TrackProblem.CORRUPT
