"""Logging an activity from a GPX, FIT or TCX file, as a watch or an app recorded it."""

import threading
from datetime import date, timedelta
from decimal import ROUND_UP, Decimal

from bot.commands import Upload
from bot.config import Config
from bot.domain import milestones
from bot.domain.days import log_day_refusal, resolve_day
from bot.domain.images import looks_like_a_picture
from bot.domain.kinds import ActivityKind
from bot.domain.tracks import Track, TrackProblem, Unreadable, read_track
from bot.handlers import figures
from bot.handlers.activities import describe, milestone_lines, over_limit, standing_lines
from bot.handlers.context import Context
from bot.handlers.posts import season_over
from bot.handlers.registry import REFUSALS, TakesFile, Who, command
from bot.i18n import N_, _
from bot.replies import Button, Buttons, Reply, Text, say
from storage.activity_files import FileFacts

EXAMPLE = "upload ride"

_UNREADABLE = {
    TrackProblem.NOT_A_TRACK: N_(
        "That isn't a GPX, FIT or TCX file. Export the activity from your watch or app in one "
        "of those formats and send that file."
    ),
    TrackProblem.CORRUPT: N_(
        "I couldn't read that file: it looks damaged or cut short. Export it again and send "
        "the new file."
    ),
    TrackProblem.NO_POINTS: N_(
        "That file has no recorded track, so there is no distance to log. Send the recording "
        "of the activity, not a planned route."
    ),
    TrackProblem.NO_TIMES: N_(
        "That file's points have no times, so I can't tell the day or the speed. Send the "
        "recording of the activity, not a planned route."
    ),
}
_TOO_FAST = {
    ActivityKind.RUN: N_(
        "That file averaged {speed} km/h while moving, over the {limit} km/h allowed for a "
        "run. If it was a ride, say so in the caption."
    ),
    ActivityKind.WALK: N_(
        "That file averaged {speed} km/h while moving, over the {limit} km/h allowed for a "
        "walk. If it was a run, say so in the caption."
    ),
    ActivityKind.CYCLE: N_(
        "That file averaged {speed} km/h while moving, over the {limit} km/h allowed for a "
        "ride. Rides in a car or on a train don't count."
    ),
}
_CAPTION_KIND = {
    ActivityKind.RUN: "upload run",
    ActivityKind.WALK: "upload walk",
    ActivityKind.CYCLE: "upload ride",
}


# gpxpy holds a GPX ten times its size while it reads it (a 19 MB file: 210 MB): files are
# read one at a time, so that a handful sent together cannot run the process out of memory.
_ONE_FILE_AT_A_TIME = threading.Lock()


def read_upload(content: bytes, config: Config) -> Track | Unreadable:
    """The track in a file, read before the transaction: parsing a big file takes a while."""
    with _ONE_FILE_AT_A_TIME:
        return read_track(content, config.files.max_bytes)


@command(
    Upload,
    "upload [ACTIVITY] [DAY]",
    help=N_("with a GPX, FIT or TCX file: log the activity it recorded"),
    example="upload ride",
    who=Who.MEMBERS,
    writes=True,
    takes_file=TakesFile(max_bytes=lambda config: config.files.max_bytes, read=read_upload),
)
def log_file(ctx: Context, command: Upload) -> Reply:
    fetched = ctx.incoming.fetched
    if fetched is None:
        return _answer_held(ctx, command)
    if fetched.content is None:
        return say(
            _("That file is over {size}; send a smaller one.").format(
                size=figures.size(ctx.config.files.max_bytes)
            ),
            example=EXAMPLE,
        )
    track = fetched.reading
    if isinstance(track, Unreadable):
        return _unreadable(ctx, track, fetched.content)
    assert isinstance(track, Track)
    facts = FileFacts(
        track.sha256, track.distance_m, track.started_at, track.ended_at, track.moving_s
    )
    kind = command.kind or track.kind
    if kind is None and track.other_sport is not None:
        return say(
            _(
                "That file is a {sport} activity; the challenge counts running, walking and "
                "cycling."
            ).format(sport=track.other_sport),
            example="upload run",
        )
    if kind is None:
        if (over := season_over(ctx.store)) is not None:
            return over
        ctx.store.hold_file(facts)
        return _which_kind(facts)
    return _log(ctx, facts, kind, command)


def _answer_held(ctx: Context, command: Upload) -> Reply:
    """`upload run` without a file: the kind of the file sent last (a button's press)."""
    facts = ctx.store.take_held_file()
    if facts is None:
        return say(
            _(
                "Send the file itself (GPX, FIT or TCX) with 'upload' as its caption, or send it "
                "to me in a private chat."
            ),
            example=EXAMPLE,
        )
    if command.kind is None:
        ctx.store.hold_file(facts)
        return _which_kind(facts)
    return _log(ctx, facts, command.kind, command)


def _which_kind(facts: FileFacts) -> Reply:
    return Reply(
        (
            Text(
                _(
                    "That file holds {km} but doesn't say which activity it was. "
                    "Was it a run, a walk or a ride?"
                ).format(km=figures.km(facts.distance_m))
            ),
            Buttons(
                tuple(Button(figures.kind(kind), typed) for kind, typed in _CAPTION_KIND.items())
            ),
        )
    )


