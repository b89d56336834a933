"""Fixtures: the real dispatcher on a real database (SQLite and PostgreSQL), a settable clock."""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bot.config import Config, parse_config
from bot.handlers.dispatch import Dispatcher
from bot.messages import Incoming
from bot.render.plain import render
from bot.replies import Reply
from bot.startup import open_challenge
from storage.models import Activity, Base, Participant, PhotoEntry, Season

POSTGRES_ADMIN = os.environ.get(
    "CHALLENGE_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
LONDON = ZoneInfo("Europe/London")


def season_settings(**overrides: Any) -> dict[str, Any]:
    """The 2021 edition's [season] table, with any keys replaced."""
    from datetime import date

    season = {
        "name": "Summer Challenge 2021",
        "start": date(2021, 7, 1),
        "end": date(2021, 8, 31),
        "timezone": "Europe/London",
        "donation_per_km": "0.10",
        "currency": "EUR",
        "donation_cap": "",
        "max_team_size": 12,
        "late_logging_days": 7,
    }
    season.update(overrides)
    return season


def make_config(database_url: str, directory: Path, **sections: Any) -> Config:
    data: dict[str, Any] = {
        "season": season_settings(),
        "database": {"url": database_url},
        "admins": {"slack": ["UADMIN"], "telegram": []},
        "announce": [{"platform": "slack", "chat": "C0123456789"}],
    }
    data.update(sections)
    return parse_config(data, directory / "config.toml")


def enter_photos(engine: Engine, titles: list[str], at: datetime) -> None:
    """Photo entries by the first participant, straight into the database."""
    with Session(engine) as session, session.begin():
        season_id = session.scalar(select(Season.id))
        participant_id = session.scalar(select(Participant.id).order_by(Participant.id))
        session.add_all(
            PhotoEntry(
                season_id=season_id,
                participant_id=participant_id,
                sha256=f"{number:064x}",
                media_type="image/jpeg",
                size_bytes=200_000,
                title=title,
                created_at=at,
            )
            for number, title in enumerate(titles)
        )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One database for the whole run, dropped at the end; tests empty it between them."""
    name = f"challenge_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN!r}: {error}")
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'challenge.db'}"
    url = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        exists = connection.scalar(text("SELECT to_regclass('public.activity') IS NOT NULL"))
        if exists:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2021, 7, 15, 12, 0, tzinfo=LONDON))

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass
class Chat:
    """Sends chat text as users of one platform through the real dispatcher."""

    dispatcher: Dispatcher
    engine: Engine
    clock: Clock
    platform: str = "console"
    _deliveries: int = 0

    def send(
        self, user: str, text: str, delivery_id: str | None = None, **extra: Any
    ) -> list[Reply]:
        self._deliveries += 1
        return self.dispatcher.handle(
            Incoming(
                platform=self.platform,
                user_id=user,
                chat_id=f"dm-{user}",
                text=text,
                delivery_id=delivery_id or f"d{self._deliveries}",
                display_name=extra.pop("display_name", user),
                **extra,
            )
        )

    def say(self, user: str, text: str, **extra: Any) -> str:
        """The plain text of every reply to `text`, as one string."""
        return "\n".join(render(reply) for reply in self.send(user, text, **extra))

    def make_admin(self, user: str) -> None:
        self.dispatcher.extra_admins.add((self.platform, user))

    def scalar(self, statement: Any) -> Any:
        with Session(self.engine) as session:
            return session.scalar(statement)

    def activity_count(self, *, include_removed: bool = False) -> int:
        statement = select(func.count()).select_from(Activity)
        if not include_removed:
            statement = statement.where(Activity.deleted_at.is_(None))
        return self.scalar(statement)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    return make_config(database_url, tmp_path)


@pytest.fixture
def chat(config: Config, clock: Clock) -> Iterator[Chat]:
    dispatcher, engine = open_challenge(config, clock)
    yield Chat(dispatcher, engine, clock)
    engine.dispose()
