"""People's own data: what is kept and why, a copy of it, erasing it, and hiding from boards."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot import i18n
from bot.commands import ForgetMe, Hide, MyData, Privacy, Show
from bot.domain.days import short_day
from bot.domain.public_names import FORMER, HIDDEN
from bot.handlers.context import Context
from bot.handlers.registry import Who, command, declared
from bot.i18n import N_, _, ngettext
from bot.replies import Attachment, Button, Buttons, Example, Heading, Reply, Table, Text, say
from storage import media
from storage.models import ActivityFile, PendingUpload
from storage.personal import Image, PersonalData
from storage.season_store import SeasonStore


@command(
    Privacy,
    "privacy",
    help=N_("what the bot keeps about you, and your choices"),
    example="privacy",
    who=Who.EVERYONE,
    writes=False,
)
def show_privacy(ctx: Context, _command: Privacy) -> Reply:
    privacy = ctx.config.privacy
    if privacy.names == "first_initial":
        seen = _(
            "Who sees it: other participants see your first name and initial (Anna K.), your "
            "team and your km in standings, team lists and posts (unless you hide); the "
            "challenge admins also see your logs in their export."
        )
    else:
        seen = _(
            "Who sees it: other participants see your display name, your team and your km in "
            "standings, team lists and posts (unless you hide); the challenge admins also see "
            "your logs in their export."
        )
    erase_at = privacy.erase_at(ctx.config.season)
    if erase_at is not None:
        kept = ngettext(
            "How long: it is erased {count} day after the season ends (on {day}); your km "
            "stay in the totals without your name.",
            "How long: it is erased {count} days after the season ends (on {day}); your km "
            "stay in the totals without your name.",
            privacy.retention_days,
        ).format(count=privacy.retention_days, day=_erase_day(erase_at.date()))
    else:
        kept = _("How long: it is kept until you erase it with forgetme.")
    return Reply(
        (
            Heading(_("What the challenge bot keeps about you")),
            Text(
                _(
                    "Your platform account ids, your display name, your time zone, your "
                    "language, your team and when you joined or left it, every log (with "
                    "removals), your charity vote and your photo entries; of an activity file, "
                    "its distance, its start and end times and a fingerprint (a hash), never "
                    "the route. "
                    "Never the text of your messages beyond the command it read."
                )
            ),
            Text(
                _(
                    "Why: to count your km for your team and the donation, rank teams and "
                    "people, run the charity vote and the photo competition."
                )
            ),
            Text(seen),
            Text(kept),
            Text(_("Questions about your data: ask {whom}.").format(whom=privacy.asked)),
            *(
                (Text(_("You are hidden: others see you as {name}.").format(name=_(HIDDEN))),)
                if ctx.participant.hidden
                else ()
            ),
            Table(
                (_("command"), _("what it does")),
                tuple(
                    (d.example, _(d.help))
                    for d in declared()
                    if d.handler.__module__ == __name__ and d.command is not Privacy
                ),
                command_columns=frozenset({0}),
            ),
        )
    )


def _erase_day(day: date) -> str:
    """`01 Oct 2021`, as this reply always wrote it in English; the locale's own elsewhere."""
    return f"{day:%d %b %Y}" if i18n.language() == i18n.SOURCE else short_day(day, year=True)


@command(
    Hide,
    "hide",
    help=N_("leave the boards under your name; your km still count"),
    example="hide",
    who=Who.EVERYONE,
    writes=True,
)
def hide(ctx: Context, _command: Hide) -> Reply:
    if ctx.participant.hidden:
        return say(
            _("You are already hidden: others see you as {name}.").format(name=_(HIDDEN)),
            example="show",
        )
    ctx.participant.hidden = True
    return say(
        _(
            "You are hidden: standings, team lists, posts and the admins' export show you as "
            "{name}. Your km still count for your team and the donation, and you still see "
            "yourself in me."
        ).format(name=_(HIDDEN)),
        example="show",
    )


