"""A populated sample season in its own database file, to look around in the console."""

import dataclasses
import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert

from bot.config import Config, DatabaseConfig
from bot.domain.kinds import ActivityKind
from bot.domain.names import name_key
from bot.startup import open_challenge
from storage import repository as repo
from storage.database import make_sessions, transaction
from storage.models import Activity

DEMO_DATABASE = "demo.db"
TEAMS = 30
PEOPLE = 200
DAYS_SO_FAR = 30

FIRST_NAMES = (
    "Alice Bruno Chiara Dmitri Elif Femke Goran Hanna Ines Jonas Katja Luca Maja Nils Olga "
    "Pablo Quentin Rosa Stefan Tuuli Ugo Vera Wiktor Xenia Yusuf Zofia Anders Bea Cem Dora"
).split()
SURNAMES = "Keller Rossi Novak Virtanen Dubois Silva Jensen".split()
TEAM_WORDS = (
    "Red Blue Green Golden Silver Swift Mighty Happy Urban Coastal".split(),
    "Rockets Foxes Pedals Striders Otters Hikers Comets".split(),
)
# kind: (share of logs, shortest km, longest km)
KINDS = {
    ActivityKind.RUN: (0.4, 3, 15),
    ActivityKind.WALK: (0.35, 2, 12),
    ActivityKind.CYCLE: (0.25, 10, 60),
}


def demo_config(config: Config) -> Config:
    """The configured challenge, moved to its own database and to dates around today."""
    today = datetime.now(config.season.timezone).date()
    season = dataclasses.replace(
        config.season,
        name="Demo Challenge",
        start=today - timedelta(days=DAYS_SO_FAR - 1),
        end=today + timedelta(days=31),
        max_team_size=max(config.season.max_team_size, 12),
    )
    database = DatabaseConfig(url=f"sqlite:///{config.path.parent / DEMO_DATABASE}")
    return dataclasses.replace(config, season=season, database=database)


def populate(config: Config, seed: int = 2021) -> None:
    """A fresh demo database: teams, people and every day's activities so far."""
    database_file = config.path.parent / DEMO_DATABASE
    for suffix in ("", "-wal", "-shm"):
        database_file.with_name(database_file.name + suffix).unlink(missing_ok=True)
    dispatcher, engine = open_challenge(config)
    rng = random.Random(seed)
    season = config.season
    now = datetime.now(UTC)
    names = [f"{first} {last}" for last in SURNAMES for first in FIRST_NAMES][:PEOPLE]
    team_names = [f"{a} {b}" for b in TEAM_WORDS[1] for a in TEAM_WORDS[0]]
    rng.shuffle(team_names)
    with transaction(make_sessions(engine)) as session:
        season_id = dispatcher.season_id
        people = [
            repo.account_participant(session, "console", name.casefold(), name, now).id
            for name in names
        ]
        teams = []
        for index, team_name in enumerate(team_names[:TEAMS]):
            captain = people[index]
            team = repo.create_team(
                session, season_id, team_name, name_key(team_name), captain, now
            )
            repo.add_member(session, team, captain, now)
            teams.append(team)
        for person in people[TEAMS:]:
            team = rng.choice([t for t in teams if t.member_count < season.max_team_size])
            repo.add_member(session, team, person, now)
        team_of = {
            member.participant_id: team.id
            for team in teams
            for member in repo.team_members(session, team)
        }
        rows = []
        for offset in range(DAYS_SO_FAR):
            day = season.start + timedelta(days=offset)
            logged_at = datetime.combine(day, time(19), tzinfo=season.timezone)
            for person in people:
                if rng.random() > 0.55:
                    continue
                kind = rng.choices(list(KINDS), [share for share, _, _ in KINDS.values()])[0]
                _, shortest, longest = KINDS[kind]
                rows.append(
                    {
                        "season_id": season_id,
                        "participant_id": person,
                        "team_id": team_of[person],
                        "kind": kind.value,
                        "distance_m": rng.randint(shortest * 1000, longest * 1000),
                        "day": day,
                        "created_at": logged_at,
                    }
                )
        session.execute(insert(Activity), rows)
        repo.rebuild_totals(session, season_id)
    engine.dispose()
