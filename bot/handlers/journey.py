"""The shared journey: where the season's km have taken everyone on the route, the stops passed
and the company's bonuses reached, each announced once."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot import i18n
from bot.commands import Journey
from bot.config import Config
from bot.domain.journey import Place
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.i18n import N_, _, ngettext
from bot.replies import Heading, JourneyMap, LedgerPost, Reply, Text, ToAnnouncementChats
from storage.season_store import SeasonStore

# Stops passed at once beyond this many are counted, not named.
NAMED_AT_ONCE = 3


@command(
    Journey,
    "journey",
    help=N_("how far the whole challenge has come along its route, with a map"),
    example="journey",
    who=Who.EVERYONE,
    writes=False,
)
def show_journey(ctx: Context, _command: Journey) -> Reply:
    total_m = ctx.store.sums().total_m
    journey = ctx.config.journey
    return Reply(
        (
            Heading(journey.name),
            Text(journey_line(ctx.config, total_m)),
            journey_map(ctx.config, total_m, recent_will_do=True),
        )
    )


def journey_line(config: Config, total_m: int) -> str:
    """Where the season's km put the challenge: the stop passed, the next and how far."""
    route = config.journey.route
    place = route.place(total_m)
    passed = route.stops[place.passed].name
    if place.next is None:
        return _("The challenge has gone all the way to {stop}: {km}!").format(
            stop=passed, km=figures.km(total_m)
        )
    upcoming = route.stops[place.next].name
    if total_m <= 0:
        return _("The journey starts in {start}; the first stop is {next}, {far} away.").format(
            start=passed, next=upcoming, far=figures.km(place.to_next_m)
        )
    line = _("{km} so far: past {passed}, {far} to {next}.").format(
        km=figures.km(total_m), passed=passed, far=figures.km(place.to_next_m), next=upcoming
    )
    if place.lap > 1:
        line += " " + _("Lap {lap}.").format(lap=place.lap)
    return line


def journey_map(config: Config, total_m: int, recent_will_do: bool = False) -> JourneyMap:
    """The map, drawn later, outside the transaction; `recent_will_do` when a map of the
    route drawn a moment ago may stand in for it."""
    route = config.journey.route
    place = route.place(total_m)
    if place.next is None:
        caption = figures.km(total_m)
    else:
        caption = _("{km} · next: {next}, {far} away").format(
            km=figures.km(total_m),
            next=route.stops[place.next].name,
            far=figures.km(place.to_next_m),
        )
    return JourneyMap(
        "journey.png",
        config.journey.name,
        caption,
        route.stops,
        route.loop,
        place.position,
        place.next,
        recent_will_do=recent_will_do,
    )


# -- announced once --------------------------------------------------------------------------


def arrival_key(season_id: int, arrival: int) -> str:
    return f"{season_id}:journey:{arrival}"


def bonus_key(season_id: int, km: int) -> str:
    return f"{season_id}:bonus:{km}"


def claim_journey_news(
    session: Session, config: Config, season_id: int, now: datetime
) -> list[Reply]:
    """The announcements of the stops passed and the bonuses reached since the last ones, each
    claimed in the post ledger first, so that whoever looks first (a restart, another
    instance) announces it, once."""
    store = SeasonStore(session, season_id, now)
    total_m = store.sums().total_m
    route = config.journey.route
    place = route.place(total_m)
    told = store.claimed_keys(f"{season_id}:journey:")
    newest_told = max((int(key.rsplit(":", 1)[1]) for key in told), default=0)
    # At most a lap's worth: a route configured mid-season is not read out stop by stop.
    since = max(newest_told, place.arrivals - len(route.stops))
    fresh = [
        arrival
        for arrival in range(since + 1, place.arrivals + 1)
        if store.claim_post(arrival_key(season_id, arrival))
    ]
    news = []
    with i18n.using(config.languages.default):
        if fresh:
            news.append(_arrivals(config, season_id, total_m, place, fresh))
        for bonus in config.bonuses:
            if total_m >= bonus.km * 1000 and store.claim_post(bonus_key(season_id, bonus.km)):
                news.append(_bonus_reached(config, season_id, bonus.km, bonus.amount))
    return news


def _arrivals(
    config: Config, season_id: int, total_m: int, place: Place, arrivals: list[int]
) -> Reply:
    route = config.journey.route
    names = [route.arrival_stop(arrival).name for arrival in arrivals]
    if len(names) == 1:
        headline = _("We've reached {stop}!").format(stop=names[0])
    elif len(names) <= NAMED_AT_ONCE:
        headline = _("We've reached {stops} and {last}!").format(
            stops=", ".join(names[:-1]), last=names[-1]
        )
    else:
        headline = ngettext(
            "{count} stop passed at once, the latest being {stop}!",
            "{count} stops passed at once, the latest being {stop}!",
            len(names),
        ).format(count=len(names), stop=names[-1])
    return Reply(
        (
            Heading(headline),
            Text(journey_line(config, total_m)),
            journey_map(config, total_m),
        ),
        ToAnnouncementChats(),
        post=LedgerPost(
            arrival_key(season_id, arrivals[-1]), "journey", N_("the journey's news"), "journey"
        ),
    )


def _bonus_reached(config: Config, season_id: int, km: int, amount: Decimal) -> Reply:
    season = config.season
    return Reply(
        (
            Heading(
                _("{km} together: the company adds {amount}!").format(
                    km=figures.km(km * 1000), amount=figures.money(amount, season.currency)
                )
            ),
        ),
        ToAnnouncementChats(),
        post=LedgerPost(bonus_key(season_id, km), "bonus", N_("the bonus news"), "totals"),
    )
