"""Soak the bot: hundreds of people on Slack and Telegram for minutes, then check it all.

    .venv/bin/python -m scripts.soak --backend sqlite|postgresql --minutes M [--people N]
        [--restart-postgres] [--seed S] [--keep]

Runs `main.py` as deployed, in its own process, with Slack over HTTP and Telegram by polling,
against a fake Slack Web API and a fake Telegram Bot API on 127.0.0.1, on a fresh SQLite file
or on a PostgreSQL database made for the run and dropped after. Half the people are on each
platform. For M minutes from the first command: an admin opens the charity vote, everyone
forms teams, then random waves of people log activities (distances in several units, kinds,
days), ask for `me`, `standings` and `totals`, `undo`, and press the vote buttons, with random
gaps, in phases of a few seconds from both platforms or from one alone. `--restart-postgres`
stops the PostgreSQL server for a few seconds, 30% into the run, and starts it again.

At the end it prints figures, and checks that:
- every command got exactly one answer, within its deadline (and Slack's HTTP ack within 3 s);
- no answer was an apology or unexpected, and "busy, try again" came only while the database
  was away or in the 10 s after it was back;
- every acknowledged log is stored (and removed if its undo was acknowledged), nothing else is,
  each person's total is the sum of their acknowledged logs minus their acknowledged undos,
  each team's total the sum of its logs, and each person's vote the last one acknowledged;
- `/healthz`, asked every second, always answered and told the truth: not 200 while a platform
  had left a command unanswered past the stall limit, not 503 while commands were answered;
- the bot's resident memory did not grow after warm-up (a quarter into the run);
- the bot stopped cleanly on SIGTERM.
The exit code is 0 when every check passes.
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.commands import Log
from bot.domain.days import resolve_day
from bot.handlers.catalogue import parse
from bot.health import STALL
from scripts.kill_mid_burst import SIGNING_SECRET, BotProcess, free_port, fresh_database
from storage.models import Activity, Ballot, Charity, ParticipantTotal, PlatformAccount, Team
from tests.fakes.conversations import (
    Exchange,
    SlackPeople,
    TelegramPeople,
    WatchedSlackApi,
    WatchedTelegramApi,
)

ZONE = ZoneInfo("Europe/London")
TELEGRAM_TOKEN = "7000001:soak-token-never-logged"
ADMIN = "USOAKADMIN"  # on Slack
ANNOUNCE_CHANNEL = "CANNOUNCE"
GROUP = {"id": -1009000000001, "title": "Summer Challenge", "type": "supergroup"}
CHARITIES = ("Oxfam", "WWF", "Red Cross")
TEAM_SIZE = 8
LIMITS_KM = {"run": 100, "walk": 80, "cycle": 400}
LIMIT_SHARE = 0.8  # logs stay under this share of a day's limit: none is refused for it

# Slack shows a slash command or a press as failed when its HTTP ack takes longer than 3 s.
SLACK_ACK_S = 3.0
# Telegram messages and button presses of either platform, answered by a later API call: the
# bot's own deadline for a command (2 s), then the sending, paced by Telegram's rate limits.
ANSWER_DEADLINE_S = 5.0
SETUP_TIMEOUT_S = 30.0
JOINING_S = 2.0  # the team members' joins are spread over this
HEALTH_EVERY_S = 1.0
HEALTH_TIMEOUT_S = 2.0
# /healthz may take this long past the bot's stall limit to notice a stalled adapter.
HEALTH_GRACE_S = 15.0
STALL_S = STALL.total_seconds()
RESTART_AT = 0.3  # of the run
POSTGRES_DOWN_S = 3.0
RECOVERY_S = 10.0  # after the database is back, every command works again within this
WARM_UP_AT = 0.25  # of the run
RSS_SLACK_MB = 10.0
RSS_SLACK_SHARE = 0.10
SHOWN = 8  # examples printed per failed check

LOGGED = re.compile(r"Logged #(\d+):")
REMOVED = re.compile(r"Removed #(\d+):")
VOTED = re.compile(r"(?:Your vote: |You already voted for )(.+?)(?: \(changed\))?\.")
BUSY = re.compile(r"\bbusy\b.*\btry again\b", re.IGNORECASE | re.DOTALL)
# What a working answer to each kind of command shows.
WORKED = {
    "log": LOGGED,
    "undo": re.compile(r"Removed #\d+:|nothing logged to undo"),
    "me": re.compile(r"Days active"),
    "standings": re.compile(r"Team standings"),
    "totals": re.compile(r" so far"),
    "vote": VOTED,
    "newteam": re.compile(r"is created"),
    "join": re.compile(r"Welcome to|already in"),
    "admin": re.compile(r"^Added |The vote is open"),
}
KIND_WORDS = {
    "run": ("run", "running", "jog"),
    "walk": ("walk", "walking", "hike"),
    "cycle": ("cycle", "ride", "bike"),
}
# How often people do each, relatively; a vote press that cannot be made is a `me`.
ACTIONS = {"log": 55, "undo": 8, "me": 9, "standings": 8, "totals": 6, "vote": 14}
BIG_WAVE_CHANCE = 0.03
PHASES = (("slack", "telegram"), ("telegram",), ("slack", "telegram"), ("slack",))
PHASE_S = (6.0, 10.0)
POSTGRES_ADMIN_PORT = "5432"


@dataclass
class Person:
    platform: str  # "slack" or "telegram"
    user: str  # the Slack user id, or the Telegram user id as text
    team: str
    telegram: dict[str, Any] | None = None  # the Telegram User
    joined: bool = False
    last_vote: "Sent | None" = None
    sent_m: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Sent:
    """A command of the soak: what it was for, and the exchange its answers land in."""

    kind: str  # a key of WORKED
    person: Person | None  # None for the admin
    exchange: Exchange
    log: Log | None = None

    @property
    def platform(self) -> str:
        return self.exchange.platform

    @property
    def deadline_s(self) -> float:
        slash = self.platform == "slack" and self.kind != "vote"
        return SLACK_ACK_S if slash else ANSWER_DEADLINE_S

    @property
    def outcome(self) -> str:
        """missing, ok, busy or unexpected, from the first answer."""
        answer = self.exchange.first_answer
        if answer is None:
            return "missing"
        if WORKED[self.kind].search(answer):
            return "ok"
        return "busy" if BUSY.search(answer) else "unexpected"

    def describe(self) -> str:
        person = self.person.user if self.person else ADMIN
        return f"{self.platform} {person} {self.exchange.text!r}"


@dataclass(frozen=True)
class HealthAnswer:
    at: float
    status: int | None  # None: no answer within HEALTH_TIMEOUT_S
    body: str


@dataclass
class Outage:
    """When the database server was stopped and started again (time.monotonic())."""

    stopping: float
    down: float | None = None  # the stop returned: surely down from here
    starting: float | None = None
    back: float | None = None  # taking connections again

    def overlaps(self, begin: float, end: float) -> bool:
        """Whether [begin, end] meets the time from the stop until RECOVERY_S after it was
        back."""
        return begin <= (self.back or float("inf")) + RECOVERY_S and end >= self.stopping

    def surely_down(self, moment: float) -> bool:
        """Down for a whole /healthz interval already, and not yet starting."""
        if self.down is None or self.starting is None:
            return False
        return self.down + HEALTH_EVERY_S <= moment <= self.starting


@dataclass
class Run:
    """Everything a soak saw, for the checks and the figures. Times are time.monotonic()."""

    backend: str
    people: list[Person]
    minutes: float
    seed: int
    sent: list[Sent] = field(default_factory=list)
    health: list[HealthAnswer] = field(default_factory=list)
    rss_kb: list[tuple[float, int]] = field(default_factory=list)
    began: float = 0.0  # the first command
    ended: float = 0.0  # the last wave
    outage: Outage | None = None
    slack_buttons: list[dict[str, Any]] = field(default_factory=list)
    telegram_buttons: list[str] = field(default_factory=list)
    stored: "Stored | None" = None
    exit_code: int | None = None
    bot_log: Path | None = None

    def clock(self, moment: float) -> str:
        """A moment as seconds since the first command."""
        return f"t={moment - self.began:+.1f}s"

    def in_outage(self, moment: float) -> bool:
        return self.outage is not None and self.outage.overlaps(moment, moment)

    def during_outage(self, sent: Sent) -> bool:
        """Whether the command was waiting for its answer at some moment of the outage."""
        answered_at = sent.exchange.answered_at or float("inf")
        return self.outage is not None and self.outage.overlaps(sent.exchange.sent_at, answered_at)

    def rss_kb_at(self, share: float) -> int | None:
        """The bot's resident memory nearest to `share` of the run; 1 is the last sample,
        after the last answer."""
        if not self.rss_kb:
            return None
        if share >= 1:
            return self.rss_kb[-1][1]
        moment = self.began + share * (self.ended - self.began)
        return min(self.rss_kb, key=lambda sample: abs(sample[0] - moment))[1]


@dataclass(frozen=True)
class Stored:
    """What the database holds at the end."""

    participants: dict[tuple[str, str], int]  # (platform, user) -> participant id
    activities: dict[int, Activity]
    person_totals: dict[int, int]
    team_totals: dict[int, tuple[str, int]]
    votes: dict[int, str]  # participant id -> charity name


# -- the bot and its world ---------------------------------------------------------------


def write_config(
    directory: Path, database_url: str, port: int, slack_url: str, telegram_url: str
) -> Path:
    """Slack over HTTP and Telegram by polling, at the fakes; a season around today."""
    today = datetime.now(ZONE).date()
    limits = "\n".join(f"{kind} = {km}" for kind, km in LIMITS_KM.items())
    path = directory / "config.toml"
    path.write_text(
        f"""\
