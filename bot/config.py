"""The bot's settings: config.toml read and validated once, at start-up, into frozen values."""

import difflib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from msgspec import Meta
from msgspec.inspect import LiteralType, Metadata, StructType, type_info
from sqlalchemy.engine import make_url

from bot.domain.journey import Route, Stop
from bot.domain.kinds import ActivityKind
from bot.i18n import SHIPPED, _

DEFAULT_PATH = Path("config.toml")
ENVIRONMENT_VARIABLE = "CHALLENGE_CONFIG"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the file, the key and what was expected."""


class _Clock:
    """A time of day: TOML's own (18:00:00) or a string such as "18:00"."""

    def __init__(self, value: time | str) -> None:
        self.time = value if isinstance(value, time) else datetime.strptime(value, "%H:%M").time()


class _Moment:
    """A day and time: TOML's own, or a string such as "2021-09-01 18:00" or "2021-09-01T18:00"."""

    def __init__(self, value: datetime | str) -> None:
        pattern = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d|Z)?"
        if isinstance(value, str) and re.fullmatch(pattern, value):
            value = datetime.fromisoformat(value)
        if value != "" and not isinstance(value, datetime):
            raise ValueError(value)
        self.at = value or None  # "" is no moment


def _build(kind: type, value: Any) -> Any:
    """msgspec's hook for the types it does not know: each is built from its TOML value."""
    try:
        return kind(value)
    except LookupError:  # ZoneInfo's "not found" is a KeyError, which msgspec would not report
        raise ValueError(value) from None