@command(
    Show,
    "show",
    help=N_("appear under your name again"),
    example="show",
    who=Who.EVERYONE,
    writes=True,
)
def show(ctx: Context, _command: Show) -> Reply:
    if not ctx.participant.hidden:
        return say(_("You are not hidden: others see you under your name."), example="hide")
    ctx.participant.hidden = False
    return say(_("You are shown under your name again."), example="hide")


@command(
    MyData,
    "mydata",
    help=N_("a file of everything kept about you, sent to you only"),
    example="mydata",
    who=Who.EVERYONE,
    writes=False,
)
def send_my_data(ctx: Context, _command: MyData) -> Reply:
    document = _labelled(my_data_document(ctx.store.my_data(), ctx.now))
    content = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    filename = f"mydata-{ctx.now.astimezone(ctx.config.season.timezone):%Y-%m-%d-%H%M%S}.json"
    return Reply(
        (
            Text(
                _(
                    "Everything the challenge bot keeps about you, as a file for you only. "
                    "Teammates appear only in your teams' totals."
                )
            ),
            Attachment(filename, content, "application/json"),
        )
    )


# The mydata file's labels, in the reader's language.
_LABELS = (
    N_("exported_at"),
    N_("participant"),
    N_("id"),
    N_("display_name"),
    N_("time_zone"),
    N_("language"),
    N_("country"),
    N_("hidden"),
    N_("first_seen"),
    N_("accounts"),
    N_("platform"),
    N_("teams"),
    N_("season"),
    N_("team"),
    N_("joined"),
    N_("left"),
    N_("captain"),
    N_("team_total_m"),
    N_("activities"),
    N_("day"),
    N_("kind"),
    N_("distance_m"),
    N_("logged"),
    N_("removed"),
    N_("removed_by"),
    N_("removal_reason"),
    N_("file"),
    N_("started"),
    N_("ended"),
    N_("moving_s"),
    N_("file_waiting"),
    N_("pledges"),
    N_("reminder"),
    N_("daily_at"),
    N_("weekly"),
    N_("fixed"),
    N_("per_km"),
    N_("pledged"),
    N_("received"),
    N_("votes"),
    N_("charity"),
    N_("cast"),
    N_("photos"),
    N_("title"),
    N_("entered"),
    N_("media_type"),
    N_("size_bytes"),
    N_("sha256"),
    N_("won"),
    N_("admin_actions"),
    N_("action"),
    N_("at"),
)


def _labelled(value: Any) -> Any:
    """The document with its labels in the reader's language; the values as they are."""
    if isinstance(value, dict):
        return {_(key) if key in _LABELS else key: _labelled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_labelled(item) for item in value]
    return value


def my_data_document(data: PersonalData, now: datetime) -> dict[str, Any]:
    """The caller's data as JSON values: their own rows, and of others nothing but the
    totals of the teams they were in."""
    me = data.participant
    return {
        "exported_at": _moment(now),
        "participant": {
            "id": me.id,
            "display_name": me.display_name,
            "time_zone": me.timezone,
            "language": me.language,
            "country": me.country,
            "hidden": me.hidden,
            "first_seen": _moment(me.created_at),
        },
        "accounts": [{"platform": a.platform, "id": a.external_id} for a in data.accounts],
        "teams": [
            {
                "season": stay.season,
                "team": stay.team,
                "joined": _moment(stay.joined.joined_at),
                "left": _moment(stay.joined.left_at),
                "captain": stay.captain_now,
                "team_total_m": stay.team_total_m,
            }
            for stay in data.teams
        ],
        "activities": [
            {
                "season": season,
                "id": activity.id,
                "day": activity.day.isoformat(),
                "kind": activity.kind,
                "distance_m": activity.distance_m,
                "logged": _moment(activity.created_at),
                "removed": _moment(activity.deleted_at),
                "removed_by": _remover(activity.deleted_by, me.id),
                "removal_reason": activity.delete_reason,
                "file": _file_facts(file),
            }
            for season, activity, file in data.activities
        ],
        "file_waiting": (
            None
            if data.file_waiting is None
            else {
                "received": _moment(data.file_waiting.received_at),
                "distance_m": data.file_waiting.distance_m,
                **_file_facts(data.file_waiting),
            }
        ),
        "votes": [
            {"season": season, "charity": charity, "cast": _moment(ballot.cast_at)}
            for season, charity, ballot in data.votes
        ],
        "photos": [
            {
                "season": season,
                "id": entry.id,
                "title": entry.title,
                "entered": _moment(entry.created_at),
                "media_type": entry.media_type,
                "size_bytes": entry.size_bytes,
                "sha256": entry.sha256,
                "won": won,
            }
            for season, entry, won in data.photos
        ],
        "pledges": [
            {
                "season": season,
                "fixed": _amount(pledge.fixed),
                "per_km": _amount(pledge.per_km),
                "pledged": _moment(pledge.pledged_at),
            }
            for season, pledge in data.pledges
        ],
        "reminder": (
            None
            if data.reminder is None
            else {
                "daily_at": None
                if data.reminder.minute is None
                else f"{data.reminder.minute // 60:02}:{data.reminder.minute % 60:02}",
                "weekly": data.reminder.weekly,
            }
        ),
        "admin_actions": [
            {"action": entry.action, "at": _moment(entry.at)} for entry in data.admin_actions
        ],
    }


