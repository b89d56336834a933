"""Activity files through the dispatcher, on both databases: a GPX, FIT or TCX file becomes a
log with its distance, kind and day, and every file that must not count gets its reason with
nothing stored."""

import json
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.messages import IncomingFile
from bot.replies import Attachment, Buttons
from storage.models import Activity, ActivityFile, PendingUpload
from tests.track_files import along_meridian, fit_file, gpx_file, gzipped, tcx_file, track_length_m

MORNING = datetime(2021, 7, 15, 6, 30, tzinfo=UTC)  # the test clock's day, 7:30 in London


def sent(content: bytes, name: str = "activity.gpx", declared_size: int | None = None):
    """A file as an adapter hands it over."""

    async def download(limit: int) -> bytes:
        return content[: limit + 1]

    size = len(content) if declared_size is None else declared_size
    return IncomingFile(name, size, 5.0, download)


@pytest.fixture
def members(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    return chat


def upload(chat, user: str, content: bytes, caption: str = "", name: str = "a.gpx") -> str:
    return chat.say(user, f"/upload {caption}".strip(), file=sent(content, name))


def files_stored(chat) -> int:
    return chat.scalar(select(func.count()).select_from(ActivityFile))


# -- files that count ------------------------------------------------------------------------


def test_a_strava_gpx_run_is_logged_with_its_distance_day_moving_time_and_pace(members):
    reply = upload(members, "alice", gpx_file(km=5.0, start=MORNING, minutes=30))
    assert reply.splitlines()[0] == "Logged #1 from your file: 5 km run on Thu 15 Jul 2021."
    assert "Moving time 30:00, 5:59 /km." in reply or "Moving time 30:00, 6:00 /km." in reply
    assert "You: 5 km this season, rank 1." in reply
    assert "Red Rockets: 5 km, rank 1 of 1 team." in reply
    metres = members.scalar(select(func.sum(ActivityFile.moving_s)))
    assert metres == 1800


def test_a_garmin_fit_ride_and_a_tcx_run_are_logged_within_one_percent(members):
    ride = upload(members, "alice", fit_file(km=42.3, start=MORNING, minutes=90), name="r.fit")
    assert "Logged #1 from your file: 42.3 km cycle on Thu 15 Jul 2021." in ride
    assert "Moving time 1:30:00, 28.2 km/h." in ride
    later = MORNING + timedelta(hours=3)
    run = upload(members, "alice", tcx_file(km=8.0, start=later, minutes=45), name="r.tcx")
    assert "Logged #2 from your file: 8 km run on Thu 15 Jul 2021." in run
    assert "You: 50.3 km this season" in run


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: gpx_file(km=12.5, start=MORNING, minutes=100, sport="walking"), "w.gpx.gz"),
        (lambda: fit_file(km=12.5, start=MORNING, minutes=100, sport="walking"), "w.fit.gz"),
        (lambda: tcx_file(km=12.5, start=MORNING, minutes=100, sport="Other"), "w.tcx.gz"),
    ],
)
def test_a_gzipped_export_is_logged_like_the_file_itself(members, make, name):
    points = along_meridian(12.5, 300, MORNING, 100)
    reply = upload(members, "bob", gzipped(make()), "walk", name=name)
    assert "from your file: 12.5 km walk on Thu 15 Jul 2021." in reply
    assert files_stored(members) == 1
    stored = members.scalar(select(func.max(ActivityFile.moving_s)))
    assert stored == 100 * 60
    logged_m = members.scalar(select(Activity.distance_m))
    assert abs(logged_m - track_length_m(points)) < 0.01 * track_length_m(points)


def test_a_file_without_a_sport_asks_which_and_a_press_logs_it(members):
    file = sent(gpx_file(start=MORNING, minutes=60, sport=None))
    (question,) = members.send("alice", "/upload", file=file)
    assert "That file holds 5 km but doesn't say which activity it was." in question.parts[0].text
    (buttons,) = [part for part in question.parts if isinstance(part, Buttons)]
    assert [b.command for b in buttons.buttons] == ["upload run", "upload walk", "upload ride"]
    assert members.activity_count() == 0
    # Another member's press finds no file of theirs.
    assert "Send the file itself" in members.say("bob", "upload walk")
    reply = members.say("alice", "upload walk")
    assert "Logged #1 from your file: 5 km walk on Thu 15 Jul 2021." in reply
    assert members.scalar(select(func.count()).select_from(PendingUpload)) == 0
    assert "Send the file itself" in members.say("alice", "upload walk")  # pressed twice


