"""People's own data: what is kept and why, a copy of it, erasing it, and hiding from boards."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.commands import ForgetMe, Hide, MyData, Privacy, Show
from bot.domain.public_names import FORMER, HIDDEN
from bot.handlers.context import Context
from bot.handlers.registry import Who, command, declared
from bot.replies import Attachment, Button, Buttons, Example, Heading, Reply, Table, Text, say
from storage import media
from storage.personal import Image, PersonalData
from storage.season_store import SeasonStore


@command(
    Privacy,
    "privacy",
    help="what the bot keeps about you, and your choices",
    example="privacy",
    who=Who.EVERYONE,
    writes=False,
)
def show_privacy(ctx: Context, _command: Privacy) -> Reply:
    privacy = ctx.config.privacy
    names = (
        "your first name and initial (Anna K.)"
        if privacy.names == "first_initial"
        else "your display name"
    )
    erase_at = privacy.erase_at(ctx.config.season)
    kept = (
        f"it is erased {privacy.retention_days} days after the season ends "
        f"(on {erase_at:%d %b %Y}); your km stay in the totals without your name."
        if erase_at is not None
        else "it is kept until you erase it with forgetme."
    )
    return Reply(
        (
            Heading("What the challenge bot keeps about you"),
            Text(
                "Your platform account ids, your display name, your time zone, your team and "
                "when you joined or left it, every log (with removals), your charity vote "
                "and your photo entries. Never the text of your messages beyond the command "
                "it read."
            ),
            Text(
                "Why: to count your km for your team and the donation, rank teams and people, "
                "run the charity vote and the photo competition."
            ),
            Text(
                f"Who sees it: other participants see {names}, your team and your km in "
                "standings, team lists and posts (unless you hide); the challenge admins also "
                "see your logs in their export."
            ),
            Text(f"How long: {kept}"),
            Text(f"Questions about your data: ask {privacy.asked}."),
            *(
                (Text(f"You are hidden: others see you as {HIDDEN}."),)
                if ctx.participant.hidden
                else ()
            ),
            Table(
                ("command", "what it does"),
                tuple(
                    (d.example, d.help)
                    for d in declared()
                    if d.handler.__module__ == __name__ and d.command is not Privacy
                ),
                command_columns=frozenset({0}),
            ),
        )
    )


@command(
    Hide,
    "hide",
    help="leave the boards under your name; your km still count",
    example="hide",
    who=Who.EVERYONE,
    writes=True,
)
def hide(ctx: Context, _command: Hide) -> Reply:
    if ctx.participant.hidden:
        return say(f"You are already hidden: others see you as {HIDDEN}.", example="show")
    ctx.participant.hidden = True
    return say(
        f"You are hidden: standings, team lists, posts and the admins' export show you as "
        f"{HIDDEN}. Your km still count for your team and the donation, and you still see "
        "yourself in me.",
        example="show",
    )


@command(
    Show,
    "show",
    help="appear under your name again",
    example="show",
    who=Who.EVERYONE,
    writes=True,
)
def show(ctx: Context, _command: Show) -> Reply:
    if not ctx.participant.hidden:
        return say("You are not hidden: others see you under your name.", example="hide")
    ctx.participant.hidden = False
    return say("You are shown under your name again.", example="hide")


@command(
    MyData,
    "mydata",
    help="a file of everything kept about you, sent to you only",
    example="mydata",
    who=Who.EVERYONE,
    writes=False,
)
def send_my_data(ctx: Context, _command: MyData) -> Reply:
    document = my_data_document(ctx.store.my_data(), ctx.now)
    content = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    filename = f"mydata-{ctx.now.astimezone(ctx.config.season.timezone):%Y-%m-%d-%H%M%S}.json"
    return Reply(
        (
            Text(
                "Everything the challenge bot keeps about you, as a file for you only. "
                "Teammates appear only in your teams' totals."
            ),
            Attachment(filename, content, "application/json"),
        )
    )


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
            }
            for season, activity in data.activities
        ],
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
        "admin_actions": [
            {"action": entry.action, "at": _moment(entry.at)} for entry in data.admin_actions
        ],
    }


def _remover(removed_by: int | None, me: int) -> str | None:
    """Who removed a log, without naming anyone else."""
    if removed_by is None:
        return None
    return "you" if removed_by == me else "an admin"


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@command(
    ForgetMe,
    "forgetme",
    help="erase your name and accounts for good; your km stay",
    example="forgetme",
    who=Who.EVERYONE,
    writes=True,
)
def forget_me(ctx: Context, command: ForgetMe) -> Reply:
    if not command.confirmed:
        return Reply(
            (
                Text(
                    "This erases your name, your platform accounts, your time zone and your "
                    "photo entries (unless one won), and takes you out of your team. Your km "
                    f"stay with the team, credited to {FORMER}, so the totals and the "
                    "donation do not change. It cannot be undone; mydata first gives you a copy."
                ),
                Buttons((Button("Erase my data", "forgetme confirm"),)),
                Example("forgetme confirm", "Or type"),
            )
        )
    ctx.store.lock_caller()
    images = ctx.store.forget_me()
    ctx.store.audit("forgetme")
    for sha256, media_type in images:
        media.remove(ctx.config.photos.media_dir, sha256, media_type)
    return say(
        f"Done: your name, accounts and time zone are erased, and your km are now {FORMER}'s. "
        "If you write again, you start as a new participant."
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