def _unreadable(ctx: Context, track: Unreadable, content: bytes) -> Reply:
    if track.problem is TrackProblem.NOT_A_TRACK and looks_like_a_picture(content):
        return say(
            _(
                "That's a picture, not an activity file. To enter it in the photo competition, "
                "send it with 'photo' and a title as its caption."
            ),
            example="photo Sunrise over the Taff",
        )
    if track.problem is TrackProblem.UNPACKED_TOO_BIG:
        return say(
            _("That file is over {size} once unpacked; send a smaller one.").format(
                size=figures.size(ctx.config.files.max_bytes)
            ),
            example=EXAMPLE,
        )
    return say(_(_UNREADABLE[track.problem]), example=EXAMPLE)


def _log(ctx: Context, facts: FileFacts, kind: ActivityKind, command: Upload) -> Reply:
    """Every check a typed log has, and those only a file can have; then the log."""
    if (over := season_over(ctx.store)) is not None:
        return over
    team = ctx.team
    if team is None:
        return REFUSALS[Who.MEMBERS]
    ctx.store.lock_caller()
    day = facts.started_at.astimezone(ctx.zone).date()
    season = ctx.config.season
    refusal = log_day_refusal(day, ctx.today, season.start, season.end, season.late_logging_days)
    if refusal is not None:
        return say(refusal, example="log 5 km run")
    too_fast = _too_fast(ctx.config, facts, kind)
    if too_fast is not None:
        return too_fast
    already = _already_logged(ctx, facts)
    if already is not None:
        return already
    limited = over_limit(ctx.config, kind, facts.distance_m, ctx.store.my_day_total(day, kind))
    if limited is not None:
        return limited
    week = timedelta(days=milestones.STREAK_DAYS - 1)
    active = ctx.store.my_active_days(day - week, day + week)
    stored = ctx.store.record_activity(
        team.id, kind, facts.distance_m, day, ctx.incoming.delivery_key
    )
    ctx.store.record_file(stored.activity_id, facts)
    lines = [
        _("Logged #{id} from your file: {activity}.").format(
            id=stored.activity_id, activity=describe(facts.distance_m, kind, day)
        ),
        _("Moving time {time}, {pace}.").format(
            time=figures.duration(facts.moving_s),
            pace=figures.pace(facts.distance_m, facts.moving_s, kind),
        ),
    ]
    lines += _day_from_file(ctx, command, day)
    reached = milestones.crossed(
        stored.personal_total_m - facts.distance_m, stored.personal_total_m
    )
    if day not in active and milestones.completes_streak(day, active | {day}):
        reached.append(milestones.STREAK)
    lines += milestone_lines(ctx.store.claim_milestones(reached))
    lines += standing_lines(
        (stored.personal_total_m, stored.person_rank),
        (team.name, stored.team_total_m, stored.team_rank),
        stored.team_count,
    )
    return say(*lines)


def _too_fast(config: Config, facts: FileFacts, kind: ActivityKind) -> Reply | None:
    limit = config.files.max_speed_kmh.of(kind)
    # Compared in whole metres and seconds: no rounding lets a file slip past.
    if facts.distance_m * 3600 <= limit * 1000 * facts.moving_s:
        return None
    # Rounded up: a speed just over the limit never reads as the limit itself.
    speed = (Decimal(facts.distance_m) * Decimal("3.6") / facts.moving_s).quantize(
        Decimal("0.1"), ROUND_UP
    )
    return say(
        _(_TOO_FAST[kind]).format(speed=figures.speed_kmh(speed), limit=figures.number(limit)),
        example=_CAPTION_KIND[ActivityKind.CYCLE if kind is ActivityKind.RUN else ActivityKind.RUN],
    )


def _already_logged(ctx: Context, facts: FileFacts) -> Reply | None:
    """The same file again, or one whose time overlaps a file the caller logged."""
    seen = ctx.store.file_seen(facts.sha256)
    if seen is not None and seen.participant_id != ctx.participant.id:
        return say(
            _("That file was already logged by someone else. Send your own recording."),
            example="me",
        )
    if seen is not None and seen.removed_by_admins:
        return say(
            _(
                "The admins removed the log #{id} made from that file; it can't be logged again."
            ).format(id=seen.activity_id),
            example="me",
        )
    if seen is not None:
        return say(
            _("You already logged that file as #{id}.").format(id=seen.activity_id),
            example="me",
        )
    overlapping = ctx.store.my_overlapping_file(facts.started_at, facts.ended_at)
    if overlapping is not None:
        return say(
            _(
                "That file's time overlaps your log #{id}, made from another file: "
                "an activity counts once."
            ).format(id=overlapping),
            example=f"delete {overlapping}",
        )
    return None


def _day_from_file(ctx: Context, command: Upload, day: date) -> list[str]:
    """A caption's day that is not the file's: the file's time is what happened."""
    said = resolve_day(command.day, ctx.today) if command.day is not None else None
    if said is None or said == day:
        return []
    return [_("I used the day recorded in the file: {day}.").format(day=figures.day(day))]