def test_the_caption_names_the_kind_and_a_different_day_is_corrected(members):
    file = gpx_file(start=MORNING, sport=None)
    reply = upload(members, "alice", file, "ride yesterday")
    assert "Logged #1 from your file: 5 km cycle on Thu 15 Jul 2021." in reply
    assert "I used the day recorded in the file: Thu 15 Jul 2021." in reply


def test_undo_removes_a_file_log_and_the_file_may_be_sent_again(members):
    file = fit_file(start=MORNING)
    upload(members, "alice", file, name="a.fit")
    assert "Removed #1: 20 km cycle" in members.say("alice", "/undo")
    assert files_stored(members) == 0
    assert "Logged #2 from your file" in upload(members, "alice", file, name="a.fit")


# -- files that must not count ---------------------------------------------------------------


def test_the_same_file_twice_is_refused_for_its_sender_and_for_anyone_else(members):
    file = gpx_file(start=MORNING)
    upload(members, "alice", file)
    assert "You already logged that file as #1." in upload(members, "alice", file)
    again_gzipped = upload(members, "alice", gzipped(file), name="a.gpx.gz")
    assert "You already logged that file as #1." in again_gzipped
    assert "already logged by someone else" in upload(members, "bob", file)
    assert members.activity_count() == 1


def test_a_file_the_admins_removed_cannot_be_sent_again(members):
    file = gpx_file(start=MORNING)
    upload(members, "alice", file)
    members.make_admin("ada")
    members.say("ada", "/admin remove 1 not a run")
    assert "The admins removed the log #1" in upload(members, "alice", file)
    assert members.activity_count() == 0


def test_a_file_overlapping_one_already_logged_is_refused(members):
    upload(members, "alice", fit_file(start=MORNING, minutes=60), name="watch.fit")
    phone = gpx_file(km=19.0, start=MORNING + timedelta(minutes=10), minutes=60, sport="cycling")
    reply = upload(members, "alice", phone)
    assert "That file's time overlaps your log #1, made from another file" in reply
    assert "Example: /delete 1" in reply
    assert members.activity_count() == 1
    # Bob's ride at the same time is his own.
    assert "Logged #2" in upload(members, "bob", phone)


def test_a_moving_average_over_the_limit_is_refused_with_the_speed_found(members):
    fast = fit_file(km=10.0, sport="running", start=MORNING, minutes=15)
    reply = upload(members, "alice", fast, name="fast.fit")
    assert "averaged 40.0 km/h while moving, over the 25 km/h allowed for a run" in reply
    assert "Example: /upload ride" in reply
    car = upload(members, "alice", fit_file(km=100.0, start=MORNING, minutes=60), name="c.fit")
    assert "100.0 km/h while moving, over the 70 km/h allowed for a ride" in car
    assert members.activity_count() == 0 and files_stored(members) == 0


def test_the_daily_limit_and_the_season_rules_apply_as_for_typed_logs(members):
    members.say("alice", "/log 95 km run")
    over = upload(members, "alice", gpx_file(km=6.0, start=MORNING, minutes=40))
    assert "more than the daily limit of 100 km for running" in over
    before_season = upload(members, "alice", gpx_file(start=datetime(2021, 6, 20, 8, tzinfo=UTC)))
    assert "Sun 20 Jun 2021 is outside the challenge" in before_season
    too_old = upload(members, "alice", gpx_file(start=MORNING - timedelta(days=10)))
    assert "Mon 5 Jul 2021 is more than 7 days ago, too late to log." in too_old
    assert members.activity_count() == 1


