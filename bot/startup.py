"""Opening the challenge: the database migrated, the configured season in it, a dispatcher."""

from sqlalchemy import Engine

from bot.config import Config
from bot.handlers.dispatch import Clock, Dispatcher, utc_now
from storage import repository as repo
from storage.database import make_engine, make_sessions, migrate, transaction


def open_challenge(config: Config, clock: Clock = utc_now) -> tuple[Dispatcher, Engine]:
    """Migrate the database, record the configured season, and return the dispatcher."""
    engine = make_engine(config.database.url)
    migrate(engine)
    sessions = make_sessions(engine)
    season = config.season
    with transaction(sessions) as session:
        season_id = repo.upsert_season(
            session,
            name=season.name,
            start=season.start,
            end=season.end,
            timezone=season.timezone.key,
            donation_per_km=season.donation_per_km,
            currency=season.currency,
            donation_cap=season.donation_cap,
        )
    return Dispatcher(config, sessions, season_id, clock), engine
