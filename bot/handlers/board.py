"""What the web board shows, in one reader's language: every figure already written out, so
that the page and its JSON carry nothing the page does not show. Made when logs land, never
for a request."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import i18n
from bot.config import Config
from bot.domain.public_names import public_name
from bot.handlers import figures
from bot.handlers.journey import journey_line, journey_map
from bot.handlers.standings import TOP, competition_ranks, money_apart, season_so_far
from bot.handlers.vote import closed_text
from bot.i18n import _
from bot.replies import JourneyMap
from storage.season_store import SeasonStore


@dataclass(frozen=True)
class Board:
    """The board's figures (`shown`, JSON-able), the map to draw for them, and the photos
    it may serve: their hashes and media types."""

    shown: dict[str, Any]
    map: JourneyMap
    photos: dict[str, str]


def board(session: Session, config: Config, season_id: int, now: datetime, language: str) -> Board:
    store = SeasonStore(session, season_id, now)
    with i18n.using(language):
        sums, given = season_so_far(store, config)
        photos, photo_types = _photos(store, config)
        shown = {
            "language": language,
            "title": config.season.name,
            "day": _day_line(config, now),
            "total": figures.km(sums.total_m),
            "donation": figures.money(given.total, config.season.currency),
            "money": money_apart(config.season, given),
            "bonus": _next_bonus(config, sums.total_m),
            "journey": {"name": config.journey.name, "line": journey_line(config, sums.total_m)},
            "teams": _teams(store, now.astimezone(config.season.timezone).date()),
            "people": _people(store, config),
            "photos": photos,
            "vote": _vote(store),
            "updated": _("Updated {time}").format(
                time=f"{now.astimezone(config.season.timezone):%H:%M}"
            ),
            "labels": _labels(),
        }
        journey = journey_map(config, sums.total_m)
    return Board(shown, journey, photo_types)


def _labels() -> dict[str, str]:
    return {
        "so_far": _("so far"),
        "for_charity": _("for charity"),
        "teams": _("Teams"),
        "people": _("Top people"),
        "journey": _("The journey"),
        "photos": _("Photo competition"),
        "vote": _("Charity vote"),
        "rank": _("rank"),
        "team": _("team"),
        "name": _("name"),
        "km": _("km"),
        "members": _("members"),
        "movement": _("since yesterday"),
        "map": _("Map of the journey"),
        "no_photos": _("No photos entered yet."),
    }


def _day_line(config: Config, now: datetime) -> str:
    season = config.season
    today = now.astimezone(season.timezone).date()
    if today < season.start:
        return _("Starts on {day}").format(day=figures.day(season.start))
    if today > season.end:
        return _("The challenge is over")
    days = (season.end - season.start).days + 1
    return _("Day {day} of {days}").format(day=(today - season.start).days + 1, days=days)


def _next_bonus(config: Config, total_m: int) -> dict[str, Any] | None:
    """The next bonus to reach, and how far along the way to it the season is."""
    upcoming = [bonus for bonus in config.bonuses if total_m < bonus.km * 1000]
    if not upcoming:
        return None
    bonus = upcoming[0]
    reached = [b.km for b in config.bonuses if b.km * 1000 <= total_m]
    start_m = max(reached, default=0) * 1000
    share = (total_m - start_m) / (bonus.km * 1000 - start_m)
    return {
        "percent": round(100 * share, 1),
        "line": _("At {km} the company adds {amount}: {left} to go").format(
            amount=figures.money(bonus.amount, config.season.currency),
            km=figures.km(bonus.km * 1000),
            left=figures.km(bonus.km * 1000 - total_m),
        ),
    }


def _teams(store: SeasonStore, today: date) -> list[dict[str, str]]:
    """The top teams, each with how it moved since the last daily post before today."""
    teams = list(store.top_teams(TOP))
    before = store.ranks_before(today, [team.id for team in teams])
    ranks = competition_ranks([team.total_m for team in teams])
    rows = []
    for rank, team in zip(ranks, teams, strict=True):
        arrow, said = figures.movement(before.get(team.id), rank)
        rows.append(
            {
                "rank": str(rank) if team.total_m else "-",
                "name": team.name,
                "km": figures.km_number(team.total_m),
                "members": figures.number(team.member_count),
                "move": arrow,
                "move_said": said,
            }
        )
    return rows


def _people(store: SeasonStore, config: Config) -> list[dict[str, str]]:
    people = store.top_people(TOP, named_only=True)
    ranks = competition_ranks([person.total_m for person in people])
    return [
        {
            "rank": str(rank),
            "name": public_name(person.person, config.privacy.names),
            "team": person.team_name or "",
            "km": figures.km_number(person.total_m),
        }
        for rank, person in zip(ranks, people, strict=True)
        if person.total_m
    ]


def _photos(store: SeasonStore, config: Config) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The entries, the winner first once chosen; their hashes and types, which alone the
    board serves."""
    winner = store.outcome().photo_id
    entries = sorted(store.photo_entries(), key=lambda row: (row[0].id != winner, row[0].id))
    shown = [
        {
            "src": f"photo/{entry.sha256}",
            "title": entry.title or _("(no title)"),
            "by": _("by {name}").format(name=public_name(author, config.privacy.names)),
            "winner": entry.id == winner,
        }
        for entry, author in entries
    ]
    return shown, {entry.sha256: entry.media_type for entry, _author in entries}


def _vote(store: SeasonStore) -> str:
    """The vote's state, never its tally while it is open."""
    state = store.outcome()
    if state.vote_closed_at is not None:
        return closed_text(store, state.charity_id)
    if state.vote_opened_at is not None:
        return _("The charity vote is open: vote in the chat with the bot.")
    return _("The charity vote has not opened yet.")
