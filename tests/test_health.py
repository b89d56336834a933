"""/healthz and /metrics: the real server tells whether each platform is answering and the
database is reachable, within its own deadline, and serves Prometheus text without a name or
an id in it."""

import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from bot.app import RunningBot, Secrets, start_bot
from bot.health import DATABASE_DEADLINE_S, AdapterHealth, BotHealth, DatabaseProbe
from bot.platforms.web import WebServer
from storage.database import make_engine
from tests.conftest import Clock, make_config
from tests.fakes.platform_requests import SlackRequests, TelegramRequests
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeTelegramApi

SIGNING_SECRET = "health-signing-secret"
SLACK_TOKEN = "xoxb-health"
TELEGRAM_TOKEN = "7000001:AAH-health"
WEBHOOK_SECRET = "health-webhook-secret"
ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "last_name": "Keller"}
# A port nothing listens on: connecting is refused at once.
CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/challenge"


@dataclass
class ManualClock:
    now: datetime = datetime(2021, 7, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def get(url: str) -> tuple[int, str, dict[str, Any] | str]:
    """Status, content type and body (JSON when it is JSON) of a GET."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            body = await (
                response.json() if response.content_type == "application/json" else response.text()
            )
            return response.status, response.headers["Content-Type"], body


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus text parsed: each sample's value by its name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# -- AdapterHealth ---------------------------------------------------------------------------


def test_an_idle_adapter_is_never_stalled():
    clock = ManualClock()
    health = AdapterHealth("telegram", clock=clock)
    clock.advance(3600)
    assert not health.stalled()
    with health.update():
        pass
    clock.advance(3600)
    assert not health.stalled()
    assert health.report()["waiting"] == 0


def test_an_update_waiting_a_minute_with_nothing_answered_is_a_stall():
    clock = ManualClock()
    health = AdapterHealth("telegram", clock=clock)
    with health.update():
        clock.advance(59)
        assert not health.stalled()
        clock.advance(2)
        assert health.stalled()
        assert health.report()["stalled"] is True
    assert not health.stalled()
    assert health.last_processed_at == clock.now


def test_answering_other_updates_is_progress_while_one_is_slow():
    clock = ManualClock()
    health = AdapterHealth("slack", clock=clock)
    with health.update():  # a slow one
        for _ in range(3):
            clock.advance(30)
            with health.update():
                pass
            assert health.waiting == 1
            assert not health.stalled()
        clock.advance(61)
        assert health.stalled()


def test_a_first_update_after_a_long_quiet_is_not_a_stall_at_once():
    clock = ManualClock()
    health = AdapterHealth("slack", clock=clock)
    with health.update():
        pass
    clock.advance(3600)
    with health.update():
        assert not health.stalled()
        clock.advance(61)
        assert health.stalled()


# -- the server on its own, with real adapter health and a real database ----------------------


@dataclass
class Served:
    server: WebServer
    adapters: list[AdapterHealth]
    clock: ManualClock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'challenge.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Engine], Awaitable[Served]]]:
    """Starts a WebServer for an engine, with a Slack and a Telegram adapter's health."""
    servers: list[WebServer] = []

    async def start(engine: Engine) -> Served:
        clock = ManualClock()
        adapters = [AdapterHealth("slack", clock=clock), AdapterHealth("telegram", clock=clock)]
        for adapter in adapters:
            adapter.state = "running"
        health = BotHealth(
            adapters=adapters,
            database=DatabaseProbe(engine),
            next_runs=lambda: {"daily_leaderboard": "2021-07-15T18:00:00+01:00"},
            backlog=lambda: 2,
        )
        server = WebServer("127.0.0.1", 0, health)
        await server.start()
        servers.append(server)
        return Served(server, adapters, clock)

    yield start
    for server in servers:
        await server.stop()


async def test_a_healthy_bot_answers_200_with_every_part(serve, sqlite_engine):
    served = await serve(sqlite_engine)
    with served.adapters[1].update():
        pass

    status, content_type, body = await get(f"{served.url}/healthz")

    assert status == 200
    assert content_type.startswith("application/json")
    assert body["status"] == "ok"
    assert body["problems"] == []
    assert body["platforms"] == ["slack", "telegram"]
    assert isinstance(body["uptime_s"], int) and body["uptime_s"] >= 0
    assert body["adapters"] == {
        "slack": {"state": "running", "waiting": 0, "last_processed_at": None, "stalled": False},
        "telegram": {
            "state": "running",
            "waiting": 0,
            "last_processed_at": "2021-07-15T12:00:00+00:00",
            "stalled": False,
        },
    }
    assert body["database"]["reachable"] is True
    assert 0 <= body["database"]["seconds"] < DATABASE_DEADLINE_S
    assert body["next_runs"] == {"daily_leaderboard": "2021-07-15T18:00:00+01:00"}
    assert body["outbox_backlog"] == 2


async def test_an_adapter_holding_an_update_a_minute_without_progress_answers_503(
    serve, sqlite_engine
):
    served = await serve(sqlite_engine)
    telegram = served.adapters[1]
    with telegram.update():
        served.clock.advance(30)
        status, _, body = await get(f"{served.url}/healthz")
        assert status == 200

        served.clock.advance(31)
        status, _, body = await get(f"{served.url}/healthz")
        assert status == 503
        assert body["status"] == "failing"
        assert body["problems"] == ["telegram: updates waiting, none answered for 60 s"]
        assert body["adapters"]["telegram"]["waiting"] == 1
        assert body["adapters"]["telegram"]["stalled"] is True
        assert body["adapters"]["slack"]["stalled"] is False
        assert body["database"]["reachable"] is True

    status, _, body = await get(f"{served.url}/healthz")
    assert status == 200
    assert body["adapters"]["telegram"]["last_processed_at"] == "2021-07-15T12:01:01+00:00"


async def test_a_refused_database_connection_answers_503_at_once(serve):
    engine = make_engine(CLOSED_PORT_URL)
    try:
        served = await serve(engine)
        started = time.monotonic()
        status, _, body = await get(f"{served.url}/healthz")
        assert time.monotonic() - started < DATABASE_DEADLINE_S
    finally:
        engine.dispose()
    assert status == 503
    assert body["problems"] == ["database unreachable"]
    assert body["database"] == {"reachable": False, "error": "OperationalError"}
    # The error's kind only: its message would name the host and the user.
    assert "127.0.0.1" not in str(body) and "postgres" not in str(body)


@pytest.fixture
def silent_database() -> Iterator[str]:
    """A PostgreSQL URL whose server takes connections and never says a word: the kernel
    completes them in the listen queue, and nobody accepts them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{listener.getsockname()[1]}/challenge"


def database_probes() -> int:
    return sum(thread.name == "database-probe" for thread in threading.enumerate())


async def test_a_database_that_never_answers_gets_503_within_the_deadline(serve, silent_database):
    engine = make_engine(silent_database)
    try:
        served = await serve(engine)
        started = time.monotonic()
        status, _, body = await get(f"{served.url}/healthz")
        # The probe gives up first: the engine's own connect timeout is longer.
        assert DATABASE_DEADLINE_S <= time.monotonic() - started < DATABASE_DEADLINE_S + 1
        assert status == 503
        assert body["database"] == {
            "reachable": False,
            "error": f"no answer within {DATABASE_DEADLINE_S:g} s",
        }
        assert database_probes() == 1
        for _ in range(2):
            # A check while the query still hangs waits on that one: no thread piles up.
            started = time.monotonic()
            status, _, body = await get(f"{served.url}/healthz")
            assert time.monotonic() - started < DATABASE_DEADLINE_S + 1
            assert status == 503
            assert body["database"]["reachable"] is False
            assert database_probes() <= 1
    finally:
        engine.dispose()


async def test_metrics_read_the_adapters_and_the_outbox_at_each_scrape(serve, sqlite_engine):
    served = await serve(sqlite_engine)
    with served.adapters[0].update():
        status, content_type, text = await get(f"{served.url}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    values = samples(text)
    assert values["challenge_outbox_backlog", ()] == 2
    assert values["challenge_adapter_waiting_updates", (("platform", "slack"),)] == 1
    assert values["challenge_adapter_waiting_updates", (("platform", "telegram"),)] == 0


# -- the real bot: Slack over HTTP and a Telegram webhook, on both databases ------------------


@dataclass
class Bot:
    bot: RunningBot
    slack: SlackRequests
    telegram: TelegramRequests
    telegram_api: FakeTelegramApi

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.bot.server.port}"


@pytest.fixture
async def running(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[Bot]:
    slack_api = FakeSlackApi(people={"UALICE": {"name": "Alice"}})
    telegram_api = FakeTelegramApi(TELEGRAM_TOKEN)
    await slack_api.start()
    await telegram_api.start()
    config = make_config(
        database_url,
        tmp_path,
        slack={"enabled": True, "mode": "http", "api_url": f"{slack_api.url}/api/"},
        telegram={
            "enabled": True,
            "mode": "webhook",
            "base_url": f"{telegram_api.url}/bot",
            "base_file_url": f"{telegram_api.url}/file/bot",
            "webhook_url": "https://challenge.example.com/telegram/webhook",
        },
        server={"host": "127.0.0.1", "port": 0},
    )
    secrets = Secrets(
        slack_bot_token=SLACK_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=WEBHOOK_SECRET,
    )
    bot = await start_bot(config, secrets, clock)
    base = f"http://127.0.0.1:{bot.server.port}"
    async with aiohttp.ClientSession() as session:
        yield Bot(
            bot,
            SlackRequests(session, f"{base}/slack/events", SIGNING_SECRET),
            TelegramRequests(session, f"{base}/telegram/webhook", WEBHOOK_SECRET),
            telegram_api,
        )
        await bot.stop()
    await telegram_api.stop()
    await slack_api.stop()


async def run_some_commands(running: Bot) -> None:
    answer = await running.slack.command("UALICE", "newteam Red Rockets")
    assert "Red Rockets" in answer.text
    answer = await running.slack.command("UALICE", "12km cycle", command="/log")
    assert "Logged #1" in answer.text
    assert (await running.slack.command("UALICE", "log 5 parsecs")).status == 200
    update = running.telegram.message(ALICE, "/join red rockets")
    assert await running.telegram.post(update) == 200
    await running.telegram_api.wait_for(lambda: running.telegram_api.messages_to(ALICE["id"]))


async def test_the_running_bot_reports_each_platform_the_database_and_the_schedule(running):
    await run_some_commands(running)

    status, _, body = await get(f"{running.url}/healthz")

    assert status == 200, body
    assert body["status"] == "ok"
    assert body["platforms"] == ["slack", "telegram"]
    assert set(body["adapters"]) == {"slack", "telegram"}
    for platform in ("slack", "telegram"):
        adapter = body["adapters"][platform]
        assert adapter["state"] == "running"
        assert adapter["stalled"] is False
        assert datetime.fromisoformat(adapter["last_processed_at"]) <= datetime.now(UTC)
    assert body["database"]["reachable"] is True
    assert body["outbox_backlog"] == 0
    runs = body["next_runs"]
    assert runs, "the scheduler declared no job"
    upcoming = [datetime.fromisoformat(moment) for moment in runs.values() if moment]
    assert upcoming and all(moment > datetime.now(UTC) for moment in upcoming)


async def test_metrics_count_the_commands_and_name_nobody(running):
    # Counters live as long as the process: compare with before.
    _, _, before_text = await get(f"{running.url}/metrics")
    before = samples(before_text)

    await run_some_commands(running)

    status, content_type, text = await get(f"{running.url}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    after = samples(text)

    def counted(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert counted("challenge_commands_total", kind="newteam", outcome="ok") == 1
    assert counted("challenge_commands_total", kind="log", outcome="ok") == 1
    assert counted("challenge_commands_total", kind="unparsed", outcome="refused") == 1
    assert counted("challenge_commands_total", kind="join", outcome="ok") == 1
    assert counted("challenge_command_seconds_count", kind="log") == 1
    assert counted("challenge_log_batch_size_count") == 1
    families = {family.name for family in text_string_to_metric_families(text)}
    assert {
        "challenge_outbox_sends",
        "challenge_posts",
        "challenge_database_errors",
        "challenge_outbox_backlog",
        "challenge_adapter_waiting_updates",
        "challenge_adapter_last_processed_timestamp_seconds",
    } <= families
    label_values = {value for _, labels in after for _, value in labels}
    for person in ("UALICE", "Alice", "Keller", "Red Rockets", "1001", "C0GENERAL", "T1"):
        assert person not in label_values
    for word in ("UALICE", "Alice", "Keller", "Rockets", "parsecs"):
        assert word not in text
