"""Privacy: people see what is kept about them, take a copy, erase it, and hide from the
boards; the retention job erases everyone's personal data once the season is long over."""

from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
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
