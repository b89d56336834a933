"""Where everyone stands: me, standings, totals. Read from running totals only."""

from decimal import Decimal

from bot.commands import Me, Standings, Totals
from bot.config import Config, SeasonConfig
from bot.domain.kinds import ActivityKind
from bot.domain.money import Donation, season_donation
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.i18n import N_, _, ngettext
from bot.replies import Heading, Reply, Table, Text, say
from storage.models import Participant, Team
from storage.pledges import PledgeRow
from storage.repository import Person, PersonRow, SeasonSums
from storage.season_store import SeasonStore

# How many teams and people a ranking lists, here and in the scheduled posts.
TOP = 10
# How many people `standings people` shows just ahead of the caller, and just behind.
NEIGHBOURS = 5


@command(
    Me,
    "me",
    help=N_("your km, days active and rank"),
    example="me",
    who=Who.MEMBERS,
    writes=False,
)
def show_me(ctx: Context, _command: Me) -> Reply:
    standing = ctx.store.my_standing()
    totals, team = standing.totals, standing.team
    rank, out_of = ctx.store.person_standing(totals.total_m)
    parts = [
        Heading(
            _("{name}: {km}").format(
                name=ctx.participant.display_name, km=figures.km(totals.total_m)
            )
        ),
        kinds_table(totals.run_m, totals.walk_m, totals.cycle_m, with_total=True),
        Text(
            _("Days active: {days}. Rank {rank} of {out_of}.").format(
                days=standing.days_active, rank=rank, out_of=out_of
            )
        ),
    ]
    if team is not None:
        mine = standing.contributed_m
        parts.append(
            Text(
                _("Your share of {team}: {share} ({km} of {team_km}).").format(
                    team=team.name,
                    share=figures.share(mine, team.total_m),
                    km=figures.km(mine),
                    team_km=figures.km(team.total_m),
                )
            )
        )
    pledge = ctx.store.my_pledge()
    if pledge is not None:
        parts.append(Text(pledge_line(ctx.config.season, pledge)))
    return Reply(tuple(parts))


@command(
    Standings,
    "standings [people]",
    help=N_("team ranking, or individuals"),
    example="standings",
    who=Who.EVERYONE,
    writes=False,
)
def show_standings(ctx: Context, command: Standings) -> Reply:
    return _people_standings(ctx) if command.people else _team_standings(ctx)


def _team_standings(ctx: Context) -> Reply:
    teams = list(ctx.store.top_teams(TOP))
    if not teams:
        return say(_("No teams yet. Be the first!"), example="newteam Red Rockets")
    ranks = competition_ranks([team.total_m for team in teams])
    marked = None
    mine = ctx.team
    if mine is not None:
        marked = next((i for i, team in enumerate(teams) if team.id == mine.id), None)
        if marked is None:
            teams.append(mine)
            ranks.append(ctx.store.team_rank(mine))
            marked = len(teams) - 1
    before = ctx.store.ranks_before(ctx.today, [team.id for team in teams])
    rows = [
        (*team_row(rank, team), figures.movement(before.get(team.id), rank)[0])
        for rank, team in zip(ranks, teams, strict=True)
    ]
    return Reply(
        (
            Heading(_("Team standings, {day}").format(day=figures.day(ctx.today))),
            Table(
                ("#", _("team"), _("km"), _("members"), _("km/member"), "±"),
                tuple(rows),
                right_aligned=frozenset({0, 2, 3, 4}),
                marked_row=marked,
            ),
        )
    )


def team_row(rank: int, team: Team) -> tuple[str, ...]:
    per_member = team.total_m // team.member_count if team.member_count else 0
    return (
        shown_rank(rank, team.total_m),
        team.name,
        figures.km_number(team.total_m),
        figures.number(team.member_count),
        figures.km_number(per_member),
    )


def _people_standings(ctx: Context) -> Reply:
    """The top ten and, for someone below them, the five just ahead and the five just behind;
    never everyone, however many take part."""
    me = ctx.participant
    people = ctx.store.top_people(TOP)
    if not people:
        return say(_("Nobody has logged anything yet."), example="log 5km run")
    top_ranks = competition_ranks([p.total_m for p in people])
    rows = _person_rows(ctx, people, top_ranks)
    marked = next((i for i, p in enumerate(people) if p.participant_id == me.id), None)
    totals, team = ctx.store.my_totals(), ctx.team
    around: list[PersonRow] = []
    if marked is None and (team is not None or totals.total_m):
        ahead, behind = ctx.store.people_around(me.id, totals.total_m, NEIGHBOURS)
        mine = PersonRow(me.id, _as_person(me), team.name if team else None, totals.total_m)
        listed = {p.participant_id for p in people}
        around = [p for p in (*ahead, mine, *behind) if p.participant_id not in listed]
    # The neighbourhood's ranks and the head count, in one read.
    asked = ctx.store.ranks([p.total_m for p in around], [], count_people=True)
    counted = asked.person_count or 0
    if around:
        ranks = asked.of_person
        if ranks[around[0].total_m] > top_ranks[-1] + 1:
            rows.append(("…", "", "", ""))
        marked = len(rows) + around.index(mine)
        rows += _person_rows(ctx, around, [ranks[p.total_m] for p in around])
    return Reply(
        (
            Heading(_("Individual standings, {day}").format(day=figures.day(ctx.today))),
            Table(("#", _("name"), _("team"), _("km")), tuple(rows), frozenset({0, 3}), marked),
            Text(
                ngettext("{count} person is ranked.", "{count} people are ranked.", counted).format(
                    count=figures.number(counted)
                )
            ),
        )
    )


