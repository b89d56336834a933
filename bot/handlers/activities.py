"""Logging activities, taking them back, and setting one's time zone."""

from bot.commands import Delete, Log, SetTimezone, Undo
from bot.domain.days import log_day_refusal, resolve_day
from bot.domain.kinds import ActivityKind
from bot.handlers import format
from bot.handlers.context import Context
from bot.replies import Reply, say
from storage import repository as repo
from storage.models import Activity, Team


def log_activity(ctx: Context, command: Log) -> Reply:
    session, season_id, me = ctx.session, ctx.season_id, ctx.participant
    team = repo.current_team(session, season_id, me.id)
    if team is None:
        return say("Join a team first; then your km count for it.", example="join Red Rockets")
    # Today is the day most often right when the typed one is refused.
    today_example = f"log {command.distance_m / 1000:g} km {command.kind}"
    day = resolve_day(command.day, ctx.today)
    if day is None:
        return say("That day doesn't exist in a recent year.", example=today_example)
    season = ctx.config.season
    refusal = log_day_refusal(day, ctx.today, season.start, season.end, season.late_logging_days)
    if refusal is not None:
        return say(refusal, example=today_example)
    repo.lock_participant(session, me.id)
    limit_m = ctx.config.limits.max_metres(command.kind)
    already_m = repo.day_distance(session, season_id, me.id, day, command.kind)
    if already_m + command.distance_m > limit_m:
        already = f" You already have {format.km(already_m)} that day." if already_m else ""
        return say(
            f"That's more than the limit of {format.km(limit_m)} of {command.kind} "
            f"per person per day.{already} If it's a typo, log the right distance.",
            example=f"log 12km {command.kind}",
        )
    activity = repo.record_activity(
        session,
        season_id=season_id,
        participant_id=me.id,
        team_id=team.id,
        kind=command.kind,
        distance_m=command.distance_m,
        day=day,
        source_key=ctx.incoming.delivery_key,
        now=ctx.now,
    )
    lines = [f"Logged #{activity.id}: {_describe(activity)}."]
    if command.unit_assumed:
        lines.append("No unit given, so I read it as km.")
    lines.extend(_standing_lines(ctx, team))
    return say(*lines)


def undo_last(ctx: Context, _command: Undo) -> Reply:
    repo.lock_participant(ctx.session, ctx.participant.id)
    activity = repo.latest_activity(ctx.session, ctx.season_id, ctx.participant.id)
    if activity is None:
        return say("You have nothing logged to undo.", example="log 5km run")
    return _remove_own(ctx, activity)


def delete_activity(ctx: Context, command: Delete) -> Reply:
    repo.lock_participant(ctx.session, ctx.participant.id)
    activity = repo.activity_by_id(ctx.session, ctx.season_id, command.activity_id)
    if activity is None or activity.participant_id != ctx.participant.id:
        return say(
            f"You have no log #{command.activity_id}. The reply to each log shows its number.",
            example="undo",
        )
    if activity.deleted_at is not None:
        return say(f"#{activity.id} was already removed.", example="undo")
    return _remove_own(ctx, activity)


def set_timezone(ctx: Context, command: SetTimezone) -> Reply:
    ctx.participant.timezone = command.zone
    return say(f"Your time zone is now {command.zone}; today for you is {format.day(ctx.today)}.")


def _remove_own(ctx: Context, activity: Activity) -> Reply:
    repo.remove_activity(ctx.session, activity, ctx.participant.id, "removed by its owner", ctx.now)
    team = repo.current_team(ctx.session, ctx.season_id, ctx.participant.id)
    lines = [f"Removed #{activity.id}: {_describe(activity)}.", *_standing_lines(ctx, team)]
    return say(*lines)


def _describe(activity: Activity) -> str:
    kind = ActivityKind(activity.kind)
    return f"{format.km(activity.distance_m)} {kind} on {format.day(activity.day)}"


def _standing_lines(ctx: Context, team: Team | None) -> list[str]:
    """The caller's new personal totals and rank, and their current team's."""
    session, season_id, me = ctx.session, ctx.season_id, ctx.participant
    mine = repo.participant_total(session, season_id, me.id)
    lines = [
        f"You: {format.km(mine.total_m)} this season, "
        f"rank {repo.person_rank(session, season_id, mine.total_m)}."
    ]
    if team is not None:
        lines.append(
            f"{team.name}: {format.km(team.total_m)}, rank {repo.team_rank(session, team)} "
            f"of {format.count(repo.team_count(session, season_id), 'team')}."
        )
    return lines