[season]
name = "Soak"
start = {today - timedelta(days=20)}
end = {today + timedelta(days=20)}
timezone = "{ZONE.key}"
donation_per_km = "0.10"
currency = "EUR"

[limits]
{limits}

[database]
url = "{database_url}"

[server]
host = "127.0.0.1"
port = {port}

[slack]
enabled = true
mode = "http"
api_url = "{slack_url}/api/"

[telegram]
enabled = true
mode = "polling"
base_url = "{telegram_url}/bot"
base_file_url = "{telegram_url}/file/bot"

[admins]
slack = ["{ADMIN}"]

[[announce]]
platform = "slack"
chat = "{ANNOUNCE_CHANNEL}"

[[announce]]
platform = "telegram"
chat = {GROUP["id"]}
""",
        encoding="utf-8",
    )
    return path


def everyone(count: int) -> list[Person]:
    """Alternately on Slack and on Telegram, in teams of TEAM_SIZE."""
    people = []
    for n in range(count):
        team = f"Soak {n // TEAM_SIZE:03d}"
        if n % 2 == 0:
            people.append(Person("slack", f"USOAK{n:05d}", team))
        else:
            user = {"id": 800_000 + n, "is_bot": False, "first_name": f"Soak{n}", "last_name": "T"}
            people.append(Person("telegram", str(user["id"]), team, telegram=user))
    return people


def resident_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found[1]) if found else None


# -- PostgreSQL ----------------------------------------------------------------------------


def postgres_cluster() -> tuple[str, str]:
    """The version and name of the local cluster on port 5432, from `pg_lsclusters`."""
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], check=True, capture_output=True, text=True
    ).stdout
    for line in listing.splitlines():
        version, name, port, *_ = line.split()
        if port == POSTGRES_ADMIN_PORT:
            return version, name
    raise RuntimeError(f"no PostgreSQL cluster on port {POSTGRES_ADMIN_PORT}: {listing!r}")


def pg_ctlcluster(action: str, *options: str) -> None:
    version, name = postgres_cluster()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action, *options],
        check=True,
        capture_output=True,
        timeout=60,
    )


def postgres_ready() -> bool:
    command = ["pg_isready", "-h", "127.0.0.1", "-p", POSTGRES_ADMIN_PORT, "-q"]
    return subprocess.run(command, check=False).returncode == 0


def ensure_postgres_running(timeout_s: float = 60.0) -> None:
    """Start the local server if it is down, and wait until it takes connections."""
    if postgres_ready():
        return
    try:
        pg_ctlcluster("start")
    except subprocess.CalledProcessError:
        pass  # already starting: wait for it below
    deadline = time.monotonic() + timeout_s
    while not postgres_ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not come back within {timeout_s:.0f} s")
        time.sleep(0.2)


async def restart_postgres(run: Run, at: float) -> None:
    """At `at`, stop the server (fast: its sessions are ended), keep it down a moment, and
    start it again."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    outage = run.outage = Outage(time.monotonic())
    try:
        await asyncio.to_thread(pg_ctlcluster, "stop", "-m", "fast")
        outage.down = time.monotonic()
        await asyncio.sleep(POSTGRES_DOWN_S)
    finally:
        outage.starting = time.monotonic()
        await asyncio.to_thread(ensure_postgres_running)
        outage.back = time.monotonic()


