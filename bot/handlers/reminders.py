"""Opt-in reminders: a nudge at the person's own time on days they logged nothing, and a Monday
summary of last week; each sent once a day, whoever looks."""

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import i18n
from bot.commands import Remind
from bot.config import Config
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.i18n import N_, _
from bot.replies import Button, Buttons, Example, Reply, Text, ToParticipant, say
from storage import reminders
from storage.models import Reminder
from storage.season_store import SeasonStore

# A reminder missed by this much (the bot restarting) is still sent; a later one is not.
LATE_BY = timedelta(minutes=15)
WEEKLY_AT = 9 * 60  # Monday 09:00 for someone with no daily time
DAILY, WEEKLY = "daily", "weekly"


@command(
    Remind,
    "remind [HH:MM]",
    help=N_("a nudge at that time on days you logged nothing; weekly for a Monday summary"),
    example="remind 19:30",
    who=Who.EVERYONE,
    writes=True,
)
def set_reminder(ctx: Context, command: Remind) -> Reply:
    store = ctx.store
    current = store.my_reminder()
    if command.off:
        if not store.stop_reminders():
            return say(_("You have no reminders."), example="remind 19:30")
        return say(_("Reminders are off. Nothing more will come."), example="remind 19:30")
    if command.minute is None and command.weekly is None:
        return say(
            _describe(ctx, current), example="remind 19:30" if current is None else "remind off"
        )
    minute = command.minute if command.minute is not None else (current.minute if current else None)
    weekly = command.weekly if command.weekly is not None else bool(current and current.weekly)
    if minute is None and not weekly:
        store.stop_reminders()
        return say(_("Reminders are off. Nothing more will come."), example="remind 19:30")
    store.set_reminder(minute, weekly)
    return Reply(
        (
            Text(_describe(ctx, store.my_reminder())),
            Example("remind off", label=_("Stop them with")),
        )
    )


def _describe(ctx: Context, current: Reminder | None) -> str:
    if current is None:
        return _("You have no reminders. They are off until you ask for them.")
    zone = ctx.zone.key
    lines = []
    if current.minute is not None:
        lines.append(
            _(
                "I'll remind you at {time} ({zone}) on challenge days when you have logged nothing."
            ).format(time=_clock(current.minute), zone=zone)
        )
    if current.weekly:
        lines.append(_("Every Monday you get a summary of the week before."))
    return " ".join(lines)


def _clock(minute: int) -> str:
    return f"{minute // 60:02}:{minute % 60:02}"


# -- sent once a day -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    participant_id: int
    day: date
    kind: str
    language: str


def claim_reminders(session: Session, config: Config, season_id: int, now: datetime) -> list[Reply]:
    """The reminders due now (at each person's own time, in their own zone, within the season),
    each claimed first so that it goes once, however many instances look."""
    season, languages = config.season, config.languages
    due: list[_Due] = []
    for asked in reminders.everyone(session):
        zone = _zone(asked.timezone, season.timezone)
        local = now.astimezone(zone)
        day = local.date()
        if not season.start <= day <= season.end:
            continue
        language = asked.language if asked.language in languages.shipped else languages.default
        minutes = local.hour * 60 + local.minute
        if asked.minute is not None and _in_window(minutes, asked.minute):
            due.append(_Due(asked.participant_id, day, DAILY, language))
        weekly_at = asked.minute if asked.minute is not None else WEEKLY_AT
        if asked.weekly and local.weekday() == 0 and _in_window(minutes, weekly_at):
            due.append(_Due(asked.participant_id, day, WEEKLY, language))
    if not due:
        return []
    active = reminders.active_on(
        session, season_id, [(d.participant_id, d.day) for d in due if d.kind == DAILY]
    )
    wanted = [d for d in due if not (d.kind == DAILY and d.participant_id in active)]
    claimed = reminders.claim(session, [(d.participant_id, d.day, d.kind) for d in wanted], now)
    store = SeasonStore(session, season_id, now)
    sent = [d for d in wanted if (d.participant_id, d.day, d.kind) in claimed]
    weeks = _WeekFigures(store) if any(d.kind == WEEKLY for d in sent) else None
    replies = []
    reached = store.accounts_of_each([item.participant_id for item in sent])
    for item in sent:
        accounts = reached.get(item.participant_id)
        if not accounts:
            continue
        with i18n.using(item.language):
            parts = _nudge() if item.kind == DAILY else weeks.summary(item)  # type: ignore[union-attr]
            replies.append(Reply(parts, ToParticipant(accounts)))
    return replies


def _in_window(minutes: int, at: int) -> bool:
    return 0 <= minutes - at < LATE_BY.total_seconds() // 60


def _zone(name: str | None, season_zone: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else season_zone
    except (ValueError, KeyError):
        return season_zone


def _nudge() -> tuple:
    return (
        Text(_("Nothing logged today yet. A short walk counts too!")),
        Example("log 3 km walk"),
        Buttons((Button(_("Stop these"), "remind off"),)),
    )


class _WeekFigures:
    """Last week (Monday to Sunday) for everyone: what each logged, and the ranks before and
    after it, read once for all the Monday summaries of one look."""

    def __init__(self, store: SeasonStore) -> None:
        today = store.now.date()
        self.store = store
        self.first = today - timedelta(days=today.weekday() + 7)
        self.last = self.first + timedelta(days=6)
        self.week = reminders.week_metres(store.session, store.season_id, self.first, self.last)
        self.totals = store.person_totals()
        before = [total - self.week.get(pid, 0) for pid, total in self.totals.items()]
        self.before_sorted = sorted(before)
        self.now_sorted = sorted(self.totals.values())

    def summary(self, item: _Due) -> tuple:
        pid = item.participant_id
        total = self.totals.get(pid, 0)
        week = self.week.get(pid, 0)
        rank_now = _rank(self.now_sorted, total)
        rank_then = _rank(self.before_sorted, total - week)
        lines = [
            _("Last week, {first} to {last}: you logged {km}.").format(
                first=figures.day(self.first), last=figures.day(self.last), km=figures.km(week)
            ),
            _("You are rank {rank} ({moved}).").format(
                rank=rank_now, moved=figures.movement(rank_then, rank_now)[1]
            ),
        ]
        team = self.store.team_of(pid)
        if team is not None:
            members = self.store.members(team)
            team_week = sum(self.week.get(m.participant_id, 0) for m in members)
            lines.append(
                _("{team} logged {km} last week, and is rank {rank}.").format(
                    team=team.name, km=figures.km(team_week), rank=self.store.team_rank(team)
                )
            )
        return (
            *(Text(line) for line in lines),
            Buttons((Button(_("Stop these"), "remind off"),)),
        )


def _rank(ascending: list[int], total: int) -> int:
    """1 + how many have more."""
    return len(ascending) - bisect.bisect_right(ascending, total) + 1