# The value types of config.toml; a description is what an error message says was expected.
_URL = r"https?://[^/?#\s]"
_AMOUNT = r"\d+(\.\d+)?"
_Text = Annotated[str, Meta(pattern=r"\S", description="a non-empty string")]
_Positive = Annotated[int, Meta(ge=1, description="a positive whole number")]
_Days = Annotated[int, Meta(ge=0, description="a whole number of days, 0 or more")]
_Flag = Annotated[bool, Meta(description="true or false")]
_Url = Annotated[str, Meta(pattern=f"^{_URL}", description="an http:// or https:// URL")]
_UrlOrNone = Annotated[
    str, Meta(pattern=f"^({_URL}|$)", description='an http:// or https:// URL, or ""')
]
_Day = Annotated[date, Meta(description="a TOML date such as 2021-07-01, without quotes")]
_When = Annotated[
    _Moment, Meta(description='a day and time such as "2021-09-01 18:00", or "" for none')
]


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A TOML table: a key it does not declare is refused; a key left out takes its default."""


# A section whose TOML values are the values the bot reads is one public _Table. One with values
# to convert (a Decimal, a path next to config.toml, a moment in the season's zone, ids as text)
# is a private _Table in the TOML's shape and a public dataclass that `_typed` builds from it.


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


class _Season(_Table):
    name: _Text
    start: _Day
    end: _Day
    timezone: Annotated[ZoneInfo, Meta(description='an IANA time zone such as "Europe/London"')]
    donation_per_km: Annotated[
        str, Meta(pattern=f"^{_AMOUNT}$", description='a string such as "0.10", not negative')
    ]
    currency: Annotated[
        str, Meta(pattern="^[A-Z]{3}$", description='a three-letter currency code such as "EUR"')
    ]
    donation_cap: Annotated[
        str,
        Meta(pattern=f"^({_AMOUNT})?$", description='a string such as "26000", or "" for no cap'),
    ] = ""
    max_team_size: _Positive = 12
    late_logging_days: _Positive = 7


class LimitsConfig(_Table):
    """The most a participant may log per kind and day, in km."""

    run_km: _Positive = msgspec.field(default=100, name="run")
    walk_km: _Positive = msgspec.field(default=80, name="walk")
    cycle_km: _Positive = msgspec.field(default=400, name="cycle")

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
    catch_up_hours: int

    def final_report_at(self, season: SeasonConfig) -> datetime:
        """The configured moment, or, once the late-logging window has closed, the next day at
        the daily time: the report then holds every log the season can have."""
        if self.final_report is not None:
            return self.final_report
        day_after = season.end + timedelta(days=season.late_logging_days + 1)
        return datetime.combine(day_after, self.daily_leaderboard, tzinfo=season.timezone)


class _Schedule(_Table):
    daily_leaderboard: Annotated[_Clock, Meta(description='a time of day such as "18:00"')] = (
        _Clock("18:00")
    )
    final_report: _When = _Moment("")  # none: the day after the season ends, at the daily time
    vote_closes: _When = _Moment("")  # none: only `admin vote close` closes the vote
    catch_up_hours: _Positive = 6


@dataclass(frozen=True)
class PhotosConfig:
    media_dir: Path
    max_per_person: int


class _Photos(_Table):
    media_dir: Annotated[str, Meta(pattern=r"\S", description="a folder path")] = "media"
    max_per_person: _Positive = 3


class DatabaseConfig(_Table):
    url: Annotated[
        str,
        Meta(pattern=r"^[\w+]+://", description='a database URL such as "sqlite:///challenge.db"'),
    ]


class ServerConfig(_Table):
    host: _Text = "127.0.0.1"
    # Port 0 lets the system pick a free port (tests, several local instances).
    port: Annotated[int, Meta(ge=0, le=65535, description="a whole number from 0 to 65535")] = 8080


class WebConfig(_Table):
    """The live board on the [server]; the secret part of its address comes from BOARD_KEY."""

    enabled: _Flag = False
    refresh_seconds: Annotated[
        int, Meta(ge=1, le=3600, description="a whole number of seconds from 1 to 3600")
    ] = 60


class SlackConfig(_Table):
    enabled: _Flag = False
    mode: Literal["http", "socket"] = "http"
    command: Annotated[
        str, Meta(pattern=r"^/\S+$", description='a slash command such as "/challenge"')
    ] = "/challenge"
    api_url: _Url = "https://slack.com/api/"
    public_url: _UrlOrNone = ""  # where Slack reaches this server; "" for the [server] address


class TelegramConfig(_Table):
    enabled: _Flag = False
    mode: Literal["polling", "webhook"] = "polling"
    base_url: _Url = "https://api.telegram.org/bot"
    base_file_url: _Url = "https://api.telegram.org/file/bot"
    webhook_url: _UrlOrNone = ""


@dataclass(frozen=True)
class AdminsConfig:
    slack: frozenset[str]
    telegram: frozenset[str]


class _Admins(_Table):
    slack: Annotated[frozenset[_Text], Meta(description='a list such as ["U012AB3CD"]')] = (
        frozenset()
    )
    telegram: Annotated[frozenset[int], Meta(description="a list such as [123456789]")] = (
        frozenset()
    )


@dataclass(frozen=True)
class AnnounceChat:
    platform: Literal["slack", "telegram"]
    chat: str


class _Announce(_Table):
    platform: Literal["slack", "telegram"]
    chat: Annotated[_Text | int, Meta(description="a chat id")]


class PrivacyConfig(_Table):
    """Who people ask about their data, how others see their names, and how long it is kept."""

    contact: Annotated[str, Meta(description='whom to ask, such as "csr@example.com"')] = ""
    names: Literal["full", "first_initial"] = "full"
    retention_days: _Days = 90  # after the season's end; 0 keeps personal data

    @property
    def asked(self) -> str:
        """Whom `privacy` tells people to ask."""
        return self.contact.strip() or _("the challenge admins")

    def erase_at(self, season: "SeasonConfig") -> datetime | None:
        """When the retention job erases everyone's personal data: `retention_days` after the
        season's last day is over; None when it is kept."""
        if not self.retention_days:
            return None
        day = season.end + timedelta(days=1 + self.retention_days)
        return datetime.combine(day, time(0), tzinfo=season.timezone)