# -- the people ----------------------------------------------------------------------------


class Crowd:
    """Sends what the people and the admin say, and keeps every command it sent."""

    def __init__(
        self, run: Run, slack: SlackPeople, telegram: TelegramPeople, rng: random.Random
    ) -> None:
        self.run = run
        self.slack = slack
        self.telegram = telegram
        self.rng = rng
        self._tasks: set[asyncio.Task[None]] = set()

    def say(self, person: Person, kind: str, text: str, log: Log | None = None) -> Sent:
        if person.platform == "slack":
            slash = "/log" if kind == "log" and self.rng.random() < 0.5 else "/challenge"
            exchange = self.slack.command(person.user, text, slash)
        else:
            exchange = self.telegram.command(person.telegram or {}, text)
        return self._keep(Sent(kind, person, exchange, log))

    def admin(self, text: str) -> Sent:
        return self._keep(Sent("admin", None, self.slack.command(ADMIN, text)))

    def press_vote(self, person: Person) -> bool:
        """A vote button of the announcement, as long as the person's last press is answered
        (so that their last acknowledged vote is the one that counts)."""
        if person.last_vote is not None and not _settled(person.last_vote.exchange):
            return False
        if person.platform == "slack" and self.run.slack_buttons:
            exchange = self.slack.press(person.user, self.rng.choice(self.run.slack_buttons))
        elif person.platform == "telegram" and self.run.telegram_buttons:
            data = self.rng.choice(self.run.telegram_buttons)
            exchange = self.telegram.press(person.telegram or {}, data, GROUP)
        else:
            return False
        person.last_vote = self._keep(Sent("vote", person, exchange))
        return True

    def _keep(self, sent: Sent) -> Sent:
        self.run.sent.append(sent)
        return sent

    # -- the load ------------------------------------------------------------------------

    async def waves(self, until: float) -> None:
        """Phases of a few seconds, from both platforms or from one alone (where one platform
        cannot wake up the other's stuck work). In each, small waves most of the time, now
        and then a big one; each person in a wave sends one to three commands in quick
        succession, not waiting for answers."""
        joined = [person for person in self.run.people if person.joined]
        for platforms in itertools.cycle(PHASES):
            active = [person for person in joined if person.platform in platforms]
            if not joined or time.monotonic() >= until:
                return
            phase_ends = min(until, time.monotonic() + self.rng.uniform(*PHASE_S))
            while active and time.monotonic() < phase_ends:
                await asyncio.sleep(self.rng.uniform(0.05, 0.5))
                if self.rng.random() < BIG_WAVE_CHANCE:
                    size = int(len(active) * self.rng.uniform(0.1, 0.3))
                else:
                    size = self.rng.randint(1, max(1, len(active) // 60))
                for person in self.rng.sample(active, min(size, len(active))):
                    self._later(self._burst(person))

    async def _burst(self, person: Person) -> None:
        for _ in range(self.rng.randint(1, 3)):
            self.act(person)
            await asyncio.sleep(self.rng.uniform(0, 0.3))

    def act(self, person: Person) -> None:
        (kind,) = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))
        if kind == "log" and (chosen := self.log_text(person)) is not None:
            self.say(person, "log", *chosen)
        elif kind in ("undo", "standings", "totals"):
            self.say(person, kind, kind)
        elif kind != "vote" or not self.press_vote(person):
            self.say(person, "me", "me")

    def log_text(self, person: Person) -> tuple[str, Log] | None:
        """A log in one of the many ways people type them, on a day with room under the
        limit; None when a few tries found no room."""
        today = datetime.now(ZONE).date()
        for _ in range(5):
            kind = self.rng.choice(list(KIND_WORDS))
            words = [self._distance(), self.rng.choice(KIND_WORDS[kind])]
            if self.rng.random() < 0.3:
                words.reverse()
            text = " ".join(["log", *words, self._day(today)]).strip()
            command = parse(text)
            if not isinstance(command, Log):
                raise RuntimeError(f"the soak's own log does not parse: {text!r}: {command}")
            day = resolve_day(command.day, today) or today
            room_m = LIMIT_SHARE * LIMITS_KM[command.kind] * 1000
            if person.sent_m[(day, command.kind)] + command.distance_m <= room_m:
                person.sent_m[(day, command.kind)] += command.distance_m
                return text, command
        return None

    def _day(self, today: date) -> str:
        """Mostly today, typed or not; else a recent day as a word, in ISO or day first."""
        back = self.rng.choice((0, 0, 0, 1, 2, 3, 5))
        day = today - timedelta(days=back)
        forms = {0: ("", "today"), 1: ("yesterday", day.isoformat())}
        return self.rng.choice(forms.get(back, (day.isoformat(), f"{day.day}/{day.month}")))

    def _distance(self) -> str:
        km = round(self.rng.uniform(0.5, 8.0), 1)
        forms = (
            f"{km:g} km",
            f"{km:g}km",
            f"{km:g} km".replace(".", ","),
            f"{round(km * 1000)} m",
            f"{round(km / 1.609344, 1):g} mi",
            f"{max(1, round(km))}k",
        )
        return self.rng.choice(forms)

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self, timeout_s: float) -> None:
        """Wait for the bursts still sending, then for every answer, at most `timeout_s`."""
        if self._tasks:
            await asyncio.gather(*self._tasks)
        await answered([sent.exchange for sent in self.run.sent], timeout_s)


