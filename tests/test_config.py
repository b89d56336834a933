import copy
import tomllib
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import (
    AnnounceChat,
    ConfigError,
    config_path,
    load_config,
    parse_config,
)
from bot.domain.kinds import ActivityKind

SHIPPED = Path(__file__).resolve().parent.parent / "config.toml"
MINIMAL = """
[season]
name = "Summer Challenge 2021"
start = 2021-07-01
end = 2021-08-31
timezone = "Europe/London"
donation_per_km = "0.10"
currency = "EUR"

[database]
url = "sqlite://"
"""
LONDON = ZoneInfo("Europe/London")


def shipped() -> dict[str, Any]:
    return tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


def variant(section: str, key: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(shipped())
    data.setdefault(section, {})[key] = value
    return data


def parse(data: dict[str, Any], path: Path = Path("/srv/bot/config.toml")):
    return parse_config(data, path)


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(data)
    return str(caught.value)


def test_the_shipped_config_loads_and_its_season_is_running_now():
    config = load_config(SHIPPED)

    assert config.season.name == "Fundraising Challenge 2026-27"
    assert config.season.start <= date(2026, 11, 25) <= config.season.end
    assert config.season.donation_per_km == Decimal("0.10")
    assert config.season.donation_cap is None
    assert config.database.url == f"sqlite:///{SHIPPED.parent / 'challenge.db'}"
    assert config.photos.media_dir == SHIPPED.parent / "media"
    assert config.announce == (AnnounceChat(platform="slack", chat="C0123456789"),)
    assert not config.slack.enabled and not config.telegram.enabled


def test_only_the_season_and_database_are_required(tmp_path):
    (tmp_path / "config.toml").write_text(MINIMAL, encoding="utf-8")

    config = load_config(tmp_path / "config.toml")

    assert config.season.max_team_size == 12
    assert config.season.late_logging_days == 7
    assert config.season.donation_cap is None
    assert config.season.timezone == LONDON
    assert [config.limits.max_metres(kind) for kind in ActivityKind] == [100_000, 80_000, 400_000]
    assert config.schedule.daily_leaderboard == time(18, 0)
    assert config.schedule.final_report is None
    assert config.schedule.vote_closes is None
    assert config.schedule.catch_up_hours == 6
    assert config.photos.media_dir == tmp_path / "media"
    assert config.photos.max_per_person == 3
    assert config.database.url == "sqlite://"
    assert (config.server.host, config.server.port) == ("127.0.0.1", 8080)
    assert config.slack.enabled is False
    assert (config.slack.mode, config.slack.command) == ("http", "/challenge")
    assert config.slack.api_url == "https://slack.com/api/"
    assert config.telegram.enabled is False
    assert config.telegram.mode == "polling"
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.telegram.base_file_url == "https://api.telegram.org/file/bot"
    assert config.telegram.webhook_url == ""
    assert config.admins.slack == frozenset() and config.admins.telegram == frozenset()
    assert config.announce == ()


def test_the_final_report_defaults_to_the_day_the_late_logging_window_has_closed():
    config = parse(variant("schedule", "daily_leaderboard", "19:30"))

    # The season ends on 31 August; logs for it are open for 7 more days.
    assert config.season.late_logging_days == 7
    assert config.schedule.final_report_at(config.season) == datetime(
        2027, 9, 8, 19, 30, tzinfo=LONDON
    )


def test_schedule_moments_are_read_in_the_season_time_zone():
    data = variant("schedule", "final_report", "2027-09-02 09:00")
    data["schedule"]["vote_closes"] = datetime.fromisoformat("2027-08-20T12:00:00+00:00")

    config = parse(data)

    assert config.schedule.final_report_at(config.season) == datetime(
        2027, 9, 2, 9, 0, tzinfo=LONDON
    )
    assert config.schedule.vote_closes == datetime(2027, 8, 20, 13, 0, tzinfo=LONDON)
    assert config.schedule.vote_closes.tzinfo == LONDON


@pytest.mark.parametrize("key", ["final_report", "vote_closes"])
@pytest.mark.parametrize("text", ["2027-09-01 18:00", "2027-09-01T18:00", "2027-09-01T18:00:00"])
def test_a_schedule_moment_may_be_written_with_a_space_or_a_t(key, text):
    config = parse(variant("schedule", key, text))

    moment = getattr(config.schedule, key)
    assert moment == datetime(2027, 9, 1, 18, 0, tzinfo=LONDON)
    assert moment.tzinfo == LONDON


@pytest.mark.parametrize("key", ["final_report", "vote_closes"])
@pytest.mark.parametrize(
    "toml", ["2027-09-01T18:00:00", "2027-09-01 18:00:00", "2027-09-01T17:00:00Z"]
)
def test_a_schedule_moment_may_be_a_toml_date_time_without_quotes(tmp_path, key, toml):
    (tmp_path / "config.toml").write_text(f"{MINIMAL}\n[schedule]\n{key} = {toml}\n")

    config = load_config(tmp_path / "config.toml")

    moment = getattr(config.schedule, key)
    assert moment == datetime(2027, 9, 1, 18, 0, tzinfo=LONDON)  # 17:00 UTC is 18:00 in London
    assert moment.tzinfo == LONDON


def test_the_daily_time_may_be_a_toml_time_without_quotes(tmp_path):
    (tmp_path / "config.toml").write_text(f"{MINIMAL}\n[schedule]\ndaily_leaderboard = 07:30:00\n")

    assert load_config(tmp_path / "config.toml").schedule.daily_leaderboard == time(7, 30)


def test_a_donation_cap_is_a_decimal():
    assert parse(variant("season", "donation_cap", "26000")).season.donation_cap == Decimal(26000)


def test_admins_and_telegram_chats_given_as_numbers_are_kept_as_strings():
    data = variant("admins", "telegram", [123456789])
    data["admins"]["slack"] = ["U012AB3CD"]
    data["announce"].append({"platform": "telegram", "chat": -1001234567890})

    config = parse(data)

    assert config.is_admin("telegram", "123456789")
    assert config.is_admin("slack", "U012AB3CD")
    assert not config.is_admin("slack", "123456789")
    assert not config.is_admin("console", "U012AB3CD")
    assert config.announce[-1] == AnnounceChat(platform="telegram", chat="-1001234567890")


def test_a_slack_api_url_gets_the_final_slash_the_sdk_needs():
    config = parse(variant("slack", "api_url", "http://127.0.0.1:9999/api"))

    assert config.slack.api_url == "http://127.0.0.1:9999/api/"


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("season", "name", "", "non-empty string"),
        ("season", "start", "2021-07-01", "TOML date"),
        ("season", "start", datetime(2021, 7, 1, 9, 0), "TOML date"),
        ("season", "end", date(2026, 8, 1), "on or after season.start"),
        ("season", "timezone", "Europe/Londn", "IANA time zone"),
        ("season", "timezone", "../etc/passwd", "IANA time zone"),
        ("season", "donation_per_km", 0.1, 'expected a string such as "0.10"'),
        ("season", "donation_per_km", "ten cents", 'a string such as "0.10"'),
        ("season", "donation_per_km", "-0.10", "not negative"),
        ("season", "donation_per_km", "NaN", "not negative"),
        ("season", "currency", "eur", "three-letter currency code"),
        ("season", "currency", "EURO", "three-letter currency code"),
        ("season", "donation_cap", 500, 'or "" for no cap'),
        ("season", "max_team_size", 0, "positive whole number"),
        ("season", "max_team_size", True, "positive whole number"),
        ("season", "late_logging_days", "7", "positive whole number"),
        ("limits", "run", -5, "positive whole number"),
        ("limits", "cycle", 400.5, "positive whole number"),
        ("schedule", "daily_leaderboard", "6pm", '"18:00"'),
        ("schedule", "daily_leaderboard", "25:00", '"18:00"'),
        ("schedule", "final_report", "2027-09-01", '"2021-09-01 18:00"'),
        ("schedule", "final_report", "2027-02-30 18:00", '"2021-09-01 18:00"'),
        ("schedule", "vote_closes", date(2027, 8, 20), '"2021-09-01 18:00"'),
        ("schedule", "catch_up_hours", 0, "positive whole number"),
        ("photos", "media_dir", "", "folder path"),
        ("photos", "max_per_person", -1, "positive whole number"),
        ("database", "url", "not a url", "database URL"),
        ("database", "url", "postgresql://db:port/challenge", "database URL"),
        ("server", "port", 70000, "from 0 to 65535"),
        ("server", "host", 8080, "non-empty string"),
        ("slack", "enabled", "yes", "true or false"),
        ("slack", "mode", "websocket", '"http" or "socket"'),
        ("slack", "command", "challenge", '"/challenge"'),
        ("slack", "api_url", "slack.com/api/", "http:// or https:// URL"),
        ("telegram", "mode", "push", '"polling" or "webhook"'),
        ("telegram", "base_url", "ftp://api.telegram.org/bot", "http:// or https:// URL"),
        ("telegram", "webhook_url", "example.org/hook", "http:// or https:// URL"),
        ("admins", "slack", "U012AB3CD", '["U012AB3CD"]'),
        ("admins", "telegram", ["123456789"], "[123456789]"),
    ],
)
def test_a_wrong_value_names_its_key_and_what_was_expected(section, key, value, expected):
    message = refusal(variant(section, key, value))

    assert f"{section}.{key}: " in message
    assert expected in message
    assert "config.toml" in message