class SpeedLimitsConfig(_Table):
    """The fastest moving average, in km/h, a file of each kind may show."""

    run_kmh: _Positive = msgspec.field(default=25, name="run")
    walk_kmh: _Positive = msgspec.field(default=10, name="walk")
    cycle_kmh: _Positive = msgspec.field(default=70, name="cycle")

    def of(self, kind: ActivityKind) -> int:
        return {
            ActivityKind.RUN: self.run_kmh,
            ActivityKind.WALK: self.walk_kmh,
            ActivityKind.CYCLE: self.cycle_kmh,
        }[kind]


class FilesConfig(_Table):
    """GPX, FIT and TCX uploads: how big a file may be, and how fast it may be."""

    max_mb: Annotated[int, Meta(ge=1, le=100, description="megabytes, from 1 to 100")] = 20
    max_speed_kmh: SpeedLimitsConfig = SpeedLimitsConfig()

    @property
    def max_bytes(self) -> int:
        """The most a file may hold, sent or unpacked."""
        return self.max_mb * 1024 * 1024


class _Stop(_Table):
    name: Annotated[str, Meta(pattern=r"\S", max_length=40, description="a stop's name")]
    lat: Annotated[float, Meta(ge=-90, le=90, description="a latitude from -90 to 90")]
    lon: Annotated[float, Meta(ge=-180, le=180, description="a longitude from -180 to 180")]


# Around Europe, about 6,200 km a lap.
_EUROPE = (
    _Stop("London", 51.5072, -0.1276),
    _Stop("Paris", 48.8566, 2.3522),
    _Stop("Brussels", 50.8503, 4.3517),
    _Stop("Amsterdam", 52.3676, 4.9041),
    _Stop("Copenhagen", 55.6761, 12.5683),
    _Stop("Berlin", 52.5200, 13.4050),
    _Stop("Prague", 50.0755, 14.4378),
    _Stop("Vienna", 48.2082, 16.3738),
    _Stop("Budapest", 47.4979, 19.0402),
    _Stop("Zagreb", 45.8150, 15.9819),
    _Stop("Venice", 45.4408, 12.3155),
    _Stop("Milan", 45.4642, 9.1900),
    _Stop("Zurich", 47.3769, 8.5417),
    _Stop("Lyon", 45.7640, 4.8357),
    _Stop("Barcelona", 41.3874, 2.1686),
    _Stop("Madrid", 40.4168, -3.7038),
    _Stop("Bordeaux", 44.8378, -0.5792),
)


class _Journey(_Table):
    name: _Text = "Around Europe"
    stops: Annotated[
        tuple[_Stop, ...], Meta(min_length=2, description="two or more { name, lat, lon } stops")
    ] = _EUROPE
    loop: _Flag = True


class _Bonus(_Table):
    km: _Positive
    amount: Annotated[str, Meta(pattern=f"^{_AMOUNT}$", description='a string such as "2500"')]


@dataclass(frozen=True, order=True)
class Bonus:
    """The company adds `amount` once the season's km reach `km`."""

    km: int
    amount: Decimal


@dataclass(frozen=True)
class JourneyConfig:
    name: str
    route: Route


# The languages the bot has words for; `[languages] available` picks among them.
_Language = Literal["en", "de", "fr", "es", "it", "nl", "pl"]


class LanguagesConfig(_Table):
    """The language of posts and of anyone who chose none, and the languages people may pick."""

    default: _Language = "en"
    available: Annotated[
        tuple[_Language, ...], Meta(min_length=1, description="a list of language codes")
    ] = ("en", "de", "fr", "es", "it", "nl", "pl")

    @property
    def shipped(self) -> tuple[str, ...]:
        """The available languages whose catalogue is complete: the ones the bot speaks."""
        return tuple(code for code in dict.fromkeys(self.available) if code in SHIPPED)


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
    privacy: PrivacyConfig
    languages: LanguagesConfig = LanguagesConfig()
    files: FilesConfig = FilesConfig()
    journey: JourneyConfig = field(default_factory=lambda: DEFAULT_JOURNEY)
    bonuses: tuple[Bonus, ...] = ()
    web: WebConfig = WebConfig()

    def is_admin(self, platform: str, user_id: str) -> bool:
        admins = {"slack": self.admins.slack, "telegram": self.admins.telegram}
        return user_id in admins.get(platform, frozenset())