@command(
    Totals,
    "totals",
    help=N_("the whole challenge and the donation so far"),
    example="totals",
    who=Who.EVERYONE,
    writes=False,
)
def show_totals(ctx: Context, _command: Totals) -> Reply:
    season = ctx.config.season
    sums, given = season_so_far(ctx.store, ctx.config)
    return Reply(
        (
            Heading(
                _("{season}: {km} so far").format(season=season.name, km=figures.km(sums.total_m))
            ),
            kinds_table(sums.run_m, sums.walk_m, sums.cycle_m),
            headcount(ctx.store),
            *(Text(line) for line in donation_lines(season, given)),
            *_earth_line(sums.total_m),
        )
    )


def _person_rows(ctx: Context, people: list[PersonRow], ranks: list[int]) -> list[tuple[str, ...]]:
    return [
        (
            shown_rank(rank, person.total_m),
            ctx.name_of(person.person, person.participant_id),
            person.team_name or "-",
            figures.km_number(person.total_m),
        )
        for rank, person in zip(ranks, people, strict=True)
    ]


def _as_person(participant: Participant) -> Person:
    return Person(participant.display_name, participant.hidden, participant.forgotten)


def _earth_line(metres: int) -> tuple[Text, ...]:
    around = figures.around_the_earth(metres)
    return (Text(_("That's {around}.").format(around=around)),) if around else ()


def donation_lines(season: SeasonConfig, given: Donation) -> list[str]:
    """`Donation so far: EUR 12 at EUR 0.10 per km.`, saying so when the cap is reached; with
    bonuses or pledges, the sum and then each kind of money apart."""
    rate = figures.money(season.donation_per_km, season.currency)
    gift = figures.money(given.per_km, season.currency)
    capped = season.donation_cap is not None and given.per_km == season.donation_cap
    if not (given.bonuses or given.pledges):
        if capped:
            return [
                _("Donation so far: {amount} (the cap) at {rate} per km.").format(
                    amount=gift, rate=rate
                )
            ]
        return [_("Donation so far: {amount} at {rate} per km.").format(amount=gift, rate=rate)]
    return [
        _("Donation so far: {amount}.").format(amount=figures.money(given.total, season.currency)),
        *money_apart(season, given),
    ]


def money_apart(season: SeasonConfig, given: Donation) -> list[str]:
    """The company's gift per km, its bonuses and the employees' pledges, each on a line."""
    rate = figures.money(season.donation_per_km, season.currency)
    gift = figures.money(given.per_km, season.currency)
    capped = season.donation_cap is not None and given.per_km == season.donation_cap
    company = (
        _("From the company: {amount} (the cap) at {rate} per km.")
        if capped
        else _("From the company: {amount} at {rate} per km.")
    )
    lines = [company.format(amount=gift, rate=rate)]
    if given.bonuses:
        lines.append(
            _("Company bonuses: {amount}.").format(
                amount=figures.money(given.bonuses, season.currency)
            )
        )
    if given.pledges:
        lines.append(
            _("Employees' pledges: {amount}.").format(
                amount=figures.money(given.pledges, season.currency)
            )
        )
    return lines


def season_so_far(store: SeasonStore, config: Config) -> tuple[SeasonSums, Donation]:
    """The season's distance per kind and the donation it earns so far."""
    sums, season = store.sums(), config.season
    bonuses = [(bonus.km, bonus.amount) for bonus in config.bonuses]
    given = season_donation(
        sums.total_m,
        season.donation_per_km,
        season.donation_cap,
        bonuses,
        store.pledged_total(),
    )
    return sums, given


def pledge_line(season: SeasonConfig, row: PledgeRow) -> str:
    """`Your pledge: EUR 0.05 per km of your own logs, EUR 1.20 so far.`"""
    if row.pledge.fixed is not None:
        return _("Your pledge: {amount}.").format(
            amount=figures.money(row.pledge.fixed, season.currency)
        )
    return _("Your pledge: {rate} per km of your own logs, {amount} so far.").format(
        rate=figures.money(row.pledge.per_km or Decimal(0), season.currency),
        amount=figures.money(row.amount, season.currency),
    )


def kinds_table(run_m: int, walk_m: int, cycle_m: int, with_total: bool = False) -> Table:
    """Kilometres per kind of activity, optionally with their total; the kinds add up to
    the total shown."""
    parts = figures.tenths_adding_up([run_m, walk_m, cycle_m])
    kinds = [figures.kind(kind) for kind in ActivityKind]
    rows = list(zip(kinds, parts, strict=True))
    if with_total:
        rows.append((_("total"), sum(parts)))
    return Table(
        (_("kind"), _("km")),
        tuple((kind, figures.km_tenths(tenths)) for kind, tenths in rows),
        right_aligned=frozenset({1}),
    )


def headcount(store: SeasonStore) -> Text:
    """`120 participants in 15 teams.`"""
    people, teams = store.headcount()
    participants = ngettext("{count} participant", "{count} participants", people)
    in_teams = ngettext("{count} team", "{count} teams", teams)
    return Text(
        _("{participants} in {teams}.").format(
            participants=participants.format(count=figures.number(people)),
            teams=in_teams.format(count=figures.number(teams)),
        )
    )


def shown_rank(rank: int, total_m: int) -> str:
    """A rank, or `-` for nothing logged: an empty team is not first, tied."""
    return str(rank) if total_m else "-"


def competition_ranks(totals: list[int]) -> list[int]:
    """1, 2, 2, 4: equal totals share a rank (totals are sorted, biggest first)."""
    ranks: list[int] = []
    for i, total in enumerate(totals):
        ranks.append(ranks[-1] if i and total == totals[i - 1] else i + 1)
    return ranks