@pytest.mark.parametrize("key", ["name", "start", "timezone", "donation_per_km", "currency"])
def test_a_missing_required_season_key_is_named(key):
    data = shipped()
    del data["season"][key]

    assert f"season.{key}: expected " in refusal(data)


def test_a_missing_database_url_is_named():
    data = shipped()
    del data["database"]

    assert "database.url: expected a database URL" in refusal(data)


def test_webhook_mode_needs_the_public_url():
    data = variant("telegram", "enabled", True)
    data["telegram"]["mode"] = "webhook"

    assert "telegram.webhook_url: " in refusal(data)


def test_an_unknown_key_is_refused_with_a_suggestion():
    data = shipped()
    data["season"]["strat"] = data["season"].pop("start")

    assert "unknown key season.strat; did you mean season.start?" in refusal(data)


def test_an_unknown_section_is_refused_with_a_suggestion():
    data = shipped()
    data["limit"] = data.pop("limits")

    assert "unknown key limit; did you mean limits?" in refusal(data)


def test_a_section_must_be_a_table():
    assert "server: expected a table [server]" in refusal({**shipped(), "server": "localhost"})


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"platform": "discord", "chat": "x"}, 'announce[1].platform: expected "slack" or'),
        ({"platform": "slack"}, "announce[1].chat: expected a chat id (missing)"),
        ({"platform": "slack", "chat": 42}, "announce[1].chat: expected a chat id"),
        ({"platform": "telegram", "chat": True}, "announce[1].chat: expected a chat id"),
        ({"platform": "slack", "chta": "C1"}, "unknown key announce[1].chta; did you mean"),
    ],
)
def test_a_wrong_announcement_chat_is_named(entry, expected):
    data = shipped()
    data["announce"].append(entry)

    assert expected in refusal(data)