class _Document(_Table, kw_only=True):
    season: _Season
    limits: LimitsConfig = LimitsConfig()
    schedule: _Schedule = _Schedule()
    photos: _Photos = _Photos()
    database: DatabaseConfig
    server: ServerConfig = ServerConfig()
    slack: SlackConfig = SlackConfig()
    telegram: TelegramConfig = TelegramConfig()
    admins: _Admins = _Admins()
    announce: Annotated[tuple[_Announce, ...], Meta(description="[[announce]] tables")] = ()
    privacy: PrivacyConfig = PrivacyConfig()
    languages: LanguagesConfig = LanguagesConfig()
    files: FilesConfig = FilesConfig()
    journey: _Journey = _Journey()
    bonus: Annotated[tuple[_Bonus, ...], Meta(description="[[bonus]] tables")] = ()
    web: WebConfig = WebConfig()


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
    try:
        # TOML's dates and times arrive as Python objects: a quoted "2021-07-01" is not a date.
        document = msgspec.convert(
            data, _Document, builtin_types=(date, datetime, time), dec_hook=_build
        )
    except msgspec.ValidationError as error:
        raise _explain(path, str(error), data) from None
    _check(path, document)
    return _typed(path, document)


def _check(path: Path, document: _Document) -> None:
    """Refuse what a schema cannot say: the rules that tie one key to another."""
    season, telegram = document.season, document.telegram
    if season.end < season.start:
        expected = f"a date on or after season.start ({season.start})"
        raise _refusal(path, "season.end", expected, season.end)
    if telegram.enabled and telegram.mode == "webhook" and not telegram.webhook_url:
        expected = 'the public URL Telegram calls, when mode is "webhook"'
        raise _refusal(path, "telegram.webhook_url", expected, "")
    try:
        make_url(document.database.url)
    except ValueError:  # a port that is not a number, which the pattern lets through
        expected = _expected(["database", "url"], "")
        raise _refusal(path, "database.url", expected, document.database.url) from None
    for index, entry in enumerate(document.announce):
        if entry.platform == "slack" and not isinstance(entry.chat, str):
            expected = 'a chat id in quotes, such as "C0123456789"'
            raise _refusal(path, f"announce[{index}].chat", expected, entry.chat)
    languages = document.languages
    if languages.default not in languages.shipped:
        expected = f"one of the available languages the bot speaks ({', '.join(languages.shipped)})"
        raise _refusal(path, "languages.default", expected, languages.default)


def _typed(path: Path, document: _Document) -> Config:
    """The values the bot reads, from a document that passed the schema and `_check`."""
    season, schedule, slack = document.season, document.schedule, document.slack
    zone = season.timezone

    def in_zone(moment: _Moment) -> datetime | None:
        at = moment.at  # one with an explicit UTC offset is converted to the season's zone
        if at is None:
            return None
        return at.astimezone(zone) if at.tzinfo else at.replace(tzinfo=zone)

    cap = Decimal(season.donation_cap) if season.donation_cap else None
    return Config(
        path=path,
        season=SeasonConfig(
            **msgspec.structs.asdict(season)
            | {"donation_per_km": Decimal(season.donation_per_km), "donation_cap": cap}
        ),
        limits=document.limits,
        schedule=ScheduleConfig(
            daily_leaderboard=schedule.daily_leaderboard.time,
            final_report=in_zone(schedule.final_report),
            vote_closes=in_zone(schedule.vote_closes),
            catch_up_hours=schedule.catch_up_hours,
        ),
        photos=PhotosConfig(
            media_dir=path.parent / document.photos.media_dir,
            max_per_person=document.photos.max_per_person,
        ),
        database=DatabaseConfig(url=_next_to(document.database.url, path.parent)),
        server=document.server,
        slack=msgspec.structs.replace(
            slack,
            # The Slack SDK joins method names onto this URL, which needs its final slash.
            api_url=slack.api_url.rstrip("/") + "/",
            public_url=slack.public_url.rstrip("/"),
        ),
        telegram=document.telegram,
        admins=AdminsConfig(
            slack=document.admins.slack, telegram=frozenset(map(str, document.admins.telegram))
        ),
        announce=tuple(AnnounceChat(chat.platform, str(chat.chat)) for chat in document.announce),
        privacy=document.privacy,
        languages=document.languages,
        files=document.files,
        journey=_journey(document.journey),
        bonuses=tuple(sorted(Bonus(bonus.km, Decimal(bonus.amount)) for bonus in document.bonus)),
        web=document.web,
    )


