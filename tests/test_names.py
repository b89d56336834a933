"""Names as people see them: look-alike letters, emoji, invisible characters."""

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text

from bot.domain.names import graphemes, name_key
from bot.handlers.catalogue import parse
from bot.words import ParseError
from storage.database import MIGRATIONS, make_engine


def test_look_alike_names_share_a_key() -> None:
    assert name_key("Spaceу Team") == name_key("Spacey Team")  # a Cyrillic у
    assert name_key("Équipe  Rouge") == name_key("equipe rouge")
    assert name_key("ＲＥＤ ＲＯＣＫＥＴＳ") == name_key("red rockets")
    assert name_key("Red Rockets") != name_key("Red Rackets")


def test_look_alike_teams_are_one_team(chat) -> None:
    assert "is created" in chat.say("alice", "/newteam Spacey Team")
    reply = chat.say("bob", "/newteam Spaceу Team")
    assert "is created" not in reply and "already" in reply
    assert "Welcome" in chat.say("bob", "/join Spaceу Team")


def test_everyday_emoji_are_welcome_in_team_names(chat) -> None:
    for name in ("🏃‍♀️ Runners", "🏳️‍🌈 Pride Pacers"):
        assert parse(f"newteam {name}").name == name
    assert "is created" in chat.say("alice", "/newteam 🏃‍♀️ Runners")
    assert len(graphemes("🏳️‍🌈")) == 1


def test_invisible_characters_are_refused_and_named_never_echoed() -> None:
    for typed in ("log 5 km \x1b[31mrun", "lo\x00g 5 km run", "standings \x1b[31m"):
        error = parse(typed)
        assert isinstance(error, ParseError)
        assert "\x1b" not in error.message and "\x00" not in error.message
        assert "[ESC]" in error.message or "[NUL]" in error.message
    refused = parse("newteam Red\u202eRockets")  # a right-to-left override
    assert isinstance(refused, ParseError) and "control characters" in refused.message


def test_the_migration_folds_look_alike_keys_and_keeps_older_twins(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    now = datetime(2021, 7, 1, tzinfo=UTC).isoformat()
    with engine.begin() as connection:
        alembic.attributes["connection"] = connection
        command.upgrade(alembic, "0004")
        connection.execute(
            text(
                'INSERT INTO season (id, name, start, "end", timezone, donation_per_km, currency)'
                " VALUES (1, 'S', '2021-07-01', '2021-08-31', 'UTC', 0.10, 'EUR')"
            )
        )
        for team_id, name, key in [
            (1, "Spacey Team", "spacey team"),
            (2, "Spaceу Team", "spaceу team"),
            (3, "Rock Stars", "rock stars"),
        ]:
            connection.execute(
                text(
                    "INSERT INTO team (id, season_id, name, name_key, created_at, member_count,"
                    " run_m, walk_m, cycle_m, total_m) VALUES (:id, 1, :name, :key, :now,"
                    " 0, 0, 0, 0, 0)"
                ),
                {"id": team_id, "name": name, "key": key, "now": now},
            )
        command.upgrade(alembic, "head")
        keys = dict(connection.execute(text("SELECT id, name_key FROM team")).all())
    engine.dispose()
    assert keys == {1: name_key("Spacey Team"), 2: "spaceу team", 3: name_key("Rock Stars")}