def _settled(exchange: Exchange) -> bool:
    return bool(exchange.answers or exchange.failure)


async def answered(exchanges: Iterable[Exchange], timeout_s: float) -> None:
    """Until each exchange has an answer or a failure, or `timeout_s` has passed."""
    waiting = list(exchanges)
    deadline = time.monotonic() + timeout_s
    while waiting and time.monotonic() < deadline:
        waiting = [exchange for exchange in waiting if not _settled(exchange)]
        await asyncio.sleep(0.05)


async def set_up(
    crowd: Crowd, run: Run, slack_api: WatchedSlackApi, telegram_api: WatchedTelegramApi
) -> None:
    """The ballot and the vote, opened by the admin; then the teams: each team's first person
    creates it, the others join. The vote buttons are read from the announcements."""
    for text in [*(f"admin charity add {name}" for name in CHARITIES), "admin vote open"]:
        await answered([crowd.admin(text).exchange], SETUP_TIMEOUT_S)
    captains = run.people[::TEAM_SIZE]
    created = [crowd.say(person, "newteam", f"newteam {person.team}") for person in captains]
    await answered([sent.exchange for sent in created], SETUP_TIMEOUT_S)
    members = [person for person in run.people if person not in captains]
    joins = []
    for person in members:
        joins.append(crowd.say(person, "join", f"join {person.team}"))
        await asyncio.sleep(JOINING_S / len(members))
    await answered([sent.exchange for sent in joins], SETUP_TIMEOUT_S)
    for sent in [*created, *joins]:
        if sent.person is not None:
            sent.person.joined = sent.outcome == "ok"
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while time.monotonic() < deadline:
        run.slack_buttons = slack_vote_buttons(slack_api)
        run.telegram_buttons = telegram_vote_buttons(telegram_api)
        if run.slack_buttons and run.telegram_buttons:
            return
        await asyncio.sleep(0.1)


def slack_vote_buttons(api: WatchedSlackApi) -> list[dict[str, Any]]:
    return [
        element
        for message in api.messages_to(ANNOUNCE_CHANNEL)
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if str(element.get("value", "")).startswith("vote ")
    ]


