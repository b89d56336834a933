"""Ranks read from the rank buckets, and the country totals, agree with counting everyone,
whatever people do: log, take a log back, have one removed, change teams or countries, found
teams, forget themselves, and a repair."""

import random
import re

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage import logbook
from storage import repository as repo
from storage.models import CountryTotal, Participant, ParticipantTotal, RankBucket, Team

PEOPLE = [f"p{n}" for n in range(12)]
TEAMS = ["Red Rockets", "Blue Herons", "Green Geckos"]
COUNTRIES = ["DE", "FR", "PL", "off"]


def counted_buckets(session: Session, season_id: int) -> dict[tuple[int, int, int], int]:
    """The buckets as the triggers keep them, leaving out those emptied."""
    rows = session.execute(
        select(RankBucket.of_team, RankBucket.width_m, RankBucket.bucket, RankBucket.members).where(
            RankBucket.season_id == season_id, RankBucket.members != 0
        )
    )
    return {(of_team, width, bucket): members for of_team, width, bucket, members in rows}


def buckets_from_totals(session: Session, season_id: int) -> dict[tuple[int, int, int], int]:
    """The buckets as they should be: every total counted in its km and its hundred km."""
    found: dict[tuple[int, int, int], int] = {}
    for of_team, ranked in ((0, ParticipantTotal), (1, Team)):
        for total in session.scalars(select(ranked.total_m).where(ranked.season_id == season_id)):
            for width in (logbook.FINE_M, logbook.COARSE_M):
                key = (of_team, width, total // width)
                found[key] = found.get(key, 0) + 1
    return found


def assert_ranks_are_counts(session: Session, season_id: int, asked: list[int]) -> None:
    people = list(session.scalars(select(ParticipantTotal.total_m)))
    teams = list(session.scalars(select(Team.total_m)))
    ranks = logbook.season_ranks(session, season_id, asked, asked, count_people=True)
    for total in asked:
        assert ranks.of_person[total] == 1 + sum(other > total for other in people), total
        assert ranks.of_team[total] == 1 + sum(other > total for other in teams), total
    assert (ranks.person_count, ranks.team_count) == (len(people), len(teams))


def test_ranks_from_buckets_equal_counting_everyone_through_a_busy_season(chat):
    rng = random.Random(7)
    chat.make_admin("admin")
    for name in TEAMS:
        chat.say(f"founder of {name}", f"/newteam {name}")
    for person in PEOPLE:
        chat.say(person, f"/join {rng.choice(TEAMS)}")
    logged: list[int] = []
    for step in range(160):
        person = rng.choice(PEOPLE)
        roll = rng.random()
        if roll < 0.6:
            # From a few metres to past a hundred km in one go, so that both widths move.
            distance = rng.choice([f"{rng.randint(1, 999)} m", f"{rng.randint(1, 99)} km"])
            kind = "cycle" if distance.endswith("km") else "walk"
            reply = chat.say(person, f"/log {distance} {kind}")
            logged += [int(n) for n in re.findall(r"Logged #(\d+)", reply)]
        elif roll < 0.72:
            chat.say(person, "/undo")
        elif roll < 0.8 and logged:
            chat.say("admin", f"/admin remove {logged.pop(rng.randrange(len(logged)))} test")
        elif roll < 0.86:
            chat.say(person, "/leave")
            chat.say(person, f"/join {rng.choice(TEAMS)}")
        elif roll < 0.96:
            chat.say(person, f"/country {rng.choice(COUNTRIES)}")
        elif roll < 0.97:
            chat.say(person, "/forgetme confirm")
        else:
            chat.say(f"new {step}", f"/newteam Team {step}")
            chat.say(f"new {step}", f"/country {rng.choice(COUNTRIES[:-1])}")
        if step % 20 == 0:
            check(chat, rng)
    check(chat, rng)
    with Session(chat.engine) as session, session.begin():
        season_id = chat.dispatcher.season_id
        # A repair counts the buckets again, from nothing, and comes to the same.
        session.execute(text("UPDATE rank_bucket SET members = members + 5"))
        session.execute(text("UPDATE country_total SET people = people + 1"))
        repo.rebuild_totals(session, season_id)
        assert counted_buckets(session, season_id) == buckets_from_totals(session, season_id)
        assert kept_countries(session, season_id) == countries_from_totals(session, season_id)


def kept_countries(session: Session, season_id: int) -> list[tuple[str, int, int]]:
    return [(r.code, r.people, r.total_m) for r in repo.country_totals(session, season_id)]


def countries_from_totals(session: Session, season_id: int) -> list[tuple[str, int, int]]:
    found: dict[str, tuple[int, int]] = {}
    rows = session.execute(
        select(Participant.country, ParticipantTotal.total_m)
        .join(ParticipantTotal, ParticipantTotal.participant_id == Participant.id)
        .where(ParticipantTotal.season_id == season_id, Participant.country.is_not(None))
    )
    for country, total in rows:
        people, metres = found.get(country, (0, 0))
        found[country] = (people + 1, metres + total)
    return sorted(((c, p, m) for c, (p, m) in found.items()), key=lambda row: (-row[2], row[0]))


def check(chat, rng: random.Random) -> None:
    with Session(chat.engine) as session:
        season_id = chat.dispatcher.season_id
        assert kept_countries(session, season_id) == countries_from_totals(session, season_id)
        assert session.scalar(select(CountryTotal.people).where(CountryTotal.people < 0)) is None
        assert counted_buckets(session, season_id) == buckets_from_totals(session, season_id)
        totals = list(session.scalars(select(ParticipantTotal.total_m)))
        asked = {0, 1, 999, 1000, 99_999, 100_000, 250_000, *totals, *(t + 1 for t in totals)}
        asked |= {rng.randint(0, 400_000) for _ in range(10)}
        assert_ranks_are_counts(session, season_id, sorted(asked))
