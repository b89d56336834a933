"""The brief's quality bars, measured on the data set "ten times 2021", and the group-wide
edition's from `--scale 10` (a hundred times 2021) on PostgreSQL.

Run from the repository root; the PostgreSQL backend needs 127.0.0.1:5432, user postgres:

    .venv/bin/python -m bench.benchmark                          # both backends, full size
    .venv/bin/python -m bench.benchmark --backend postgresql --scale 10
    .venv/bin/python -m bench.benchmark --backend sqlite --scale 0.1 --requests 300

For each backend: load the participants (nine in ten with a country, one in ten with a 19:30
nudge), teams and activities into a fresh database (a temporary SQLite file, or a
`challenge_bench_*` PostgreSQL database dropped at the end) and rebuild the running totals;
start the real bot in this process (Slack over HTTP, a fake Slack Web API on 127.0.0.1 that
notes when each call came, the clock fixed at 2021-08-20 12:00 London) and time signed slash
commands through `POST /slack/events`, sequentially for latency, and `/log` at each of
`--throughput-in-flight` at a time for throughput against a bare Bolt app (what each reaches is
its best rate); time the daily post (chart, journey map and delivery to every announcement
channel: one at scale 1, fifty from scale 10) for five days, and the 19:30 reminders of the
season's last day, each held to Slack's published rate limits; then start the bot as deployed
(`main.py`, via `bench.bot_process`, which only fixes its clock) in its own process on the same
database, run the same kinds of requests (every participant once) and read that process's
resident memory; then start a second such process and compare `/log` through one with `/log`
spread over both, noting where the machine's CPU went.
`--scale` shrinks or grows people, teams and activities alike; the season keeps its 62 days.
Prints one table; latencies are warm (each user's first request, which asks Slack's
users.info within its rate, is the separate warm-up row).
"""

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import platform
import socket
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import psycopg
import psycopg.conninfo
from sqlalchemy import func, select

from bench import dataset
from bench.bare_bolt import BareBolt
from bench.slash_commands import BOT_TOKEN, SIGNING_SECRET, Run, Slash, SlashClient, run
from bench.timing import Stopwatch, cpu_s, memory_mb, percentile, postgres_cpu_s
from bot import charts, map_worker
from bot.app import RunningBot, Secrets, start_bot
from bot.config import Config, load_config
from bot.log_format import configure_logging
from bot.platforms.slack import SlackAdapter
from storage import repository as repo
from storage.database import make_engine, make_sessions, transaction
from storage.models import Activity, Season
from tests.fakes.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
IN_PROCESS_AT = datetime(2021, 8, 20, 12, 0, tzinfo=LONDON)
LEADERBOARD_DAYS = [date(2021, 8, 20) + timedelta(days=n) for n in range(5)]
LEADERBOARD_AT = clock_time(18, 0, 30)  # just after `daily_leaderboard`, so the job is due
# A day no leaderboard was claimed on yet: the bot's catch-up posts it, chart included.
OWN_PROCESS_AT = datetime(2021, 8, 25, 18, 0, 30, tzinfo=LONDON)
# The reminders' day: the one-in-ten who asked for a 19:30 nudge logged nothing on it.
REMINDERS_AT = datetime(2021, 8, 31, 19, 30, tzinfo=LONDON)
BOARD_KEY = "bench-board-key-0123456789"
# (the 100 km daily run limit - at most one loaded run of 15 km that day) / 5 km per log
LOGS_PER_USER_PER_DAY = 17
THROUGHPUT_ROUNDS = 3
POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"

HELP = Slash("", "/challenge", "help", "every km you log raises")
LOG = Slash("", "/log", "5 km run", "Logged #")
READS = {
    "/challenge standings": Slash("", "/challenge", "standings", "Team standings"),
    "/challenge standings people": Slash("", "/challenge", "standings people", "people are ranked"),
    "/challenge me": Slash("", "/challenge", "me", "Days active"),
    "/challenge team": Slash("", "/challenge", "team", "(captain)"),
    "/challenge totals": Slash("", "/challenge", "totals", "so far"),
    "/challenge standings countries": Slash(
        "", "/challenge", "standings countries", "Countries by km"
    ),
    "/challenge journey": Slash("", "/challenge", "journey", "so far: past"),
}