def test_a_sport_the_challenge_does_not_count_is_refused(members):
    reply = upload(
        members, "alice", fit_file(km=2.0, sport="swimming", start=MORNING), name="s.fit"
    )
    assert "That file is a swimming activity" in reply
    assert members.activity_count() == 0


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"%PDF-1.7\n" + b"\0" * 200, "That isn't a GPX, FIT or TCX file."),
        (b"", "That isn't a GPX, FIT or TCX file."),
        (
            fit_file(start=MORNING)[:400],
            "I couldn't read that file: it looks damaged or cut short.",
        ),
        (
            b'<?xml version="1.0"?><gpx version="1.1" creator="x" '
            b'xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="51" lon="0"/></gpx>',
            "That file has no recorded track",
        ),
        (gpx_file(start=MORNING, times=False), "That file's points have no times"),
        (
            b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<gpx version="1.1" creator="&b;" xmlns="http://www.topografix.com/GPX/1/1"></gpx>',
            "I couldn't read that file",
        ),
    ],
    ids=["pdf", "empty", "truncated-fit", "waypoints-only", "no-times", "entities"],
)
def test_a_file_that_is_not_a_usable_track_gets_its_reason_and_nothing_is_stored(
    members, content, expected
):
    reply = upload(members, "alice", content)
    assert expected in reply
    assert "Example: /upload ride" in reply
    assert members.activity_count() == 0 and files_stored(members) == 0


def test_a_file_over_the_size_limit_is_never_fetched_and_a_zip_bomb_is_not_unpacked(members):
    huge = sent(b"", "huge.fit", declared_size=25 * 1024 * 1024)
    assert "That file is over 20.0 MB; send a smaller one." in members.say(
        "alice", "/upload", file=huge
    )
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # a gzip stream
    bomb = squeeze.compress(b"<gpx>") + b"".join(
        squeeze.compress(b"\0" * (1 << 20)) for _ in range(64)
    )
    bomb += squeeze.flush()
    assert len(bomb) < 1024 * 1024  # 64 MB once unpacked
    reply = upload(members, "alice", bomb, name="bomb.gpx.gz")
    assert "That file is over 20.0 MB once unpacked; send a smaller one." in reply
    assert members.activity_count() == 0


def test_newcomers_are_asked_to_join_first_and_nothing_is_read(chat):
    reply = chat.say("zoe", "/upload", file=sent(gpx_file(start=MORNING)))
    assert reply.startswith("Join a team first")
    assert chat.activity_count() == 0


def test_forgetme_erases_the_times_of_a_persons_files(members):
    upload(members, "alice", fit_file(start=MORNING), name="a.fit")
    members.send("bob", "/upload", file=sent(gpx_file(start=MORNING, sport=None)))
    members.say("alice", "/forgetme confirm")
    members.say("bob", "/forgetme confirm")
    assert files_stored(members) == 0
    assert members.scalar(select(func.count()).select_from(PendingUpload)) == 0
    assert members.activity_count() == 1  # the km stay


def test_mydata_shows_a_files_times_and_fingerprint_and_a_file_waiting_for_its_kind(members):
    upload(members, "alice", fit_file(start=MORNING, minutes=60), name="a.fit")
    later = MORNING + timedelta(hours=2)
    members.send("alice", "/upload", file=sent(gpx_file(start=later, minutes=60, sport=None)))
    (reply,) = members.send("alice", "/mydata")
    (attachment,) = [part for part in reply.parts if isinstance(part, Attachment)]
    data = json.loads(attachment.content)
    (logged,) = data["activities"]
    assert logged["file"]["started"] == "2021-07-15T06:30:00+00:00"
    assert logged["file"]["moving_s"] == 3600 and len(logged["file"]["sha256"]) == 64
    assert data["file_waiting"]["started"] == "2021-07-15T08:30:00+00:00"
    assert data["file_waiting"]["distance_m"] == 5006
    assert "51.0" not in attachment.content.decode()  # never the route: it starts at 51.0, 0.0


def test_a_file_asked_about_and_then_sent_again_with_its_kind_is_asked_about_no_more(members):
    file = tcx_file(km=4.1, sport="Other", start=MORNING, minutes=50)
    assert "doesn't say which activity it was" in upload(members, "alice", file, name="w.tcx")
    assert "Logged #1 from your file: 4.1 km walk" in upload(members, "alice", file, "walk")
    assert "Send the file itself" in members.say("alice", "/upload")


def test_a_picture_sent_as_a_file_is_pointed_to_the_photo_competition(members):
    reply = upload(members, "alice", b"\xff\xd8\xff\xe0" + b"\0" * 200, name="IMG_0042.jpg")
    assert "That's a picture, not an activity file." in reply
    assert "Example: /photo Sunrise over the Taff" in reply
    assert members.activity_count() == 0