def _journey(journey: _Journey) -> JourneyConfig:
    stops = tuple(Stop(stop.name.strip(), stop.lat, stop.lon) for stop in journey.stops)
    return JourneyConfig(journey.name, Route(stops, journey.loop))


# Where a configuration without [journey] goes: round Europe.
DEFAULT_JOURNEY = _journey(_Journey())


def _next_to(text: str, folder: Path) -> str:
    """A relative SQLite file sits next to config.toml, whatever the working directory."""
    url = make_url(text)
    in_memory = url.database in (None, "", ":memory:") or url.database.startswith("file:")
    if url.get_backend_name() != "sqlite" or in_memory or Path(url.database).is_absolute():
        return text
    return url.set(database=str(folder / url.database)).render_as_string(hide_password=False)


_SCHEMA = type_info(_Document)
_MISSING = object()


def _explain(path: Path, error: str, data: dict[str, Any]) -> ConfigError:
    """msgspec's complaint ("Expected `int` >= 1 - at `$.season.max_team_size`") in our words."""
    message, _, at = error.partition(" - at `$")
    steps = [int(index) if index else key for key, index in re.findall(r"\.(\w+)|\[(\d+)\]", at)]
    field = re.fullmatch(r"Object (missing required|contains unknown) field `(.+)`", message)
    if field and field[1] == "contains unknown":
        prefix = f"{_key(steps)}." if steps else ""
        known = [declared.encode_name for declared in _node(steps).fields]
        close = difflib.get_close_matches(field[2], known, n=1)
        hint = f"; did you mean {prefix}{close[0]}?" if close else ""
        return ConfigError(f"{path}: unknown key {prefix}{field[2]}{hint}")
    if field:
        steps.append(field[2])
    while field and isinstance(_node(steps), StructType):  # a table left out: its first key
        steps.append(next(key.encode_name for key in _node(steps).fields if key.required))
    while steps and isinstance(steps[-1], int):  # a wrong item: name the list, not its place
        steps.pop()
    return _refusal(path, _key(steps), _expected(steps, message), _value(data, steps))


def _expected(steps: list[str | int], fallback: str) -> str:
    """What the key's declaration says it takes."""
    node = _node(steps)
    if isinstance(node, Metadata) and node.extra_json_schema:
        return node.extra_json_schema["description"]
    if isinstance(node, LiteralType):
        return " or ".join(json.dumps(choice) for choice in node.values)
    if isinstance(node, StructType):
        return f"a table [{_key(steps)}]"
    return fallback  # a key declared without a description


def _key(steps: list[str | int]) -> str:
    """The dotted key as config.toml's reader thinks of it: `announce[1].chat`."""
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in steps)[1:]


def _node(steps: list[str | int]) -> Any:
    """The declared type at a key, wrapped in its description if it has one."""
    node: Any = _SCHEMA
    for step in steps:
        node = node.type if isinstance(node, Metadata) else node
        if isinstance(step, int):
            node = node.item_type
        else:
            node = next(field.type for field in node.fields if field.encode_name == step)
    return node


def _value(data: Any, steps: list[str | int]) -> Any:
    """What config.toml holds at a key, or _MISSING."""
    for step in steps:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return data


def _refusal(path: Path, key: str, expected: str, value: Any) -> ConfigError:
    got = "missing" if value is _MISSING else f"got {_show(value)}"
    return ConfigError(f"{path}: {key}: expected {expected} ({got})")


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for error messages."""
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    return json.dumps(value, default=str)
