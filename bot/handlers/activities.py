"""Logging activities, taking them back, and setting one's time zone."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bot import i18n
from bot.commands import Delete, Log, SetTimezone, Undo
from bot.config import Config
from bot.domain import milestones
from bot.domain.days import log_day_refusal, resolve_day
from bot.domain.kinds import ActivityKind
from bot.handlers import figures
from bot.handlers.context import Context, caller_zone, reply_language
from bot.handlers.posts import season_over, season_over_reply
from bot.handlers.registry import REFUSALS, Who, command
from bot.i18n import N_, _, ngettext
from bot.messages import Incoming
from bot.replies import Reply, say
from storage import logbook
from storage import milestones as milestone_store
from storage import repository as repo
from storage.models import Activity
from storage.season_store import SeasonStore

log = logging.getLogger(__name__)


LogRequest = tuple[Incoming, Log]

_OVER_LIMIT = {
    ActivityKind.RUN: N_("That's more than the daily limit of {limit} for running."),
    ActivityKind.WALK: N_("That's more than the daily limit of {limit} for walking."),
    ActivityKind.CYCLE: N_("That's more than the daily limit of {limit} for cycling."),
}


@dataclass(frozen=True)
class _Accepted:
    """A log that passed every check, waiting to be written with the rest of its batch."""

    index: int
    caller: logbook.Caller
    team_id: int
    command: Log
    day: date


@command(
    Log,
    "log DISTANCE ACTIVITY [DAY]",
    help=N_("record a run, walk or ride"),
    example="log 12km cycle",
    who=Who.MEMBERS,
    writes=True,
    batched=True,
)
def log_activities(
    session: Session, config: Config, season_id: int, now: datetime, requests: list[LogRequest]
) -> list[list[Reply]]:
    """Several callers' logs in one transaction; for each, its replies (none for a repeated
    delivery). Every check is the same as for a log on its own, in arrival order."""
    keys = [incoming.delivery_key for incoming, _ in requests]
    # The daily totals read start a streak's length before the earliest day logged: the
    # limit check needs that day's, a streak the six before it.
    since = _earliest_day(config, now, [command for _, command in requests]) - timedelta(
        days=milestones.STREAK_DAYS - 1
    )
    accounts = [(incoming.platform, incoming.user_id) for incoming, _ in requests]
    claimed, stored = logbook.claim_and_find(session, season_id, keys, accounts, since, now)
    first_of_key = {key: index for index, key in reversed(list(enumerate(keys)))}
    fresh = [i for i, key in enumerate(keys) if key in claimed and first_of_key[key] == i]
    for index in set(range(len(requests))) - set(fresh):
        log.info("repeated_delivery", extra={"key": keys[index]})
    replies: list[list[Reply]] = [[] for _ in requests]
    over = fresh and season_over(SeasonStore(session, season_id, now)) is not None
    if over:
        for index in fresh:
            incoming = requests[index][0]
            with i18n.using(reply_language(stored_language(stored, incoming), incoming, config)):
                replies[index] = [season_over_reply()]
        return replies
    callers = _callers(session, season_id, [requests[i][0] for i in fresh], stored, since, now)
    languages = {
        index: reply_language(stored_language(callers, incoming), incoming, config)
        for index in fresh
        for incoming in [requests[index][0]]
    }
    candidates: list[_Accepted] = []
    for index in fresh:
        incoming, command = requests[index]
        caller = callers.found[(incoming.platform, incoming.user_id)]
        team_id = caller.team_id
        if team_id is None:
            with i18n.using(languages[index]):
                replies[index] = [REFUSALS[Who.MEMBERS]]
            continue
        today = now.astimezone(caller_zone(caller.timezone, incoming, config)).date()
        with i18n.using(languages[index]):
            day_or_refusal = _log_day(config, command, today)
        if isinstance(day_or_refusal, Reply):
            replies[index] = [day_or_refusal]
        else:
            candidates.append(_Accepted(index, caller, team_id, command, day_or_refusal))
    day_keys = [(a.caller.participant_id, a.day, a.command.kind) for a in candidates]
    already = callers.recent_m
    accepted = []
    new_days: set[int] = set()  # the logs that make a day active: a streak may complete then
    for candidate, day_key in zip(candidates, day_keys, strict=True):
        with i18n.using(languages[candidate.index]):
            refusal = over_limit(
                config,
                candidate.command.kind,
                candidate.command.distance_m,
                already.get(day_key, 0),
            )
        if refusal is not None:
            replies[candidate.index] = [refusal]
        else:
            pid, day, _kind = day_key
            if not any(already.get((pid, day, kind), 0) for kind in ActivityKind):
                new_days.add(candidate.index)
            already[day_key] = already.get(day_key, 0) + candidate.command.distance_m
            accepted.append(candidate)
    recorded = logbook.record_activities(
        session,
        season_id,
        [
            logbook.NewActivity(
                participant_id=a.caller.participant_id,
                team_id=a.team_id,
                kind=a.command.kind,
                distance_m=a.command.distance_m,
                day=a.day,
                source_key=keys[a.index],
            )
            for a in accepted
        ],
        now,
    )
    told = _milestones_told(session, season_id, now, accepted, recorded, already, new_days)
    for item, stored in zip(accepted, recorded, strict=True):
        with i18n.using(languages[item.index]):
            replies[item.index] = [_logged(item, stored, told.get(item.index, []))]
    return replies


def _milestones_told(
    session: Session,
    season_id: int,
    now: datetime,
    accepted: list[_Accepted],
    recorded: list[logbook.Recorded],
    daily_m: dict[logbook.DayKey, int],
    new_days: set[int],
) -> dict[int, list[str]]:
    """For each log (by its index), the milestones it reaches that nobody told its caller of
    yet; they are told now."""
    # The days each caller was active: only for a log that makes a new one, the rare case.
    active: dict[int, set[date]] = defaultdict(set)
    if new_days:
        for (pid, day, _kind), metres in daily_m.items():
            if metres:
                active[pid].add(day)
    reached = {}
    for item, stored in zip(accepted, recorded, strict=True):
        after = stored.personal_total_m
        names = milestones.crossed(after - item.command.distance_m, after)
        pid = item.caller.participant_id
        if item.index in new_days and milestones.completes_streak(item.day, active[pid]):
            names.append(milestones.STREAK)
        reached[item.index] = [(pid, name) for name in names]
    fresh = milestone_store.claim(
        session, season_id, [pair for pairs in reached.values() for pair in pairs], now
    )
    return {
        index: [name for pid, name in pairs if (pid, name) in fresh]
        for index, pairs in reached.items()
    }


def stored_language(callers: logbook.Callers, incoming: Incoming) -> str | None:
    caller = callers.found.get((incoming.platform, incoming.user_id))
    return None if caller is None else caller.language


def _logged(item: _Accepted, stored: logbook.Recorded, reached: list[str]) -> Reply:
    """What a log that was written says."""
    described = describe(item.command.distance_m, item.command.kind, item.day)
    lines = [_("Logged #{id}: {activity}.").format(id=stored.activity_id, activity=described)]
    if item.command.unit_assumed:
        lines.append(_("No unit given, so I read it as km."))
    lines += milestone_lines(reached)
    lines += standing_lines(
        (stored.personal_total_m, stored.person_rank),
        (item.caller.team_name or "", stored.team_total_m, stored.team_rank),
        stored.team_count,
    )
    return say(*lines)


def _callers(
    session: Session,
    season_id: int,
    incomings: list[Incoming],
    stored: logbook.Callers,
    since: date,
    now: datetime,
) -> logbook.Callers:
    """Each caller as stored; a first contact or a new display name is recorded first."""
    changed = []
    for incoming in incomings:
        account = (incoming.platform, incoming.user_id)
        # No name from the platform (a profile lookup that failed) renames nobody.
        name = incoming.display_name or ""
        caller = stored.found.get(account)
        if caller is None or (repo.clean_name(name) not in ("", caller.display_name)):
            repo.account_participant(session, *account, name, now)
            changed.append(account)
    if not changed:
        return stored
    again = logbook.callers(session, season_id, changed, since)
    return logbook.Callers(stored.found | again.found, stored.recent_m | again.recent_m)


def _earliest_day(config: Config, now: datetime, commands: list[Log]) -> date:
    """The earliest day any of these logs can be for, whatever its caller's time zone: the
    daily totals the limit check needs start there."""
    # No time zone is more than 12 hours behind UTC, and a day a log names never moves
    # back when "today" moves forward.
    earliest_today = (now.astimezone(UTC) - timedelta(hours=12)).date()
    oldest_open = earliest_today - timedelta(days=config.season.late_logging_days)
    days = [resolve_day(command.day, earliest_today) for command in commands]
    return max(oldest_open, min((day for day in days if day is not None), default=oldest_open))


def _log_day(config: Config, command: Log, today: date) -> date | Reply:
    """The day a log is for, or why it cannot be logged then."""
    # Today is the day most often right when the typed one is refused.
    today_example = f"log {command.distance_m / 1000:g} km {command.kind}"
    day = resolve_day(command.day, today)
    if day is None:
        return say(_("That day doesn't exist in a recent year."), example=today_example)
    season = config.season
    refusal = log_day_refusal(day, today, season.start, season.end, season.late_logging_days)
    if refusal is not None:
        return say(refusal, example=today_example)
    return day


def over_limit(config: Config, kind: str, distance_m: int, already_m: int) -> Reply | None:
    """Why `distance_m` more of `kind` on a day that has `already_m` is past the daily limit."""
    limit_m = config.limits.max_metres(ActivityKind(kind))
    if already_m + distance_m <= limit_m:
        return None
    lines = [_(_OVER_LIMIT[ActivityKind(kind)]).format(limit=figures.km(limit_m))]
    if already_m:
        lines.append(_("You already have {km} that day.").format(km=figures.km(already_m)))
    lines.append(_("If it's a typo, log the right distance."))
    return say(" ".join(lines), example=f"log 12km {kind}")


@command(
    Undo,
    "undo",
    help=N_("remove your latest log"),
    example="undo",
    who=Who.MEMBERS,
    writes=True,
)
def undo_last(ctx: Context, _command: Undo) -> Reply:
    if (over := season_over(ctx.store)) is not None:
        return over
    ctx.store.lock_caller()
    activity = ctx.store.my_latest_activity()
    if activity is None:
        return say(_("You have nothing logged to undo."), example="log 5km run")
    return _remove_own(ctx, activity)


@command(
    Delete,
    "delete ID",
    help=N_("remove one of your logs"),
    example="delete 42",
    who=Who.MEMBERS,
    writes=True,
)
def delete_activity(ctx: Context, command: Delete) -> Reply:
    if (over := season_over(ctx.store)) is not None:
        return over
    ctx.store.lock_caller()
    activity = ctx.store.activity(command.activity_id)
    if activity is None or activity.participant_id != ctx.participant.id:
        return say(
            _("You have no log #{id}. The reply to each log shows its number.").format(
                id=command.activity_id
            ),
            example="undo",
        )
    if activity.deleted_at is not None:
        return say(_("#{id} was already removed.").format(id=activity.id), example="undo")
    return _remove_own(ctx, activity)


@command(
    SetTimezone,
    "timezone ZONE",
    help=N_("set what 'today' means for you"),
    example="timezone Europe/Helsinki",
    who=Who.EVERYONE,
    writes=True,
)
def set_timezone(ctx: Context, command: SetTimezone) -> Reply:
    ctx.participant.timezone = command.zone
    return say(
        _("Your time zone is now {zone}; today for you is {day}.").format(
            zone=command.zone, day=figures.day(ctx.today)
        )
    )


def _remove_own(ctx: Context, activity: Activity) -> Reply:
    ctx.store.remove_activity(activity, "removed by its owner")
    removed = describe(activity.distance_m, activity.kind, activity.day)
    # The team the log counted for, which may not be the caller's team any more.
    team = ctx.store.team_by_id(activity.team_id)
    mine = ctx.store.my_totals().total_m
    ranks = ctx.store.ranks([mine], [team.total_m] if team is not None else [])
    lines = standing_lines(
        (mine, ranks.of_person[mine]),
        (team.name, team.total_m, ranks.of_team[team.total_m]) if team is not None else None,
        ranks.team_count,
    )
    return say(_("Removed #{id}: {activity}.").format(id=activity.id, activity=removed), *lines)


def describe(distance_m: int, kind: str, day: date) -> str:
    """`12.5 km cycle on Sat 3 Jul`."""
    return _("{km} {kind} on {day}").format(
        km=figures.km(distance_m), kind=figures.kind(kind), day=figures.day(day)
    )


def milestone_lines(reached: list[str]) -> list[str]:
    """A line for each milestone reached, in the order they come."""
    lines = []
    for name in reached:
        if name == milestones.FIRST:
            lines.append(_("Your first log: welcome to the challenge!"))
        elif name == milestones.STREAK:
            lines.append(_("Seven days in a row with a log: a week's streak!"))
        else:
            km = int(name.removeprefix("km"))
            lines.append(
                _("Milestone: you passed {km} this season!").format(km=figures.km(km * 1000))
            )
    return lines


def standing_lines(
    person: tuple[int, int], team: tuple[str, int, int] | None, team_count: int
) -> list[str]:
    """The caller's season total and rank, and a team's (name, total, rank); nobody is ranked
    on nothing logged."""
    total_m, rank = person
    lines = [
        _("You: {km} this season, rank {rank}.").format(km=figures.km(total_m), rank=rank)
        if total_m
        else _("You: nothing logged this season.")
    ]
    if team is not None:
        name, team_m, team_rank = team
        lines.append(
            ngettext(
                "{team}: {km}, rank {rank} of {count} team.",
                "{team}: {km}, rank {rank} of {count} teams.",
                team_count,
            ).format(
                team=name, km=figures.km(team_m), rank=team_rank, count=figures.number(team_count)
            )
            if team_m
            else _("{team}: nothing logged yet.").format(team=name)
        )
    return lines