def _file_facts(file: ActivityFile | PendingUpload | None) -> dict[str, Any] | None:
    """What is kept of an activity file: its time and fingerprint, never its route."""
    if file is None:
        return None
    return {
        "started": _moment(file.started_at),
        "ended": _moment(file.ended_at),
        "moving_s": file.moving_s,
        "sha256": file.sha256,
    }


def _remover(removed_by: int | None, me: int) -> str | None:
    """Who removed a log, without naming anyone else."""
    if removed_by is None:
        return None
    return _("you") if removed_by == me else _("an admin")


def _amount(value: Decimal | None) -> str | None:
    """Money as text: JSON's numbers are floats."""
    return str(value) if value is not None else None


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@command(
    ForgetMe,
    "forgetme",
    help=N_("erase your name and accounts for good; your km stay"),
    example="forgetme",
    who=Who.EVERYONE,
    writes=True,
)
def forget_me(ctx: Context, command: ForgetMe) -> Reply:
    if not command.confirmed:
        return Reply(
            (
                Text(
                    _(
                        "This erases your name, your platform accounts, your time zone, your "
                        "language and your photo entries (unless one won), and takes you out "
                        "of your team. Your km stay with the team, credited to {name}, so the "
                        "totals and the donation do not change. It cannot be undone; mydata "
                        "first gives you a copy."
                    ).format(name=_(FORMER))
                ),
                Buttons((Button(_("Erase my data"), "forgetme confirm"),)),
                Example("forgetme confirm", _("Or type")),
            )
        )
    ctx.store.lock_caller()
    images = ctx.store.forget_me()
    ctx.store.audit("forgetme")
    for sha256, media_type in images:
        media.remove(ctx.config.photos.media_dir, sha256, media_type)
    return say(
        _(
            "Done: your name, accounts and time zone are erased, and your km are now {name}'s. "
            "If you write again, you start as a new participant."
        ).format(name=_(FORMER))
    )


def erasure_key(season_id: int) -> str:
    return f"{season_id}:erase-personal-data"


@dataclass(frozen=True)
class Erased:
    people: int
    images: list[Image]  # to delete from disk once the erasure is committed


def claim_erasure(session: Session, season_id: int, now: datetime) -> Erased | None:
    """The retention job: erase what `forgetme` erases, for everyone in the season, if this
    caller is the first to claim it in the post ledger (a restart or a second instance finds
    it claimed, and does nothing); None when it was claimed before."""
    store = SeasonStore(session, season_id, now)
    if not store.claim_post(erasure_key(season_id)):
        return None
    people, images = store.forget_everyone()
    store.mark_post_sent(erasure_key(season_id))
    return Erased(people, images)
