"""The bot's settings: config.toml read and validated once, at start-up, into frozen values."""

import difflib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain.kinds import ActivityKind

DEFAULT_PATH = Path("config.toml")
ENVIRONMENT_VARIABLE = "CHALLENGE_CONFIG"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the file, the key and what was expected."""


@dataclass(frozen=True)
class SeasonConfig:
    name: str
    start: date
    end: date
    timezone: ZoneInfo
    donation_per_km: Decimal
    currency: str
    donation_cap: Decimal | None
    max_team_size: int
    late_logging_days: int


@dataclass(frozen=True)
class LimitsConfig:
    """The most a participant may log per kind and day, in km."""

    run_km: int = 100
    walk_km: int = 80
    cycle_km: int = 400

    def max_metres(self, kind: ActivityKind) -> int:
        km = {
            ActivityKind.RUN: self.run_km,
            ActivityKind.WALK: self.walk_km,
            ActivityKind.CYCLE: self.cycle_km,
        }[kind]
        return km * 1000


@dataclass(frozen=True)
class ScheduleConfig:
    daily_leaderboard: time
    final_report: datetime | None
    vote_closes: datetime | None
    catch_up_hours: int = 6

    def final_report_at(self, season: SeasonConfig) -> datetime:
        """The configured moment, or the day after the season ends at the daily time."""
        if self.final_report is not None:
            return self.final_report
        day_after = season.end + timedelta(days=1)
        return datetime.combine(day_after, self.daily_leaderboard, tzinfo=season.timezone)


@dataclass(frozen=True)
class PhotosConfig:
    media_dir: Path
    max_per_person: int = 3


@dataclass(frozen=True)
class DatabaseConfig:
    url: str


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int


@dataclass(frozen=True)
class SlackConfig:
    enabled: bool
    mode: Literal["http", "socket"]
    command: str
    api_url: str
    public_url: str = ""  # where Slack reaches this server; "" for the [server] address


@dataclass(frozen=True)
class TelegramConfig:
    enabled: bool
    mode: Literal["polling", "webhook"]
    base_url: str
    base_file_url: str
    webhook_url: str


@dataclass(frozen=True)
class AdminsConfig:
    slack: frozenset[str]
    telegram: frozenset[str]


@dataclass(frozen=True)
class AnnounceChat:
    platform: Literal["slack", "telegram"]
    chat: str


@dataclass(frozen=True)
class Config:
    path: Path
    season: SeasonConfig
    limits: LimitsConfig
    schedule: ScheduleConfig
    photos: PhotosConfig
    database: DatabaseConfig
    server: ServerConfig
    slack: SlackConfig
    telegram: TelegramConfig
    admins: AdminsConfig
    announce: tuple[AnnounceChat, ...]

    def is_admin(self, platform: str, user_id: str) -> bool:
        admins = {"slack": self.admins.slack, "telegram": self.admins.telegram}
        return user_id in admins.get(platform, frozenset())


def config_path(argv_value: str | None, environ: Mapping[str, str]) -> Path:
    """`--config PATH` wins, then $CHALLENGE_CONFIG, then ./config.toml."""
    return Path(argv_value or environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_PATH)


def load_config(path: Path) -> Config:
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file not found; pass --config PATH or set {ENVIRONMENT_VARIABLE}"
        ) from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: expected UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:  # its message names the line and column
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate a TOML document already read; relative paths are taken from `path`'s folder."""
    path = path.absolute()
    _refuse_unknown(path, "", data, [*_DEFAULTS, "announce"])
    season = _season(_table(path, data, "season"))
    return Config(
        path=path,
        season=season,
        limits=_limits(_table(path, data, "limits")),
        schedule=_schedule(_table(path, data, "schedule"), season.timezone),
        photos=_photos(_table(path, data, "photos"), path.parent),
        database=_database(_table(path, data, "database"), path.parent),
        server=_server(_table(path, data, "server")),
        slack=_slack(_table(path, data, "slack")),
        telegram=_telegram(_table(path, data, "telegram")),
        admins=_admins(_table(path, data, "admins")),
        announce=_announce(path, data.get("announce", [])),
    )


_REQUIRED = object()

# Every key a deployment may set, with its default; mirrors the shipped config.toml.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "season": {
        "name": _REQUIRED,
        "start": _REQUIRED,
        "end": _REQUIRED,
        "timezone": _REQUIRED,
        "donation_per_km": _REQUIRED,
        "currency": _REQUIRED,
        "donation_cap": "",
        "max_team_size": 12,
        "late_logging_days": 7,
    },
    "limits": {"run": 100, "walk": 80, "cycle": 400},
    "schedule": {
        "daily_leaderboard": "18:00",
        "final_report": "",
        "vote_closes": "",
        "catch_up_hours": 6,
    },
    "photos": {"media_dir": "media", "max_per_person": 3},
    "database": {"url": _REQUIRED},
    "server": {"host": "127.0.0.1", "port": 8080},
    "slack": {
        "enabled": False,
        "mode": "http",
        "command": "/challenge",
        "api_url": "https://slack.com/api/",
        "public_url": "",
    },
    "telegram": {
        "enabled": False,
        "mode": "polling",
        "base_url": "https://api.telegram.org/bot",
        "base_file_url": "https://api.telegram.org/file/bot",
        "webhook_url": "",
    },
    "admins": {"slack": [], "telegram": []},
}
_ANNOUNCE_KEYS: dict[str, Any] = {"platform": _REQUIRED, "chat": _REQUIRED}

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_MOMENT_FORMAT = "%Y-%m-%d %H:%M"