@dataclass(frozen=True)
class Targets:
    """The bars at a size: the brief's for "ten times 2021", the group-wide edition's (a
    hundred times 2021, on PostgreSQL behind several instances) from scale 10 up."""

    load_s: float
    rss_mb: float
    post_s: float
    announce_chats: int
    bare_bolt: float | None  # /log throughput over a bare Bolt app's
    two_processes: float | None  # /log throughput of two processes over one's

    @classmethod
    def at(cls, scale: float) -> "Targets":
        if scale >= 10:
            # The group-wide edition measures throughput by what a second process adds.
            return cls(300, 250, 5.0, announce_chats=50, bare_bolt=None, two_processes=1.6)
        return cls(60, 200, 2.0, announce_chats=1, bare_bolt=0.5, two_processes=None)

    @property
    def chats(self) -> list[str]:
        """The announcement channels' ids."""
        return [f"C{n:010d}" for n in range(1, self.announce_chats + 1)]


# -- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    measure: str
    backend: str
    median: str = ""
    p99: str = ""
    throughput: str = ""
    ratio: str = ""
    target: str = ""
    result: str = ""


COLUMNS = ("measure", "backend", "median", "p99", "throughput", "vs bare Bolt", "target", "result")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(passed: bool, failures: int = 0) -> str:
    if failures:
        return f"ERROR ({failures} bad replies)"
    return "pass" if passed else "FAIL"


def latency_row(measure: str, backend: str, samples: list[float], failures: int) -> Row:
    """Server time per request, the brief's p99 <= 20 ms bar."""
    p99 = percentile(samples, 0.99)
    return Row(
        measure,
        backend,
        ms(percentile(samples, 0.5)),
        ms(p99),
        target="p99 <= 20 ms",
        result=verdict(p99 <= 0.020, failures),
    )


def info_row(measure: str, backend: str, result: Run, server: list[float] | None = None) -> Row:
    """A measure with no bar of its own: shown for context."""
    samples = server if server is not None else result.wall_s
    return Row(
        measure,
        backend,
        ms(percentile(samples, 0.5)),
        ms(percentile(samples, 0.99)),
        f"{result.per_second:,.0f}/s",
        result="info" if not result.failures else verdict(True, len(result.failures)),
    )


