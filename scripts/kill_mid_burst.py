"""Kill the bot in the middle of a burst of logs, restart it, and check nothing acknowledged
was lost.

    python scripts/kill_mid_burst.py [--backend sqlite|postgresql] [--requests N]

Starts `python main.py --config <generated config.toml>` with Slack in HTTP mode (its Web API
a fake run by this script), fires signed `/log` slash commands, SIGKILLs the process once a
third of them are acknowledged, restarts it on the same database and checks there that every
log answered "Logged #N" is stored as answered, and that the running totals still add up.
Prints one PASS or FAIL line with the counts; the exit code is 0 on a pass.
"""

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import aiohttp
import psycopg
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a file: the project's packages, and the test fakes

from storage.models import Activity, ParticipantTotal, PlatformAccount, Team  # noqa: E402
from tests.fakes.platform_requests import FORM, SlackRequests  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi  # noqa: E402

SIGNING_SECRET = "kill-mid-burst-signing-secret"
BOT_TOKEN = "xoxb-kill-mid-burst"
ZONE = "Europe/London"
POSTGRES_ADMIN = os.environ.get(
    "CHALLENGE_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
LOGGED = re.compile(r"Logged #(\d+): ")
KINDS = ("run", "walk", "cycle")
LOGS_PER_PERSON = 25  # at most 3 km each, so no one nears a daily limit
TEAM_SIZE = 6
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class LogRequest:
    user: str
    metres: int
    kind: str
    trigger_id: str
    body: str


@dataclass
class Outcome:
    """What the burst and the check after the restart found."""

    backend: str
    requests: int
    acknowledged: dict[int, LogRequest] = field(default_factory=dict)
    stored: int = 0
    stored_unanswered: int = 0
    missing: list[int] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    totals: list[str] = field(default_factory=list)
    restarted_answer: str = ""
    after_restart: dict[int, LogRequest] = field(default_factory=dict)
    restarted_traceback: bool = False
    bad_replies: list[str] = field(default_factory=list)

    @property
    def killed_mid_burst(self) -> bool:
        return 0 < len(self.acknowledged) < self.requests

    @property
    def passed(self) -> bool:
        return (
            self.killed_mid_burst
            and not (self.missing or self.wrong or self.totals or self.bad_replies)
            and bool(LOGGED.search(self.restarted_answer))
            and not self.restarted_traceback
        )

    def summary(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        line = (
            f"{verdict}: backend={self.backend} requests={self.requests} "
            f"acknowledged={len(self.acknowledged)} "
            f"unanswered={self.requests - len(self.acknowledged)} stored={self.stored} "
            f"(committed but unanswered when killed: {self.stored_unanswered}) "
            f"acknowledged_missing={len(self.missing)} acknowledged_wrong={len(self.wrong)} "
            f"totals_off={len(self.totals)} "
            f"restarted_bot_logs={'yes' if LOGGED.search(self.restarted_answer) else 'no'}"
        )
        problems = [
            *(f"  acknowledged log #{n} is not in the database" for n in self.missing[:10]),
            *(f"  {problem}" for problem in [*self.wrong, *self.totals, *self.bad_replies][:10]),
        ]
        if not self.killed_mid_burst:
            problems.append("  the kill did not land mid-burst; try more --requests")
        if not LOGGED.search(self.restarted_answer):
            problems.append(f"  the restarted bot answered: {self.restarted_answer!r}")
        if self.restarted_traceback:
            problems.append("  the restarted bot logged a traceback")
        return line if self.passed else "\n".join([line, *problems])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(directory: Path, database_url: str, api_url: str, port: int) -> Path:
    """A season around today, Slack over HTTP at the fake Web API, the server on `port`."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    path = directory / "config.toml"
    path.write_text(
        f"""\
[season]
name = "Kill Mid Burst"
start = {today - timedelta(days=10)}
end = {today + timedelta(days=10)}
timezone = "{ZONE}"
donation_per_km = "0.10"
currency = "EUR"

[database]
url = "{database_url}"

[server]
host = "127.0.0.1"
port = {port}

[slack]
enabled = true
mode = "http"
api_url = "{api_url}"

[admins]
slack = ["UADMIN"]
""",
        encoding="utf-8",
    )
    return path


class BotProcess:
    """`python main.py --config PATH` as a child process, its log kept in a file."""

    def __init__(self, config: Path, log: Path) -> None:
        environment = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        }
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--config", str(config)],
            cwd=ROOT,
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    async def wait_until_serving(self, base_url: str, session: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bot exited at start-up; see {self.log}")
            try:
                async with session.get(f"{base_url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not serve within {START_TIMEOUT_S} s")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, as a deployment stops it; SIGKILL if it does not stop in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()
        self._log_file.close()


def people(requests: int) -> list[str]:
    """Enough people that each logs about 25 times, in teams of six."""
    return [f"UKILL{n:04d}" for n in range(max(TEAM_SIZE * 4, requests // LOGS_PER_PERSON))]


def log_requests(slack: SlackRequests, everyone: list[str], count: int) -> list[LogRequest]:
    """`/log 1 km run`, `/log 2 km walk`, ... spread over everyone."""
    requests = []
    for n in range(count):
        user = everyone[n % len(everyone)]
        km, kind = 1 + n % 3, KINDS[(n // len(everyone)) % 3]
        body = slack.command_body(user, f"{km} km {kind}", command="/log")
        trigger_id = parse_qs(body)["trigger_id"][0]
        requests.append(LogRequest(user, km * 1000, kind, trigger_id, body))
    return requests


async def form_teams(slack: SlackRequests, everyone: list[str]) -> None:
    teams = len(everyone) // TEAM_SIZE
    for n, user in enumerate(everyone):
        text = f"newteam Burst {n}" if n < teams else f"join Burst {n % teams}"
        answer = await slack.command(user, text)
        if answer.status != 200 or not ("created" in answer.text or "Welcome" in answer.text):
            raise RuntimeError(f"setting up the teams failed: {answer.status} {answer.text!r}")


async def fire_and_kill(
    slack: SlackRequests, bot: BotProcess, requests: list[LogRequest], kill_after: int
) -> tuple[dict[int, LogRequest], list[str]]:
    """Send every request at once; SIGKILL the bot as the `kill_after`-th is acknowledged."""
    acknowledged: dict[int, LogRequest] = {}
    bad: list[str] = []

    async def send(request: LogRequest) -> None:
        try:
            answer = await slack.post(request.body, FORM)
        except (TimeoutError, aiohttp.ClientError):
            return  # the process died before answering: not acknowledged
        logged = LOGGED.search(answer.text) if answer.status == 200 else None
        if logged is None:
            bad.append(f"{request.user} got {answer.status} {answer.text[:120]!r}")
            return
        acknowledged[int(logged[1])] = request
        if len(acknowledged) >= kill_after:
            bot.kill()

    await asyncio.gather(*(send(request) for request in requests))
    return acknowledged, bad


def check_database(database_url: str, outcome: Outcome) -> None:
    """Every acknowledged log stored as answered; every stored log from a request we sent;
    the running totals of teams and people equal the sum of their logs."""
    engine = create_engine(database_url)
    answered = {**outcome.acknowledged, **outcome.after_restart}
    sent = {f"slack:{request.trigger_id}" for request in answered.values()}
    with Session(engine) as session:
        rows = session.execute(
            select(Activity, PlatformAccount.external_id)
            .join(PlatformAccount, PlatformAccount.participant_id == Activity.participant_id)
            .where(Activity.deleted_at.is_(None), PlatformAccount.platform == "slack")
        ).all()
        stored = {activity.id: (activity, user) for activity, user in rows}
        for number, request in sorted(answered.items()):
            if number not in stored:
                outcome.missing.append(number)
                continue
            activity, user = stored[number]
            expected = (request.user, request.metres, request.kind, f"slack:{request.trigger_id}")
            found = (user, activity.distance_m, activity.kind, activity.source_key)
            if found != expected:
                outcome.wrong.append(f"#{number} answered as {expected}, stored as {found}")
        outcome.stored = len(stored) - len(outcome.after_restart)
        outcome.stored_unanswered = sum(
            1 for activity, _ in stored.values() if activity.source_key not in sent
        )
        by_team: dict[int, int] = defaultdict(int)
        by_person: dict[int, int] = defaultdict(int)
        for activity, _ in stored.values():
            by_team[activity.team_id] += activity.distance_m
            by_person[activity.participant_id] += activity.distance_m
        for team in session.scalars(select(Team)):
            if team.total_m != by_team[team.id]:
                outcome.totals.append(
                    f"team {team.name}: total {team.total_m} m, its logs {by_team[team.id]} m"
                )
        for total in session.scalars(select(ParticipantTotal)):
            if total.total_m != by_person[total.participant_id]:
                outcome.totals.append(
                    f"participant {total.participant_id}: total {total.total_m} m, "
                    f"their logs {by_person[total.participant_id]} m"
                )
    engine.dispose()


async def run(
    database_url: str, backend: str, requests: int, workdir: Path, kill_after: int | None = None
) -> Outcome:
    """The whole story on one database: teams, the burst, the kill, the restart, the check."""
    api = FakeSlackApi()
    await api.start()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = write_config(workdir, database_url, f"{api.url}/api/", port)
    outcome = Outcome(backend, requests)
    # A connection per request in flight: the kill must find many of them open.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        slack = SlackRequests(session, f"{base_url}/slack/events", SIGNING_SECRET)
        bot = BotProcess(config, workdir / "bot-before-kill.log")
        try:
            await bot.wait_until_serving(base_url, session)
            everyone = people(requests)
            await form_teams(slack, everyone)
            burst = log_requests(slack, everyone, requests)
            outcome.acknowledged, outcome.bad_replies = await fire_and_kill(
                slack, bot, burst, kill_after or max(1, requests // 3)
            )
        finally:
            bot.kill()
            bot.stop()
        restarted = BotProcess(config, workdir / "bot-after-restart.log")
        try:
            await restarted.wait_until_serving(base_url, session)
            (request,) = log_requests(slack, everyone, 1)
            answer = await slack.post(request.body, FORM)
            outcome.restarted_answer = answer.text
            if logged := LOGGED.search(answer.text):
                outcome.after_restart[int(logged[1])] = request
        finally:
            restarted.stop()
        outcome.restarted_traceback = "Traceback" in restarted.log.read_text(errors="replace")
    await api.stop()
    check_database(database_url, outcome)
    return outcome


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """An empty SQLite file, or a PostgreSQL database created for the run and dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'challenge.db'}"
        return
    name = f"challenge_kill_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=600, help="logs in the burst")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="kill-mid-burst-"))
    started = time.monotonic()
    with fresh_database(args.backend, workdir) as database_url:
        outcome = asyncio.run(run(database_url, args.backend, args.requests, workdir))
    print(f"{outcome.summary()} ({time.monotonic() - started:.1f} s)")
    if args.keep or not outcome.passed:
        print(f"bot logs: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