class _Table:
    """One TOML table being read: each getter names the dotted key when its value is wrong."""

    def __init__(self, path: Path, prefix: str, values: Mapping[str, Any], defaults: dict):
        _refuse_unknown(path, f"{prefix}.", values, list(defaults))
        self.path = path
        self.prefix = prefix
        self.values = values
        self.defaults = defaults

    def fail(self, key: str, expected: str, value: Any = _REQUIRED) -> NoReturn:
        got = "missing" if value is _REQUIRED else f"got {_show(value)}"
        raise ConfigError(f"{self.path}: {self.prefix}.{key}: expected {expected} ({got})")

    def raw(self, key: str, expected: str) -> Any:
        value = self.values.get(key, self.defaults[key])
        if value is _REQUIRED:
            self.fail(key, expected)
        return value

    def blank(self, key: str) -> bool:
        """Whether an optional setting is the empty string, which means "none"."""
        return self.values.get(key, self.defaults[key]) == ""

    def text(self, key: str, expected: str = "a non-empty string") -> str:
        value = self.raw(key, expected)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, expected, value)
        return value

    def flag(self, key: str) -> bool:
        value = self.raw(key, "true or false")
        if not isinstance(value, bool):
            self.fail(key, "true or false", value)
        return value

    def whole(self, key: str, low: int = 1, high: int | None = None) -> int:
        expected = f"a whole number from {low} to {high}" if high else "a positive whole number"
        value = self.raw(key, expected)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, expected, value)
        if value < low or (high is not None and value > high):
            self.fail(key, expected, value)
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> Any:
        expected = " or ".join(json.dumps(option) for option in allowed)
        value = self.raw(key, expected)
        if value not in allowed:
            self.fail(key, expected, value)
        return value

    def url(self, key: str, expected: str = "an http:// or https:// URL") -> str:
        value = self.raw(key, expected)
        if not isinstance(value, str):
            self.fail(key, expected, value)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.fail(key, expected, value)
        return value

    def amount(self, key: str, expected: str) -> Decimal:
        value = self.raw(key, expected)
        if not isinstance(value, str):
            self.fail(key, expected, value)
        try:
            amount = Decimal(value)
        except InvalidOperation:
            self.fail(key, expected, value)
        if not amount.is_finite() or amount < 0:
            self.fail(key, f"{expected}, not negative", value)
        return amount

    def day(self, key: str) -> date:
        expected = "a TOML date such as 2021-07-01, without quotes"
        value = self.raw(key, expected)
        if isinstance(value, datetime) or not isinstance(value, date):
            self.fail(key, expected, value)
        return value

    def clock(self, key: str) -> time:
        expected = 'a time of day such as "18:00"'
        value = self.raw(key, expected)
        if isinstance(value, time):
            return value
        match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
        if not match:
            self.fail(key, expected, value)
        try:
            return time(int(match[1]), int(match[2]))
        except ValueError:
            self.fail(key, expected, value)

    def moment(self, key: str, zone: ZoneInfo, expected: str) -> datetime:
        """A day and time in the season's zone (an explicit UTC offset is converted to it)."""
        value = self.raw(key, expected)
        if isinstance(value, str):
            try:
                value = datetime.strptime(value, _MOMENT_FORMAT)
            except ValueError:
                self.fail(key, expected, value)
        if not isinstance(value, datetime):
            self.fail(key, expected, value)
        return value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)

    def zone(self, key: str) -> ZoneInfo:
        expected = 'an IANA time zone such as "Europe/London"'
        value = self.raw(key, expected)
        if not isinstance(value, str) or not value:
            self.fail(key, expected, value)
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(key, expected, value)

    def ids(self, key: str, of: type, example: str) -> frozenset[str]:
        expected = f"a list such as [{example}]"
        value = self.raw(key, expected)
        if not isinstance(value, list):
            self.fail(key, expected, value)
        for item in value:
            if isinstance(item, bool) or not isinstance(item, of) or item == "":
                self.fail(key, expected, value)
        return frozenset(str(item) for item in value)

    def path_in(self, key: str, base: Path) -> Path:
        return base / self.text(key, "a folder path")