def print_table(rows: list[Row]) -> None:
    cells = [COLUMNS, *(tuple(vars(row).values()) for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


# -- one backend -----------------------------------------------------------------------------


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass(frozen=True)
class Plan:
    size: dataset.DataSize
    requests: int
    in_flight: int
    throughput_in_flight: tuple[int, ...]
    targets: Targets

    def users(self, everyone: list[dataset.Person]) -> list[str]:
        """The in-process run's users: enough that each logs at most a few times."""
        chosen = [p.slack_id for p in everyone[: min(len(everyone), 2 * self.requests)]]
        logs = self.requests * (1 + THROUGHPUT_ROUNDS * len(self.throughput_in_flight))
        logs_each = -(-logs // len(chosen))
        if logs_each > LOGS_PER_USER_PER_DAY:
            raise SystemExit(
                f"--requests {self.requests} is too many for {len(chosen)} participants: each "
                f"would log {logs_each} x 5 km run in a day, past the 100 km limit; "
                "use a larger --scale or fewer --requests"
            )
        return chosen


async def bench_backend(backend: str, plan: Plan, admin_dsn: str) -> list[Row]:
    everyone = dataset.people(plan.size)
    with tempfile.TemporaryDirectory(prefix="challenge-bench-") as folder:
        directory = Path(folder)
        fake = FakeSlackApi(
            people={p.slack_id: {"name": p.display_name} for p in everyone}, keep_uploads=False
        )
        await fake.start()
        try:
            with fresh_database(backend, directory, admin_dsn) as url:
                settings = Settings(
                    url, f"{fake.url}/api/", plan.size.largest_team, plan.targets.chats
                )
                config_path = settings.write(directory / "config.toml", port=0)
                config = load_config(config_path)
                progress(f"{backend}: loading {plan.size.describe()}")
                times = await asyncio.to_thread(dataset.load, config, plan.size)
                vacuum = f"; then VACUUM ANALYZE, not counted: {times.vacuum_s:.1f} s"
                progress(
                    f"{backend}: loaded in {times.total_s:.1f} s (schema {times.schema_s:.1f} s, "
                    f"rows {times.rows_s:.1f} s, rebuild_totals {times.totals_s:.1f} s)"
                    + (vacuum if backend == "postgresql" else "")
                )
                check_load(url, plan.size)
                rows = [
                    Row(
                        f"load {plan.size.describe()}",
                        backend,
                        f"{times.total_s:.1f} s",
                        target=f"<= {plan.targets.load_s:.0f} s",
                        result=verdict(times.total_s <= plan.targets.load_s),
                    ),
                    *(
                        Row(f"  of which {step}", backend, f"{seconds:.1f} s", result="info")
                        for step, seconds in (
                            ("schema (Alembic)", times.schema_s),
                            ("rows (bulk insert / COPY)", times.rows_s),
                            ("repository.rebuild_totals", times.totals_s),
                        )
                    ),
                ]
                rows += await in_process(backend, config, fake, plan, plan.users(everyone))
                rows += await own_process(backend, directory, settings, fake, plan, everyone)
                return rows
        finally:
            await fake.stop()


@dataclass(frozen=True)
class Settings:
    """What the generated config.toml holds."""

    database_url: str
    api_url: str
    largest_team: int
    announce_chats: list[str]

    def write(self, path: Path, port: int) -> Path:
        announce = "".join(
            f'[[announce]]\nplatform = "slack"\nchat = "{chat}"\n' for chat in self.announce_chats
        )
        path.write_text(
            f"""
[season]
name = "Summer Challenge 2021"
start = 2021-07-01
end = 2021-08-31
timezone = "Europe/London"
donation_per_km = "0.10"
currency = "EUR"
max_team_size = {max(12, self.largest_team)}

[database]
url = "{self.database_url}"

[server]
host = "127.0.0.1"
port = {port}

[slack]
enabled = true
mode = "http"
command = "/challenge"
api_url = "{self.api_url}"

{announce}
[web]
enabled = true
refresh_seconds = 60
"""
        )
        return path


@contextlib.contextmanager
def fresh_database(backend: str, directory: Path, admin_dsn: str) -> Iterator[str]:
    """An empty database's URL; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'challenge.db'}"
        return
    name = f"challenge_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    server = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    try:
        yield (
            f"postgresql+psycopg://{server.get('user', 'postgres')}@"
            f"{server.get('host', '127.0.0.1')}:{server.get('port', 5432)}/{name}"
        )
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def check_load(url: str, size: dataset.DataSize) -> None:
    """The activities are all there and the rebuilt team totals add up to them."""
    engine = make_engine(url)
    try:
        with transaction(make_sessions(engine)) as session:
            count, metres = session.execute(
                select(func.count(), func.sum(Activity.distance_m)).select_from(Activity)
            ).one()
            sums = repo.season_sums(session, session.scalar(select(Season.id)))
    finally:
        engine.dispose()
    if count != size.activities or sums.total_m != metres:
        raise SystemExit(f"the load is wrong: {count} activities, {metres} m, totals {sums}")


async def in_process(
    backend: str, config: Config, fake: FakeSlackApi, plan: Plan, users: list[str]
) -> list[Row]:
    """The bot in this process: latency per command, throughput, the leaderboard job."""
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # 2021's jobs are long past
    clock = Clock(IN_PROCESS_AT)
    handler = Stopwatch()
    original = SlackAdapter.handle_http
    # Server time: the route binds the timed handler at start; nothing else is changed.
    SlackAdapter.handle_http = handler.wrap_async(original)  # type: ignore[method-assign]
    try:
        bot = await start_bot(
            config,
            Secrets(
                slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, board_key=BOARD_KEY
            ),
            clock,
        )
    finally:
        SlackAdapter.handle_http = original  # type: ignore[method-assign]
    bare = BareBolt(config.slack.api_url, BOT_TOKEN, SIGNING_SECRET, Stopwatch())
    await bare.start()
    rows: list[Row] = []
    try:
        connector = aiohttp.TCPConnector(limit=max(plan.in_flight, *plan.throughput_in_flight))
        async with aiohttp.ClientSession(connector=connector) as http:
            ours = SlashClient(http, f"http://127.0.0.1:{bot.server.port}")
            progress(f"{backend}: warm-up, {len(users):,} users' first requests")
            warm = await run(ours, as_users(HELP, users), plan.in_flight)
            rows.append(
                info_row(
                    f"warm-up: 1st request per user (users.info), x{plan.in_flight} wall",
                    backend,
                    warm,
                )
            )
            handler.take()
            logs = as_users(LOG, itertools.cycle(users))
            reads = itertools.cycle(users)
            for measure, slashes in (
                ("/log 5 km run", logs),
                *((name, as_users(slash, reads)) for name, slash in READS.items()),
            ):
                progress(f"{backend}: {measure}, {plan.requests:,} one at a time")
                result = await run(ours, itertools.islice(slashes, plan.requests), 1)
                server = handler.take()
                report_failures(measure, result)
                rows.append(
                    latency_row(f"{measure}: server", backend, server, len(result.failures))
                )
                rows.append(info_row(f"{measure}: client wall", backend, result))
            rows += await throughput(backend, plan, ours, bare, handler, logs, users)
            rows += await board_pages(backend, bot, http, plan)
        rows += await leaderboard_job(backend, bot, clock, fake, plan.targets)
        rows += await reminders_job(backend, bot, clock, fake, plan.size)
        rss, peak = memory_mb()
        rows.append(
            Row(
                "RSS of this process (bot + load client + fake Slack + loader left-overs)",
                backend,
                f"{rss:.0f} MB",
                result=f"info (peak {peak:.0f} MB)",
            )
        )
    finally:
        await bare.stop()
        await bot.stop()
    return rows


async def board_pages(
    backend: str, bot: RunningBot, http: aiohttp.ClientSession, plan: Plan
) -> list[Row]:
    """The web board's page and JSON, one request at a time, served from the figures made when
    logs land; and how long making them again takes, off the request path."""
    started = time.perf_counter()
    await bot.board.refresh()
    made = time.perf_counter() - started
    rows = [
        Row(
            "web board: figures made again after logs (not per request)",
            backend,
            ms(made),
            result="info",
        )
    ]
    base = f"http://127.0.0.1:{bot.server.port}/board/{BOARD_KEY}"
    for measure, path in (("web board page", ""), ("web board data.json", "/data.json")):
        progress(f"{backend}: {measure}, {plan.requests:,} one at a time")
        samples = []
        for _ in range(plan.requests):
            began = time.perf_counter()
            async with http.get(base + path) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{measure}: HTTP {response.status}")
            samples.append(time.perf_counter() - began)
        p99 = percentile(samples, 0.99)
        rows.append(
            Row(
                f"{measure}: client wall",
                backend,
                ms(percentile(samples, 0.5)),
                ms(p99),
                target="p99 <= 50 ms",
                result=verdict(p99 <= 0.050),
            )
        )
    return rows


def as_users(slash: Slash, users: Iterable[str]) -> Iterator[Slash]:
    return (Slash(user, slash.command, slash.text, slash.expect) for user in users)


async def throughput(
    backend: str,
    plan: Plan,
    ours: SlashClient,
    bare: BareBolt,
    handler: Stopwatch,
    logs: Iterator[Slash],
    users: list[str],
) -> list[Row]:
    """`/log` at each concurrency of the plan, in alternating rounds with a bare Bolt app
    that only acks. What each reaches is its best rate: the bot writes logs arriving together
    in one batch, so it needs more in flight than the bare app to keep busy."""
    bare_client = SlashClient(ours.http, bare.url)
    bare_log = Slash("", "/log", "5 km run", "ok")
    await run(bare_client, as_users(bare_log, users[:50]), plan.in_flight)  # its auth.test
    rows, best_ours, best_bare = [], 0.0, 0.0
    for in_flight in plan.throughput_in_flight:
        progress(
            f"{backend}: throughput, {plan.requests:,} requests x{in_flight}, "
            f"{THROUGHPUT_ROUNDS} rounds each"
        )
        bare_runs, ours_runs = [], []
        # Rounds alternate, so that a noisy moment of the machine falls on both.
        for _ in range(THROUGHPUT_ROUNDS):
            bare.stopwatch.take()
            bare_logs = as_users(bare_log, itertools.islice(itertools.cycle(users), plan.requests))
            bare_runs.append((await run(bare_client, bare_logs, in_flight), bare.stopwatch.take()))
            handler.take()
            ours_run = await run(ours, itertools.islice(logs, plan.requests), in_flight)
            ours_runs.append((ours_run, handler.take()))
            report_failures(f"/log throughput x{in_flight}", ours_run)
        bare_run, bare_server = max(bare_runs, key=lambda r: r[0].per_second)
        ours_run, ours_server = max(ours_runs, key=lambda r: r[0].per_second)
        failures = sum(len(r.failures) for r, _ in ours_runs)
        best_ours = max(best_ours, ours_run.per_second)
        best_bare = max(best_bare, bare_run.per_second)
        rows += [
            Row(
                f"/log 5 km run x{in_flight} in flight (best round): server time, rate",
                backend,
                ms(percentile(ours_server, 0.5)),
                ms(percentile(ours_server, 0.99)),
                f"{ours_run.per_second:,.0f}/s",
                f"{ours_run.per_second / bare_run.per_second:.2f}",
                result="info" if not failures else verdict(True, failures),
            ),
            info_row(
                f"bare Bolt ack('ok') x{in_flight} (best round): server time, rate",
                backend,
                bare_run,
                bare_server,
            ),
        ]
    ratio, wanted = best_ours / best_bare, plan.targets.bare_bolt
    rows.append(
        Row(
            "/log throughput reached (best rate of each)",
            backend,
            throughput=f"{best_ours:,.0f}/s",
            ratio=f"{ratio:.2f}",
            target="" if wanted is None else f">= {wanted:.2f} x bare",
            result="info" if wanted is None else verdict(ratio >= wanted),
        )
    )
    return rows


async def leaderboard_job(
    backend: str, bot: RunningBot, clock: Clock, fake: FakeSlackApi, targets: Targets
) -> list[Row]:
    """The scheduler's own job, due once for each of five days: claim, queries, the chart and
    the journey's map, the post to every announcement channel; and what Slack was asked."""
    chart, journey_map, delivery = Stopwatch(), Stopwatch(), Stopwatch()
    original_chart, original_deliver = charts.team_ranking_png, bot.outbox.deliver
    original_map = map_worker.draw
    charts.team_ranking_png = chart.wrap(original_chart)
    map_worker.draw = journey_map.wrap(original_map)
    bot.outbox.deliver = delivery.wrap_async(original_deliver)  # type: ignore[method-assign]
    chats = targets.chats
    posted_before = sum(len(fake.messages_to(chat)) for chat in chats)
    calls_before = len(fake.calls)
    totals, per_post = [], []
    try:
        for day in LEADERBOARD_DAYS:
            clock.now = datetime.combine(day, LEADERBOARD_AT, tzinfo=LONDON)
            started = time.perf_counter()
            calls_of_day = len(fake.calls)
            if not await bot.schedule.post_leaderboard():
                raise SystemExit(f"the leaderboard of {day} was not posted")
            totals.append(time.perf_counter() - started)
            per_post.append(slack_limits(fake.calls[calls_of_day:]))
    finally:
        charts.team_ranking_png = original_chart
        map_worker.draw = original_map
        bot.outbox.deliver = original_deliver  # type: ignore[method-assign]
    posted = sum(len(fake.messages_to(chat)) for chat in chats) - posted_before
    calls = fake.calls[calls_before:]
    shared = [c for c in calls if c.method == "files.completeUploadExternal"]
    # (The journey's look-out may announce a stop meanwhile, to the same channels.)
    if posted < len(LEADERBOARD_DAYS) * len(chats) or len(shared) < 2 * len(LEADERBOARD_DAYS):
        raise SystemExit(f"the fake Slack got {posted} leaderboards and {len(shared)} images")
    drawn, mapped, deliveries = chart.take(), journey_map.take(), delivery.take()
    # The outbox draws the images as part of the delivery, after the claim has committed.
    build = [t - d for t, d in zip(totals, deliveries, strict=True)]
    sending = [d - c - m for d, c, m in zip(deliveries, drawn, mapped, strict=True)]
    runs = f"{len(totals)} days"
    # Each post is a day apart from the next: held to the limits one post at a time.
    limits = max(per_post, key=lambda post: (not post.within(), post.messages))
    return [
        Row(
            f"daily post, chart and map, to {len(chats)} channels ({runs}; p99 = slowest)",
            backend,
            ms(percentile(totals, 0.5)),
            ms(max(totals)),
            target=f"<= {targets.post_s:g} s",
            result=verdict(max(totals) <= targets.post_s),
        ),
        *(
            Row(
                f"  of which {part}",
                backend,
                ms(percentile(samples, 0.5)),
                ms(max(samples)),
                result="info",
            )
            for part, samples in (
                ("claim + queries", build),
                ("chart (matplotlib PNG)", drawn),
                ("journey map (basemap PNG, worker process)", mapped),
                (f"delivery to fake Slack, {len(chats)} channels", sending),
            )
        ),
        Row(
            f"  Slack calls of a post: {limits.describe()}",
            backend,
            target="Slack's limits",
            result=verdict(limits.within()),
        ),
    ]


@dataclass(frozen=True)
class SlackLimits:
    """What the bot asked of Slack, held to Slack's published limits: chat.postMessage at
    most one a second into one channel; the Tier 4 file methods at most 100 a minute;
    conversations.open (Tier 3) at most 50 a minute."""

    messages: int
    most_in_a_channel_second: int
    file_calls_most_in_a_minute: int
    opens_most_in_a_minute: int

    def within(self) -> bool:
        return (
            self.most_in_a_channel_second <= 1
            and self.file_calls_most_in_a_minute <= 100
            and self.opens_most_in_a_minute <= 50
        )

    def describe(self) -> str:
        return (
            f"{self.messages:,} messages, at most {self.most_in_a_channel_second}/s "
            f"in a channel; file calls {self.file_calls_most_in_a_minute}/min; "
            f"conversations.open {self.opens_most_in_a_minute}/min"
        )


def slack_limits(calls: list[Any]) -> SlackLimits:
    messages = [c for c in calls if c.method == "chat.postMessage"]
    per_channel_second = Counter((c.params.get("channel"), int(c.at)) for c in messages)
    file_methods = ("files.getUploadURLExternal", "files.completeUploadExternal")
    return SlackLimits(
        len(messages),
        max(per_channel_second.values(), default=0),
        most_in_a_minute([c.at for c in calls if c.method in file_methods]),
        most_in_a_minute([c.at for c in calls if c.method == "conversations.open"]),
    )


def most_in_a_minute(moments: list[float]) -> int:
    """The most of `moments` (seconds) inside any 60 s."""
    ordered, most, first = sorted(moments), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= 60:
            first += 1
        most = max(most, last - first + 1)
    return most


async def reminders_job(
    backend: str, bot: RunningBot, clock: Clock, fake: FakeSlackApi, size: dataset.DataSize
) -> list[Row]:
    """The minute job at 19:30 on a day when one in ten asked for a nudge and logged nothing:
    each claimed once, then sent spread over the minute, into each person's direct chat."""
    expected = dataset.reminders(size)
    clock.now = REMINDERS_AT
    calls_before = len(fake.calls)
    started = time.perf_counter()
    began = time.monotonic()
    due = await bot.schedule.send_reminders()
    claimed_s = time.perf_counter() - started
    if due != expected:
        raise SystemExit(f"{due} reminders were due at 19:30, not {expected}")

    def nudges() -> list[Any]:
        return [
            c
            for c in fake.calls[calls_before:]
            if c.method == "chat.postMessage" and "log 3 km walk" in c.params.get("text", "")
        ]

    deadline = began + 120
    while len(nudges()) < due and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    sent = nudges()
    last_s = max((c.at for c in sent), default=deadline) - began
    limits = slack_limits(fake.calls[calls_before:])
    per_second = Counter(int(c.at - began) for c in sent)
    return [
        Row(
            f"reminders: {due:,} due in one minute, claimed (one transaction)",
            backend,
            ms(claimed_s),
            result="info",
        ),
        Row(
            f"reminders: {len(sent):,} sent, the last after (s)",
            backend,
            f"{last_s:.1f} s",
            throughput=f"{max(per_second.values(), default=0):,}/s at most",
            target="all within the minute",
            result=verdict(len(sent) == due and last_s <= 60),
        ),
        Row(
            f"  Slack calls: {limits.describe()}",
            backend,
            target="Slack's limits",
            result=verdict(limits.within()),
        ),
    ]


async def own_process(
    backend: str,
    directory: Path,
    settings: Settings,
    fake: FakeSlackApi,
    plan: Plan,
    everyone: list[dataset.Person],
) -> list[Row]:
    """`main.py` in a process of its own: every participant once, logs, reads, the leaderboard
    (its start-up catch-up), then that process's resident memory; then a second process on
    the same database, and `/log` throughput through one of them against both."""
    users = [p.slack_id for p in everyone]
    first_chat = settings.announce_chats[0]
    posted_before = len(fake.messages_to(first_chat))
    rows: list[Row] = []
    async with BotProcess(directory, settings, "first") as first:
        connector = aiohttp.TCPConnector(limit=max(plan.in_flight, *plan.throughput_in_flight))
        async with aiohttp.ClientSession(connector=connector) as http:
            await first.wait_until_healthy(http)
            client = SlashClient(http, first.url)
            progress(f"{backend}: bot in its own process (pid {first.pid}): all users once")
            warm = await run(client, as_users(HELP, users), plan.in_flight)
            report_failures("own process warm-up", warm)
            logs = as_users(LOG, itertools.cycle(users))
            sequential = await run(client, itertools.islice(logs, plan.requests), 1)
            report_failures("own process /log", sequential)
            rows.append(info_row("/log, bot in its own process: client wall", backend, sequential))
            burst = await run(client, itertools.islice(logs, plan.requests), plan.in_flight)
            rows.append(
                info_row(
                    f"/log x{plan.in_flight}, bot in its own process: client wall, rate",
                    backend,
                    burst,
                )
            )
            for slash in READS.values():
                result = await run(client, as_users(slash, users[: plan.requests]), plan.in_flight)
                report_failures(f"own process {slash.text}", result)
            await first.wait_for_post(fake, first_chat, posted_before)
            rss, peak = memory_mb(first.pid)
            rows.append(
                Row(
                    f"RSS of the bot process after {len(users):,} users, logs, reads, leaderboard",
                    backend,
                    f"{rss:.0f} MB",
                    target=f"<= {plan.targets.rss_mb:.0f} MB",
                    result=verdict(rss <= plan.targets.rss_mb) + f" (peak {peak:.0f} MB)",
                )
            )
            async with BotProcess(directory, settings, "second") as second:
                await second.wait_until_healthy(http)
                rows += await two_processes(backend, plan, http, first, second, users)
    return rows


class BotProcess:
    """`main.py` (through `bench.bot_process`, which only fixes its clock) in a child process
    with its own port, on the benchmark's database and fake Slack."""

    def __init__(self, directory: Path, settings: Settings, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = settings.write(directory / f"config-{name}.toml", port=self.port)
        self.log_path = directory / f"bot-{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def __aenter__(self) -> "BotProcess":
        environment = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "BOARD_KEY": BOARD_KEY,
        }
        with self.log_path.open("wb") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.bot_process",
                "--at",
                OWN_PROCESS_AT.isoformat(),
                "--config",
                str(self.config_path),
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=output,
            )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()

    def _log_tail(self) -> str:
        return self.log_path.read_text()[-3000:]

    async def wait_until_healthy(self, http: aiohttp.ClientSession) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.returncode is None:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{self.url}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise SystemExit(f"the bot process did not start; its log:\n{self._log_tail()}")

    async def wait_for_post(self, fake: FakeSlackApi, chat: str, before: int) -> None:
        """The start-up catch-up's leaderboard, so that its chart is in the memory figure."""
        assert self.process is not None
        deadline = time.monotonic() + 60
        while len(fake.messages_to(chat)) == before:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise SystemExit(f"the bot process posted no leaderboard:\n{self._log_tail()}")
            await asyncio.sleep(0.2)


async def two_processes(
    backend: str,
    plan: Plan,
    http: aiohttp.ClientSession,
    first: BotProcess,
    second: BotProcess,
    users: list[str],
) -> list[Row]:
    """`/log` through one process, then spread over two on the same database (as a load
    balancer would: half the people each), in alternating rounds, at each concurrency of the
    plan per process; what each reaches is its best rate."""
    chosen = users[: 2 * plan.requests]
    halves = (chosen[0::2], chosen[1::2])
    clients = (SlashClient(http, first.url), SlashClient(http, second.url))
    # The second process asks users.info once per person, like the first did.
    await run(clients[1], as_users(HELP, halves[1]), plan.in_flight)
    logs = [as_users(LOG, itertools.cycle(half)) for half in halves]
    one_logs = as_users(LOG, itertools.cycle(chosen))
    best_one, best_two, rows = 0.0, 0.0, []
    spent, spent_alone = CpuShare(), CpuShare()
    for in_flight in plan.throughput_in_flight:
        progress(f"{backend}: /log through one process and through two, x{in_flight} each")
        ones, twos = [], []
        for _ in range(THROUGHPUT_ROUNDS):
            with spent_alone.counting(first.pid):
                one = await run(clients[0], itertools.islice(one_logs, plan.requests), in_flight)
            spent_alone.add(len(one.wall_s), one.elapsed_s)
            report_failures(f"one process x{in_flight}", one)
            ones.append(one.per_second)
            started = time.perf_counter()
            with spent.counting(first.pid, second.pid):
                both = await asyncio.gather(
                    *(
                        run(client, itertools.islice(half_logs, plan.requests // 2), in_flight)
                        for client, half_logs in zip(clients, logs, strict=True)
                    )
                )
            elapsed = time.perf_counter() - started
            spent.add(sum(len(result.wall_s) for result in both), elapsed)
            for result in both:
                report_failures(f"two processes x{in_flight}", result)
            twos.append(sum(len(result.wall_s) for result in both) / elapsed)
        best_one, best_two = max(best_one, *ones), max(best_two, *twos)
        rows.append(
            Row(
                f"/log x{in_flight} per process: one process, two (best round)",
                backend,
                throughput=f"{max(ones):,.0f}/s, {max(twos):,.0f}/s",
                ratio=f"{max(twos) / max(ones):.2f}",
                result="info",
            )
        )
    # However well a second process scales, it cannot use more than the cores one left idle.
    bound = 1 / spent_alone.busy if spent_alone.busy else float("inf")
    rows += [
        Row(f"  CPU per /log, one process: {spent_alone.describe()}", backend, result="info"),
        Row(f"  CPU per /log, two processes: {spent.describe()}", backend, result="info"),
        Row(
            f"  the most a second process can add on {os.cpu_count()} cores: 1 / busy share "
            "with one",
            backend,
            ratio=f"{bound:.2f}",
            result="info",
        ),
    ]
    ratio = best_two / best_one
    wanted = plan.targets.two_processes
    rows.append(
        Row(
            "/log throughput, two processes on one database over one (best of each)",
            backend,
            throughput=f"{best_two:,.0f}/s",
            ratio=f"{ratio:.2f}",
            target="" if wanted is None else f">= {wanted:g} x one",
            result="info" if wanted is None else verdict(ratio >= wanted),
        )
    )
    return rows


@dataclass
class CpuShare:
    """Where the machine's CPU went while two bot processes took logs: the bots, PostgreSQL,
    and this process (the load client), per log; and how busy the machine's cores were."""

    bots_s: float = 0.0
    postgres_s: float = 0.0
    client_s: float = 0.0
    logs: int = 0
    elapsed_s: float = 0.0

    @contextlib.contextmanager
    def counting(self, *bots: int) -> Iterator[None]:
        before = (sum(cpu_s(pid) for pid in bots), postgres_cpu_s(), cpu_s())
        yield
        after = (sum(cpu_s(pid) for pid in bots), postgres_cpu_s(), cpu_s())
        self.bots_s += after[0] - before[0]
        self.postgres_s += after[1] - before[1]
        self.client_s += after[2] - before[2]

    def add(self, logs: int, elapsed_s: float) -> None:
        self.logs += logs
        self.elapsed_s += elapsed_s

    @property
    def busy(self) -> float:
        """The share of the machine's cores that were at work."""
        spent = self.bots_s + self.postgres_s + self.client_s
        return spent / (self.elapsed_s * (os.cpu_count() or 1)) if self.elapsed_s else 0.0

    def describe(self) -> str:
        per_log = {
            "bot": self.bots_s,
            "PostgreSQL": self.postgres_s,
            "load client": self.client_s,
        }
        parts = ", ".join(
            f"{name} {seconds / self.logs * 1000:.2f} ms" for name, seconds in per_log.items()
        )
        return f"{parts}; the {os.cpu_count()} cores {self.busy:.0%} busy"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def report_failures(measure: str, result: Run) -> None:
    if result.failures:
        progress(f"  {measure}: {len(result.failures)} bad replies, e.g. {result.failures[0]}")


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the run ---------------------------------------------------------------------------------


def machine(backends: list[str], admin_dsn: str) -> list[str]:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    total_gb = int(meminfo["MemTotal"].split()[0]) / 1024**2
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    lines = [
        f"date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: nproc {os.cpu_count()}, MemTotal {total_gb:.1f} GB, {cpu}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]
    if "postgresql" in backends:
        with psycopg.connect(admin_dsn) as connection:
            lines[-1] += f", PostgreSQL {connection.info.server_version // 10000}." + str(
                connection.info.server_version % 10000
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.benchmark", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="data set size (1.0: full)")
    parser.add_argument("--requests", type=int, default=1000, help="requests per measure")
    parser.add_argument("--in-flight", type=int, default=8, help="concurrency of the bursts")
    parser.add_argument(
        "--throughput-in-flight",
        default="8,32,64,128",
        help="the concurrencies /log throughput is measured at, comma-separated",
    )
    parser.add_argument("--postgres", default=POSTGRES_ADMIN, help="admin connection (libpq)")
    args = parser.parse_args(argv)
    configure_logging(logging.WARNING)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    levels = tuple(int(level) for level in args.throughput_in_flight.split(","))
    plan = Plan(
        dataset.DataSize.scaled(args.scale),
        args.requests,
        args.in_flight,
        levels,
        Targets.at(args.scale),
    )
    header = machine(backends, args.postgres)
    rows: list[Row] = []
    for backend in backends:
        rows += asyncio.run(bench_backend(backend, plan, args.postgres))
    print()
    print("\n".join(header))
    print(
        f"data set: {plan.size.describe()}, 62 days (scale {args.scale:g}); "
        f"{args.requests:,} requests per measure; latencies are warm"
    )
    print()
    print_table(rows)
    print()
    print(
        "Single values (load, RSS) are in the median column; the leaderboard's p99 is its "
        "slowest run.\nServer time: inside the bot's aiohttp handler for POST /slack/events; "
        'client wall: the\nsame requests timed by the client in this process. "Bot in its '
        'own process": main.py in a\nchild process, timed from this one; its RSS is the '
        "figure held to the memory bar."
    )
    return 0 if not any(r.result.startswith(("FAIL", "ERROR")) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