def telegram_vote_buttons(api: WatchedTelegramApi) -> list[str]:
    return [
        button["callback_data"]
        for params in api.messages_to(GROUP["id"])
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
        if str(button.get("callback_data", "")).startswith("vote ")
    ]


# -- watching the bot ----------------------------------------------------------------------


async def watch_health(
    run: Run, http: aiohttp.ClientSession, url: str, stop: asyncio.Event
) -> None:
    """GET /healthz every second; an answer later than HEALTH_TIMEOUT_S counts as none."""
    timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_S)
    while not stop.is_set():
        at = time.monotonic()
        try:
            async with http.get(url, timeout=timeout) as response:
                run.health.append(HealthAnswer(at, response.status, await response.text()))
        except (aiohttp.ClientError, TimeoutError) as error:
            run.health.append(HealthAnswer(at, None, type(error).__name__))
        await _sleep_until(stop, at + HEALTH_EVERY_S)


async def watch_memory(run: Run, pid: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        at = time.monotonic()
        rss = resident_kb(pid)
        if rss is not None:
            run.rss_kb.append((at, rss))
        await _sleep_until(stop, at + 1.0)


async def _sleep_until(stop: asyncio.Event, moment: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), max(0.0, moment - time.monotonic()))
    except TimeoutError:
        pass


def read_database(database_url: str) -> Stored:
    engine = create_engine(database_url)
    with Session(engine) as session:
        participants = {
            (account.platform, account.external_id): account.participant_id
            for account in session.scalars(select(PlatformAccount))
        }
        activities = {row.id: row for row in session.scalars(select(Activity))}
        person_totals = {
            total.participant_id: total.total_m
            for total in session.scalars(select(ParticipantTotal))
        }
        team_totals = {team.id: (team.name, team.total_m) for team in session.scalars(select(Team))}
        votes = dict(
            session.execute(
                select(Ballot.participant_id, Charity.name).join(
                    Charity, Charity.id == Ballot.charity_id
                )
            ).all()
        )
        session.expunge_all()
    engine.dispose()
    return Stored(participants, activities, person_totals, team_totals, votes)


# -- one run -------------------------------------------------------------------------------


async def soak(run: Run, database_url: str, workdir: Path, restart: bool) -> None:
    slack_api = WatchedSlackApi()
    telegram_api = WatchedTelegramApi(TELEGRAM_TOKEN)
    await slack_api.start()
    await telegram_api.start()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = write_config(workdir, database_url, port, slack_api.url, telegram_api.url)
    run.bot_log = workdir / "bot.log"
    connector = aiohttp.TCPConnector(limit=0)  # every command in a wave is its own request
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            slack = SlackPeople(slack_api, http, f"{base_url}/slack/events", SIGNING_SECRET)
            crowd = Crowd(run, slack, TelegramPeople(telegram_api, http), random.Random(run.seed))
            bot = BotProcess(config, run.bot_log)
            try:
                await bot.wait_until_serving(base_url, http)
                stop = asyncio.Event()
                watchers = [
                    asyncio.create_task(watch_health(run, http, f"{base_url}/healthz", stop)),
                    asyncio.create_task(watch_memory(run, bot.process.pid, stop)),
                ]
                try:
                    await talk(crowd, run, slack_api, telegram_api, restart)
                    await crowd.settle(ANSWER_DEADLINE_S + 5)
                    await asyncio.sleep(1.0)  # a late second answer would show now
                finally:
                    stop.set()
                    await asyncio.gather(*watchers)
                    await slack.settle()
            finally:
                await asyncio.to_thread(bot.stop)
                run.exit_code = bot.process.returncode
    finally:
        await slack_api.stop()
        await telegram_api.stop()
    run.stored = await asyncio.to_thread(read_database, database_url)


async def talk(
    crowd: Crowd,
    run: Run,
    slack_api: WatchedSlackApi,
    telegram_api: WatchedTelegramApi,
    restart: bool,
) -> None:
    """The run's minutes from the first command: the teams form, then the waves come; the
    database is restarted RESTART_AT into them."""
    run.began = time.monotonic()
    until = run.began + run.minutes * 60
    restarting = None
    if restart:
        restarting = asyncio.create_task(
            restart_postgres(run, run.began + RESTART_AT * run.minutes * 60)
        )
    try:
        await set_up(crowd, run, slack_api, telegram_api)
        await crowd.waves(until)
    finally:
        if restarting is not None:
            await restarting  # the server is back even when the run failed
    run.ended = time.monotonic()


# -- checks --------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    problems: list[str]

    def render(self) -> str:
        if not self.problems:
            return f"  PASS {self.name}"
        shown = [f"         {problem}" for problem in self.problems[:SHOWN]]
        more = len(self.problems) - SHOWN
        tail = [f"         ... and {more} more"] if more > 0 else []
        return "\n".join([f"  FAIL {self.name} ({len(self.problems)})", *shown, *tail])


