"""`help`: the commands this user may use, with one example each."""

from bot.commands import Help
from bot.domain.days import short_day
from bot.handlers.context import Context
from bot.handlers.registry import Who, command, declared
from bot.replies import Heading, Reply, Table


@command(
    Help,
    "help",
    help="the commands you may use, with an example each",
    example="help",
    who=Who.EVERYONE,
    writes=False,
    aliases=("start",),  # what Telegram sends first
)
def show_help(ctx: Context, _command: Help) -> Reply:
    season, caller = ctx.config.season, ctx.caller
    rows = tuple(
        (d.syntax, d.help, d.example)
        for d in sorted(declared(), key=lambda d: d.who is Who.ADMINS)
        if d.refusal(caller) is None or d.who is Who.MEMBERS
    )
    return Reply(
        (
            Heading(
                f"{season.name}, {short_day(season.start)} to "
                f"{short_day(season.end, year=True)}: every km you log raises "
                f"{season.currency} {season.donation_per_km} for charity."
            ),
            Table(("command", "what it does", "example"), rows, command_columns=frozenset({0, 2})),
        )
    )
