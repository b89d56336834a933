"""People's own data: what is kept and why, a copy of it, erasing it, and hiding from boards."""

from datetime import timedelta

from bot.commands import Hide, Privacy, Show
from bot.domain.public_names import HIDDEN
from bot.handlers.context import Context
from bot.handlers.registry import Who, command, declared
from bot.replies import Heading, Reply, Table, Text, say


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
    kept = (
        f"It is erased {privacy.retention_days} days after the season ends "
        f"({ctx.config.season.end + timedelta(days=privacy.retention_days):%d %b %Y}); "
        "your km stay in the totals without your name."
        if privacy.retention_days
        else "It is kept until you erase it with forgetme."
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