def test_announce_must_be_a_list_of_tables():
    data = {**shipped(), "announce": {"platform": "slack", "chat": "C1"}}

    assert "announce: expected [[announce]] tables" in refusal(data)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///challenge.db", "sqlite:////srv/bot/challenge.db"),
        ("sqlite:///data/challenge.db?timeout=5", "sqlite:////srv/bot/data/challenge.db?timeout=5"),
        ("sqlite:////var/lib/challenge.db", "sqlite:////var/lib/challenge.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://bot@db/challenge", "postgresql+psycopg://bot@db/challenge"),
    ],
)
def test_a_relative_sqlite_file_sits_next_to_the_config_file(url, expected):
    assert parse(variant("database", "url", url)).database.url == expected


def test_relative_paths_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text(MINIMAL.replace("sqlite://", "sqlite:///c.db"))
    monkeypatch.chdir(tmp_path)

    config = load_config(Path("config.toml"))

    assert config.path == tmp_path / "config.toml"
    assert config.database.url == f"sqlite:///{tmp_path / 'c.db'}"
    assert config.photos.media_dir == tmp_path / "media"


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.toml: file not found"):
        load_config(tmp_path / "nowhere.toml")


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[season]\nname = "x"\nstart = \n', encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert str(path) in str(caught.value)
    assert "line 3" in str(caught.value)


def test_the_config_flag_wins_over_the_environment_over_the_default():
    environ = {"CHALLENGE_CONFIG": "/etc/challenge.toml"}

    assert config_path("custom.toml", environ) == Path("custom.toml")
    assert config_path(None, environ) == Path("/etc/challenge.toml")
    assert config_path(None, {}) == Path("config.toml")
