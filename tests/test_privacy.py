"""Privacy: people see what is kept about them, take a copy, erase it, and hide from the
boards; the retention job erases everyone's personal data once the season is long over."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.config import ConfigError, parse_config
from bot.domain.public_names import first_initial
from bot.handlers import posts
from bot.render.plain import render
from bot.replies import Attachment
from storage.season_store import SeasonStore
from tests.conftest import Clock, make_config, open_chat, season_settings


def test_privacy_defaults_to_the_admins_full_names_and_90_days(tmp_path: Path) -> None:
    config = parse_config(
        {"season": season_settings(), "database": {"url": "sqlite://"}}, tmp_path / "c.toml"
    )
    assert config.privacy.contact == ""
    assert config.privacy.asked == "the challenge admins"
    assert config.privacy.names == "full"
    assert config.privacy.retention_days == 90


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("names", "nickname", '"first_initial" or "full"'),
        ("retention_days", -1, "a whole number of days, 0 or more"),
        ("contact", 7, 'whom to ask, such as "csr@example.com"'),
    ],
)
def test_a_wrong_privacy_setting_names_its_key(tmp_path: Path, key, value, expected) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config("sqlite://", tmp_path, privacy={key: value})
    assert f"privacy.{key}: expected {expected}" in str(caught.value)


def test_privacy_says_what_is_kept_why_who_sees_it_how_long_and_whom_to_ask(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    config = make_config(
        database_url, tmp_path, privacy={"contact": "csr@example.com", "retention_days": 30}
    )
    with open_chat(config, clock) as chat:
        said = chat.say("newcomer", "/privacy")
    assert "display name" in said and "time zone" in said and "every log" in said
    assert "Why:" in said and "Who sees it:" in said
    assert "30 days after the season ends (30 Sep 2021)" in said
    assert "ask csr@example.com" in said
    assert "Never the text of your messages" in said


def test_privacy_without_retention_says_the_data_is_kept(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    config = make_config(database_url, tmp_path, privacy={"retention_days": 0})
    with open_chat(config, clock) as chat:
        said = chat.say("newcomer", "/privacy")
    assert "kept until you erase it" in said and "ask the challenge admins" in said


NAMES = {"anna": "Anna Keller", "ben": "Ben Ortiz", "cara": "Cara Lind", "ada": "Ada Admin"}


def said(chat, user: str, text: str) -> str:
    """What `user` is told, sent under their display name."""
    return chat.say(user, text, display_name=NAMES.get(user, user))


def a_season_with_people(chat) -> None:
    """Anna Keller captains Red Rockets with Ben Ortiz; Cara Lind captains Blue Bears."""
    chat.make_admin("ada")
    for user, command in (
        ("anna", "/newteam Red Rockets"),
        ("ben", "/join Red Rockets"),
        ("cara", "/newteam Blue Bears"),
    ):
        said(chat, user, command)
    said(chat, "anna", "/log 12 km run")
    said(chat, "ben", "/log 5 km walk")
    said(chat, "cara", "/log 30 km cycle")


def everything_others_see(chat, viewer: str = "ada") -> str:
    """Every reply, post and file where others' names appear, as `viewer` and an admin."""
    replies = [
        said(chat, viewer, "/standings people"),
        said(chat, viewer, "/team Red Rockets"),
        said(chat, "ada", "/admin photos list"),
    ]
    for reply in chat.send("ada", "/admin export", display_name="Ada Admin"):
        for part in reply.parts:
            if isinstance(part, Attachment):
                replies.append(part.content.decode())
    with Session(chat.engine) as session:
        store = SeasonStore(session, chat.dispatcher.season_id, chat.clock())
        for post in (
            posts._leaderboard(store, chat.dispatcher.config, date(2021, 7, 15)),
            posts._final_report(store, chat.dispatcher.config),
        ):
            replies.append(render(post))
    return "\n".join(replies)


def test_a_hidden_person_is_nowhere_under_their_name_and_their_km_still_count(chat) -> None:
    a_season_with_people(chat)
    before = said(chat, "cara", "/totals")
    assert "You are hidden" in said(chat, "anna", "/hide")

    seen = everything_others_see(chat)
    assert "Anna" not in seen and "Keller" not in seen
    assert "hidden participant" in seen
    assert ",run,12000,hidden participant,Red Rockets," in seen
    assert "Ben Ortiz" in seen and "Cara Lind" in seen
    assert said(chat, "cara", "/totals") == before
    assert "Red Rockets: 17 km" in said(chat, "ben", "/team")
    # She still sees herself.
    assert "Anna Keller: 12 km" in said(chat, "anna", "/me")
    assert "Anna Keller (captain)" in said(chat, "anna", "/team")
    assert "You are hidden" in said(chat, "anna", "/privacy")

    assert "shown under your name again" in said(chat, "anna", "/show")
    assert "Anna Keller" in said(chat, "cara", "/standings people")


def test_hide_twice_and_show_when_shown_say_so(chat) -> None:
    assert "not hidden" in chat.say("dan", "/show")
    chat.say("dan", "/hide")
    assert "already hidden" in chat.say("dan", "/hide")


def test_first_initial_names_are_all_others_see(database_url: str, tmp_path: Path, clock) -> None:
    config = make_config(database_url, tmp_path, privacy={"names": "first_initial"})
    with open_chat(config, clock) as chat:
        a_season_with_people(chat)
        seen = everything_others_see(chat)
        assert "Keller" not in seen and "Ortiz" not in seen and "Lind" not in seen
        assert "Anna K." in seen and "Ben O." in seen
        assert "Cara Lind" in said(chat, "cara", "/standings people")
        assert "Cara Lind: 30 km" in said(chat, "cara", "/me")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Anna Keller", "Anna K."),
        ("Anna", "Anna"),
        ("anna maria von keller", "anna K."),
        ("Zoë 🚴 Øberg", "Zoë Ø."),
    ],
)
def test_first_initial(name: str, shown: str) -> None:
    assert first_initial(name) == shown