def check_setup(run: Run) -> Check:
    problems = [
        f"{person.platform} {person.user} is in no team: left out of the load"
        for person in run.people
        if not person.joined
    ]
    if not run.slack_buttons:
        problems.append("the vote announcement with its buttons did not reach Slack")
    if not run.telegram_buttons:
        problems.append("the vote announcement with its buttons did not reach Telegram")
    return Check("set-up: everyone in a team, the vote announced on both platforms", problems)


def check_answers(run: Run) -> Check:
    problems = []
    for sent in run.sent:
        exchange, at = sent.exchange, run.clock(sent.exchange.sent_at)
        if not exchange.answers:
            why = f" ({exchange.failure})" if exchange.failure else ""
            problems.append(f"{at}: {sent.describe()} was never answered{why}")
        elif len(exchange.answers) > 1:
            problems.append(f"{at}: {sent.describe()} was answered {len(exchange.answers)} times")
        elif exchange.answers[0][0] - exchange.sent_at > sent.deadline_s:
            took = exchange.answers[0][0] - exchange.sent_at
            problems.append(
                f"{at}: {sent.describe()} was answered after {took:.1f} s "
                f"(deadline {sent.deadline_s:g} s)"
            )
        acked = exchange.acknowledged_at
        if acked is not None and acked - exchange.sent_at > SLACK_ACK_S:
            problems.append(
                f"{at}: {sent.describe()} was acknowledged after "
                f"{acked - exchange.sent_at:.1f} s (Slack gives up after {SLACK_ACK_S:g} s)"
            )
    return Check(
        "every command answered exactly once, within its deadline (Slack's ack within 3 s)",
        problems,
    )


def check_replies(run: Run) -> Check:
    """No apology or unexpected text; busy only around the database's outage."""
    problems = []
    for sent in run.sent:
        outcome = sent.outcome
        answer = (sent.exchange.first_answer or "").replace("\n", " ")[:120]
        if outcome == "unexpected":
            problems.append(f"{run.clock(sent.exchange.sent_at)}: {sent.describe()}: {answer!r}")
        elif outcome == "busy" and not run.during_outage(sent):
            problems.append(
                f"{run.clock(sent.exchange.sent_at)}: {sent.describe()}: busy with the database "
                f"up: {answer!r}"
            )
    return Check(
        "every answer is the command's own; busy only while the database is away "
        f"(or within {RECOVERY_S:g} s of its return)",
        problems,
    )


def check_database(run: Run) -> Check:
    stored = run.stored
    assert stored is not None
    problems: list[str] = []
    acknowledged: dict[int, Sent] = {}
    undone: dict[int, Sent] = {}
    by_key = {sent.exchange.delivery_key: sent for sent in run.sent}
    for sent in run.sent:
        answer = sent.exchange.first_answer or ""
        if sent.kind == "log" and (logged := LOGGED.search(answer)):
            acknowledged[int(logged[1])] = sent
        elif sent.kind == "undo" and (removed := REMOVED.search(answer)):
            undone[int(removed[1])] = sent
    for number, sent in sorted(acknowledged.items()):
        row = stored.activities.get(number)
        log = sent.log
        assert log is not None
        if row is None:
            problems.append(f"{sent.describe()} was acknowledged as #{number}, not stored")
            continue
        found = (row.source_key, row.distance_m, row.kind)
        expected = (sent.exchange.delivery_key, log.distance_m, str(log.kind))
        if found != expected:
            problems.append(f"#{number} acknowledged as {expected}, stored as {found}")
        if (row.deleted_at is not None) != (number in undone):
            state = "removed" if row.deleted_at is not None else "kept"
            problems.append(f"#{number} is {state}, but no acknowledged undo says so")
    for number, sent in sorted(undone.items()):
        if number not in acknowledged:
            problems.append(f"{sent.describe()} removed #{number}, a log never acknowledged")
    for number, row in sorted(stored.activities.items()):
        if number not in acknowledged:
            sent = by_key.get(row.source_key or "")
            what = f"{sent.describe()}, answered {sent.exchange.first_answer!r}" if sent else "?"
            problems.append(f"#{number} is stored but was never acknowledged: {what}")
    expected_m: dict[int, int] = defaultdict(int)
    for number, sent in acknowledged.items():
        if number not in undone and sent.person is not None and sent.log is not None:
            participant = stored.participants.get((sent.platform, sent.person.user))
            if participant is not None:
                expected_m[participant] += sent.log.distance_m
    owners = {pid: account for account, pid in stored.participants.items()}
    for participant in sorted(set(expected_m) | set(stored.person_totals)):
        total = stored.person_totals.get(participant, 0)
        if total != expected_m[participant]:
            platform, user = owners.get(participant, ("?", "?"))
            problems.append(
                f"{platform} {user}: total {total} m, acknowledged logs minus undos "
                f"{expected_m[participant]} m"
            )
    team_m: dict[int, int] = defaultdict(int)
    for row in stored.activities.values():
        if row.deleted_at is None:
            team_m[row.team_id] += row.distance_m
    for team_id, (name, total) in sorted(stored.team_totals.items()):
        if total != team_m[team_id]:
            problems.append(f"team {name}: total {total} m, its logs {team_m[team_id]} m")
    problems.extend(vote_problems(run, stored))
    return Check(
        "stored logs, totals and votes equal what was acknowledged (minus acknowledged undos)",
        problems,
    )


