"""Where people are: each person's country, and the countries ranked."""

from bot import i18n
from bot.commands import SetCountry, StandingsCountries
from bot.domain import countries
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.handlers.standings import TOP, competition_ranks
from bot.i18n import N_, _
from bot.replies import Heading, Reply, Table, say
from storage.repository import CountryRow
from storage.season_store import SeasonStore


@command(
    SetCountry,
    "country [CODE]",
    help=N_("set your country, for the country ranking"),
    example="country DE",
    who=Who.EVERYONE,
    writes=True,
)
def set_country(ctx: Context, command: SetCountry) -> Reply:
    if command.off:
        ctx.participant.country = None
        return say(_("Your country is cleared."), example="country DE")
    if command.code is None:
        code = ctx.participant.country
        if code is None:
            return say(_("You have not set your country."), example="country DE")
        return say(
            _("Your country: {country}.").format(country=shown(code)),
            example="standings countries",
        )
    ctx.participant.country = command.code
    return say(
        _("Your country is now {country}.").format(country=shown(command.code)),
        example="standings countries",
    )


@command(
    StandingsCountries,
    "standings countries",
    help=N_("the countries ranked by km, and by km per participant"),
    example="standings countries",
    who=Who.EVERYONE,
    writes=False,
    words={
        "de": "stand laender",
        "fr": "classement pays",
        "es": "clasificacion paises",
        "it": "classifica paesi",
        "nl": "stand landen",
        "pl": "ranking kraje",
    },
)
def show_countries(ctx: Context, _command: StandingsCountries) -> Reply:
    rows = ctx.store.country_totals()
    if not rows:
        return say(_("Nobody has set a country yet."), example="country DE")
    mine = ctx.participant.country
    by_km = rows[:TOP]
    per_person = sorted(rows, key=lambda row: (-row.total_m / row.people, row.code))[:TOP]
    return Reply(
        (
            Heading(_("Countries by km")),
            _table(by_km, [row.total_m for row in by_km], mine),
            Heading(_("Countries by km per participant")),
            _table(per_person, [row.total_m // row.people for row in per_person], mine),
        )
    )


def _table(rows: list[CountryRow], metres: list[int], mine: str | None) -> Table:
    ranks = competition_ranks(metres)
    return Table(
        ("#", _("country"), _("km"), _("people")),
        tuple(
            (str(rank), shown(row.code), figures.km_number(m), figures.number(row.people))
            for rank, row, m in zip(ranks, rows, metres, strict=True)
        ),
        right_aligned=frozenset({2, 3}),
        marked_row=next((i for i, row in enumerate(rows) if row.code == mine), None),
    )


def shown(code: str) -> str:
    """`Germany (DE)`, the name in the reader's language."""
    return f"{countries.name(code, i18n.language())} ({code})"


def top_countries_line(store: SeasonStore) -> str | None:
    """`Top countries: Germany (DE) 1,234 km, ...`, for the final report; None with none."""
    rows = store.country_totals()[:3]
    if not rows:
        return None
    listed = ", ".join(f"{shown(row.code)} {figures.km(row.total_m)}" for row in rows)
    return _("Top countries: {countries}.").format(countries=listed)
