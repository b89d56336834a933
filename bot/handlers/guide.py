"""`help`: the commands this user may use, with one example each."""

from bot import i18n
from bot.commands import Help
from bot.domain.days import short_day
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Declaration, Who, command, declared
from bot.i18n import N_, _
from bot.replies import Heading, Reply, Table
from bot.vocabulary import in_readers_words


@command(
    Help,
    "help",
    help=N_("the commands you may use, with an example each"),
    example="help",
    who=Who.EVERYONE,
    writes=False,
    aliases=("start",),  # what Telegram sends first
)
def show_help(ctx: Context, _command: Help) -> Reply:
    season, caller = ctx.config.season, ctx.caller
    rows = tuple(
        (_syntax(d), _(d.help), in_readers_words(d.example, i18n.language()))
        for d in sorted(declared(), key=lambda d: d.who is Who.ADMINS)
        if d.refusal(caller) is None or d.who is Who.MEMBERS
    )
    return Reply(
        (
            Heading(
                _("{season}, {start} to {end}: every km you log raises {rate} for charity.").format(
                    season=season.name,
                    start=short_day(season.start),
                    end=short_day(season.end, year=True),
                    rate=figures.money(season.donation_per_km, season.currency),
                )
            ),
            Table(
                (_("command"), _("what it does"), _("example")),
                rows,
                command_columns=frozenset({0, 2}),
            ),
        )
    )


# The arguments of the declared syntaxes, marked for the catalogues; a test checks that every
# declared command's arguments are here.
ARGUMENTS = (
    N_("DISTANCE ACTIVITY [DAY]"),
    N_("ID"),
    N_("ID REASON"),
    N_("NAME"),
    N_("TEXT"),
    N_("ZONE"),
    N_("[CHARITY]"),
    N_("[CODE]"),
    N_("[NAME]"),
    N_("[TITLE]"),
    N_("[people]"),
    N_("[ACTIVITY] [DAY]"),
    N_("AMOUNT [per km]"),
    N_("PERSON"),
    N_("[HH:MM]"),
)


def _syntax(declaration: Declaration) -> str:
    """`eintragen DISTANZ AKTIVITÄT [TAG]`: the syntax in the reader's words."""
    language = i18n.language()
    words = in_readers_words(declaration.english, language)
    arguments = declaration.arguments
    return f"{words} {_(arguments)}" if arguments else words