def vote_problems(run: Run, stored: Stored) -> list[str]:
    """Each person's stored vote is their last acknowledged one (their presses never overlap);
    a person with an unanswered press may have either."""
    presses: dict[int, list[Sent]] = defaultdict(list)
    for sent in run.sent:
        if sent.kind == "vote" and sent.person is not None:
            presses[id(sent.person)].append(sent)
    problems = []
    for person in run.people:
        mine = presses.get(id(person), [])
        if any(sent.outcome == "missing" for sent in mine):
            continue
        voted = [VOTED.search(sent.exchange.first_answer or "") for sent in mine]
        choices = [found[1] for found in voted if found]
        expected = choices[-1] if choices else None
        participant = stored.participants.get((person.platform, person.user))
        found = stored.votes.get(participant) if participant is not None else None
        if found != expected:
            problems.append(f"{person.platform} {person.user} voted {expected}, stored {found}")
    return problems


def check_health(run: Run) -> Check:
    """Answered every time; 200 never while a platform has left a command unanswered past the
    stall limit (and the grace to notice it); 503 never while commands are answered."""
    problems = []
    # Only these can have been unanswered for STALL_S at some moment.
    slow = [
        sent
        for sent in run.sent
        if (sent.exchange.answered_at or float("inf")) - sent.exchange.sent_at >= STALL_S
    ]

    def unanswered_since(moment: float, seconds: float) -> list[str]:
        return sorted(
            {
                sent.platform
                for sent in slow
                if sent.exchange.sent_at <= moment - seconds
                and (sent.exchange.answered_at or float("inf")) > moment
            }
        )

    for health in run.health:
        at, body = run.clock(health.at), health.body[:200]
        stuck = unanswered_since(health.at, STALL_S + HEALTH_GRACE_S)
        if health.status is None:
            problems.append(f"{at}: no answer within {HEALTH_TIMEOUT_S:g} s ({body})")
        elif health.status == 200 and _says_stalled(health.body):
            problems.append(f"{at}: 200, yet it reports a stalled adapter: {body}")
        elif health.status == 200 and run.outage and run.outage.surely_down(health.at):
            problems.append(f"{at}: 200 while the database was down: {body}")
        elif health.status == 200 and stuck:
            problems.append(
                f"{at}: 200 while {', '.join(stuck)} had left a command unanswered for more "
                f"than {STALL_S + HEALTH_GRACE_S:g} s"
            )
        elif (
            health.status != 200
            and not unanswered_since(health.at, STALL_S)
            and not run.in_outage(health.at)
        ):
            problems.append(f"{at}: {health.status} while commands were being answered: {body}")
    return Check("/healthz answered every second, and told the truth", problems)


def _says_stalled(body: str) -> bool:
    try:
        report = json.loads(body)
    except ValueError:
        return False

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            return node.get("stalled") is True or any(walk(value) for value in node.values())
        if isinstance(node, list):
            return any(walk(value) for value in node)
        return False

    return walk(report)


def check_memory(run: Run) -> Check:
    warm, end = run.rss_kb_at(WARM_UP_AT), run.rss_kb_at(1)
    if warm is None or end is None:
        return Check("resident memory flat after warm-up", ["the bot's RSS could not be read"])
    allowed = max(RSS_SLACK_MB * 1024, warm * RSS_SLACK_SHARE)
    problems = []
    if end - warm > allowed:
        problems.append(
            f"RSS grew from {warm / 1024:.1f} MB at warm-up to {end / 1024:.1f} MB at the end "
            f"(more than {allowed / 1024:.1f} MB)"
        )
    return Check("resident memory flat after warm-up", problems)


def check_stop(run: Run) -> Check:
    problems = [] if run.exit_code == 0 else [f"exit code {run.exit_code} after SIGTERM"]
    return Check("the bot stopped cleanly on SIGTERM", problems)


CHECKS: tuple[Callable[[Run], Check], ...] = (
    check_setup,
    check_answers,
    check_replies,
    check_database,
    check_health,
    check_memory,
    check_stop,
)


# -- figures -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def platform_figures(run: Run) -> list[str]:
    rows: dict[str, list[str]] = defaultdict(list)
    for platform in ("slack", "telegram"):
        mine = [sent for sent in run.sent if sent.platform == platform]
        outcomes = Counter(sent.outcome for sent in mine)
        latencies = [
            1000 * (sent.exchange.answered_at - sent.exchange.sent_at)
            for sent in mine
            if sent.exchange.answered_at is not None
        ]
        late = sum(
            1
            for sent in mine
            if sent.exchange.answered_at is not None
            and sent.exchange.answered_at - sent.exchange.sent_at > sent.deadline_s
        )
        logged = sum(1 for sent in mine if sent.kind == "log" and sent.outcome == "ok")
        figures = {
            "commands sent": len(mine),
            "answered": len(mine) - outcomes["missing"],
            "never answered": outcomes["missing"],
            "answered more than once": sum(1 for sent in mine if len(sent.exchange.answers) > 1),
            "answered late": late,
            "busy replies": outcomes["busy"],
            "unexpected replies": outcomes["unexpected"],
            "logs acknowledged": logged,
            "undos, reads, presses": sum(1 for sent in mine if sent.kind in WORKED_IN_LOAD),
            "latency median (ms)": f"{statistics.median(latencies):.0f}" if latencies else "-",
            "latency p99 (ms)": f"{percentile(latencies, 0.99):.0f}" if latencies else "-",
            "latency max (ms)": f"{max(latencies):.0f}" if latencies else "-",
        }
        for name, value in figures.items():
            rows[name].append(str(value))
    width = max(len(name) for name in rows)
    header = f"  {'':{width}}  {'slack':>9}  {'telegram':>9}"
    return [header, *(f"  {name:{width}}  {a:>9}  {b:>9}" for name, (a, b) in rows.items())]


