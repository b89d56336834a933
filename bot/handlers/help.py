"""The commands this user may use, with one example each."""

from bot.commands import Help
from bot.handlers.context import Context
from bot.replies import Heading, Reply, Table

EVERYONE = (
    ("newteam NAME", "create a team and captain it", "newteam Red Rockets"),
    ("join NAME", "join a team", "join Red Rockets"),
    ("leave", "leave your team (your km stay with it)", "leave"),
    ("log DISTANCE ACTIVITY [DAY]", "record a run, walk or ride", "log 12km cycle"),
    ("undo", "remove your latest log", "undo"),
    ("delete ID", "remove one of your logs", "delete 42"),
    ("me", "your km, days active and rank", "me"),
    ("standings [people]", "team ranking, or individuals", "standings"),
    ("team [NAME]", "a team's members and their km", "team Red Rockets"),
    ("totals", "the whole challenge and the donation so far", "totals"),
    ("timezone ZONE", "set what 'today' means for you", "timezone Europe/Helsinki"),
    ("vote [CHARITY]", "see the charities, or vote for one", "vote WWF"),
    ("photo [TITLE]", "with a picture: enter the photo competition", "photo Sunrise over the Taff"),
    ("photos", "your photo entries", "photos"),
)

ADMINS = (
    (
        "admin remove ID REASON",
        "remove a bogus log; its owner is told",
        "admin remove 42 duplicate",
    ),
    ("admin announce TEXT", "post to every announcement chat", "admin announce Last week!"),
    ("admin export", "all activities as a CSV file", "admin export"),
    ("admin post", "post today's leaderboard now (once a day)", "admin post"),
    ("admin finish", "post the final report now (once)", "admin finish"),
    (
        "admin charity add NAME",
        "put a charity on the ballot (remove NAME too)",
        "admin charity add WWF",
    ),
    ("admin vote open", "announce the vote, with buttons", "admin vote open"),
    ("admin vote close", "close it and announce the counts", "admin vote close"),
    ("admin vote winner NAME", "settle a tie", "admin vote winner WWF"),
    ("admin photos list", "every photo entry with its id", "admin photos list"),
    ("admin photos winner ID", "announce the winning photo everywhere", "admin photos winner 7"),
)


def show_help(ctx: Context, _command: Help) -> Reply:
    commands = EVERYONE + (ADMINS if ctx.is_admin else ())
    season = ctx.config.season
    return Reply(
        (
            Heading(
                f"{season.name}, {season.start:%-d %b} to {season.end:%-d %b %Y}: "
                f"every km you log raises {season.currency} {season.donation_per_km} for charity."
            ),
            Table(
                ("command", "what it does", "example"),
                tuple(commands),
                command_columns=frozenset({0, 2}),
            ),
        )
    )