def _season(table: _Table) -> SeasonConfig:
    start = table.day("start")
    end = table.day("end")
    if end < start:
        table.fail("end", f"a date on or after season.start ({start})", end)
    currency = table.text("currency", 'a three-letter currency code such as "EUR"')
    if not re.fullmatch(r"[A-Z]{3}", currency):
        table.fail("currency", 'a three-letter currency code such as "EUR"', currency)
    return SeasonConfig(
        name=table.text("name"),
        start=start,
        end=end,
        timezone=table.zone("timezone"),
        donation_per_km=table.amount("donation_per_km", 'a string such as "0.10"'),
        currency=currency,
        donation_cap=None
        if table.blank("donation_cap")
        else table.amount("donation_cap", 'a string such as "26000", or "" for no cap'),
        max_team_size=table.whole("max_team_size"),
        late_logging_days=table.whole("late_logging_days"),
    )


def _limits(table: _Table) -> LimitsConfig:
    return LimitsConfig(
        run_km=table.whole("run"), walk_km=table.whole("walk"), cycle_km=table.whole("cycle")
    )


def _schedule(table: _Table, zone: ZoneInfo) -> ScheduleConfig:
    def moment(key: str) -> datetime | None:
        expected = 'a day and time such as "2021-09-01 18:00", or "" for none'
        return None if table.blank(key) else table.moment(key, zone, expected)

    return ScheduleConfig(
        daily_leaderboard=table.clock("daily_leaderboard"),
        final_report=moment("final_report"),
        vote_closes=moment("vote_closes"),
        catch_up_hours=table.whole("catch_up_hours"),
    )


def _photos(table: _Table, base: Path) -> PhotosConfig:
    return PhotosConfig(
        media_dir=table.path_in("media_dir", base),
        max_per_person=table.whole("max_per_person"),
    )


def _database(table: _Table, base: Path) -> DatabaseConfig:
    expected = 'a database URL such as "sqlite:///challenge.db"'
    text = table.text("url", expected)
    try:
        url = make_url(text)
    except ArgumentError:
        table.fail("url", expected, text)
    in_memory = url.database in (None, "", ":memory:") or url.database.startswith("file:")
    if url.get_backend_name() != "sqlite" or in_memory or Path(url.database).is_absolute():
        return DatabaseConfig(url=text)
    # A relative SQLite file sits next to config.toml, whatever the working directory.
    located = url.set(database=str(base / url.database))
    return DatabaseConfig(url=located.render_as_string(hide_password=False))


def _server(table: _Table) -> ServerConfig:
    # Port 0 lets the system pick a free port (tests, several local instances).
    return ServerConfig(host=table.text("host"), port=table.whole("port", 0, 65535))


def _slack(table: _Table) -> SlackConfig:
    command = table.text("command", 'a slash command such as "/challenge"')
    if not re.fullmatch(r"/\S+", command):
        table.fail("command", 'a slash command such as "/challenge"', command)
    api_url = table.url("api_url")
    return SlackConfig(
        enabled=table.flag("enabled"),
        mode=table.choice("mode", ("http", "socket")),
        command=command,
        # The Slack SDK joins method names onto this URL, which needs its final slash.
        api_url=api_url if api_url.endswith("/") else f"{api_url}/",
        public_url=""
        if table.blank("public_url")
        else table.url("public_url", 'an https:// URL, or ""').rstrip("/"),
    )


def _telegram(table: _Table) -> TelegramConfig:
    config = TelegramConfig(
        enabled=table.flag("enabled"),
        mode=table.choice("mode", ("polling", "webhook")),
        base_url=table.url("base_url"),
        base_file_url=table.url("base_file_url"),
        webhook_url=""
        if table.blank("webhook_url")
        else table.url("webhook_url", 'an http:// or https:// URL, or ""'),
    )
    if config.enabled and config.mode == "webhook" and not config.webhook_url:
        table.fail("webhook_url", 'the public URL Telegram calls, when mode is "webhook"', "")
    return config


def _admins(table: _Table) -> AdminsConfig:
    return AdminsConfig(
        slack=table.ids("slack", str, '"U012AB3CD"'),
        telegram=table.ids("telegram", int, "123456789"),
    )


def _announce(path: Path, entries: Any) -> tuple[AnnounceChat, ...]:
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}: announce: expected [[announce]] tables (got {_show(entries)})")
    chats = []
    for index, entry in enumerate(entries):
        table = _Table(path, f"announce[{index}]", entry, _ANNOUNCE_KEYS)
        platform = table.choice("platform", ("slack", "telegram"))
        expected = "a chat id" + (" (a string or a number)" if platform == "telegram" else "")
        chat = table.raw("chat", expected)
        allowed = (str, int) if platform == "telegram" else str
        if isinstance(chat, bool) or not isinstance(chat, allowed) or chat == "":
            table.fail("chat", expected, chat)
        chats.append(AnnounceChat(platform=platform, chat=str(chat)))
    return tuple(chats)


def _table(path: Path, data: Mapping[str, Any], name: str) -> _Table:
    values = data.get(name, {})
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: {name}: expected a table [{name}] (got {_show(values)})")
    return _Table(path, name, values, _DEFAULTS[name])


def _refuse_unknown(path: Path, prefix: str, values: Mapping[str, Any], known: list[str]) -> None:
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {prefix}{close[0]}?" if close else ""
            raise ConfigError(f"{path}: unknown key {prefix}{key}{hint}")


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for error messages."""
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    return json.dumps(value, default=str)