WORKED_IN_LOAD = ("undo", "me", "standings", "totals", "vote")


def health_figures(run: Run) -> str:
    statuses = Counter(str(health.status or "none") for health in run.health)
    line = f"  /healthz: {len(run.health)} asked: " + ", ".join(
        f"{count} x {status}" for status, count in sorted(statuses.items())
    )
    if run.outage is not None:
        during = Counter(str(h.status or "none") for h in run.health if run.in_outage(h.at))
        line += "; from the stop until 10 s after the return: " + ", ".join(
            f"{count} x {status}" for status, count in sorted(during.items())
        )
    return line


def memory_figures(run: Run) -> str:
    shares = (WARM_UP_AT, 0.5, 0.75, 1)
    samples = [kb for share in shares if (kb := run.rss_kb_at(share)) is not None]
    if len(samples) < len(shares):
        return "  resident memory: not read"
    sizes = ", ".join(f"{kb / 1024:.1f}" for kb in samples)
    warm, end = samples[0], samples[-1]
    return (
        f"  resident memory at 25%, 50%, 75% of the run and at the end: {sizes} MB "
        f"({(end - warm) / 1024:+.1f} MB after warm-up)"
    )


def bot_log_figures(run: Run) -> str:
    """Warnings and errors the bot logged, by event name, most frequent first."""
    if run.bot_log is None or not run.bot_log.exists():
        return "  bot log: none"
    text = run.bot_log.read_text(errors="replace")
    events = Counter(
        f"{found[1]} {found[2]}"
        for found in re.finditer(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) \S+ (\S+)", text, re.M)
    )
    common = ", ".join(f"{event} x{count}" for event, count in events.most_common(6))
    return (
        f"  bot log: {sum(events.values())} warnings and errors, "
        f"{text.count('Traceback')} tracebacks" + (f" ({common})" if common else "")
    )


def outage_figures(run: Run, outage: Outage) -> str:
    moments = [
        f"{what} at {run.clock(moment)}"
        for what, moment in (
            ("stopping", outage.stopping),
            ("down", outage.down),
            ("starting", outage.starting),
            ("back", outage.back),
        )
        if moment is not None
    ]
    busy = [sent.exchange.answered_at or 0 for sent in run.sent if sent.outcome == "busy"]
    last = ""
    if busy and outage.back is not None:
        last = f"; the last busy answer {max(busy) - outage.back:+.1f} s after it was back"
    return f"  PostgreSQL: {', '.join(moments)}{last}"


def report(run: Run) -> tuple[str, bool]:
    people = Counter(person.platform for person in run.people)
    lines = [
        f"soak: {run.backend}, {len(run.people)} people ({people['slack']} on Slack, "
        f"{people['telegram']} on Telegram), {run.minutes:g} min, seed {run.seed}",
        *platform_figures(run),
        health_figures(run),
        memory_figures(run),
    ]
    if run.outage is not None:
        lines.append(outage_figures(run, run.outage))
    lines.append(bot_log_figures(run))
    checks = [check(run) for check in CHECKS]
    failed = [check for check in checks if check.problems]
    lines += ["checks:", *(check.render() for check in checks)]
    verdict = "PASS" if not failed else f"FAIL ({len(failed)} of {len(checks)} checks failed)"
    lines.append(f"RESULT: {verdict}")
    return "\n".join(lines), not failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.soak", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--minutes", type=float, default=10.0, help="of load (default 10)")
    parser.add_argument("--people", type=int, default=200, help="half on each platform")
    parser.add_argument(
        "--restart-postgres", action="store_true", help="stop and start PostgreSQL mid-load"
    )
    parser.add_argument("--seed", type=int, help="for the random choices (default: a new one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and bot log")
    args = parser.parse_args(argv)
    if args.restart_postgres and args.backend != "postgresql":
        parser.error("--restart-postgres needs --backend postgresql")
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    run = Run(args.backend, everyone(args.people), args.minutes, seed)
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    os.environ["TELEGRAM_BOT_TOKEN"] = TELEGRAM_TOKEN  # the bot process inherits it
    try:
        with fresh_database(args.backend, workdir) as database_url:
            asyncio.run(soak(run, database_url, workdir, args.restart_postgres))
    finally:
        if args.restart_postgres:
            ensure_postgres_running()
    text, passed = report(run)
    print(text)
    if args.keep or not passed:
        print(f"bot log and config: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
