"""Reliability: many people at once on both platforms, a process killed mid-burst, any text
at all, forged requests and non-admins, and Slack or Telegram failing during a scheduled post.

One bot serves Slack (HTTP) and Telegram (webhook) over one database; both platform APIs are
local fakes, and every request comes in through the real adapters, signed as the platforms
sign them. `RELIABILITY_LOGS` sets how many concurrent logs the crowd sends (default 200).
"""

import asyncio
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.app import RunningBot, Secrets, start_bot
from bot.platforms.slack import SlackAdapter
from scripts import kill_mid_burst
from storage.models import (
    Activity,
    Base,
    ParticipantTotal,
    PlatformAccount,
    PostLedger,
    SeasonOutcome,
    Team,
)
from tests.conftest import LONDON, Clock, make_config
from tests.fakes.flaky_apis import FlakySlackApi, FlakyTelegramApi
from tests.fakes.platform_requests import (
    FORM,
    TELEGRAM_SECRET_HEADER,
    SlackRequests,
    TelegramRequests,
)
from tests.fakes.slack_api import signed_headers
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME

SIGNING_SECRET = "reliability-signing-secret"
SLACK_TOKEN = "xoxb-reliability"
TELEGRAM_TOKEN = "7000001:AAH-reliability"
WEBHOOK_SECRET = "reliability-webhook-secret"
BOTH_SECRETS = Secrets(
    slack_bot_token=SLACK_TOKEN,
    slack_signing_secret=SIGNING_SECRET,
    telegram_bot_token=TELEGRAM_TOKEN,
    telegram_webhook_secret=WEBHOOK_SECRET,
)
WEBHOOK_URL = "https://challenge.example.com/telegram/webhook"
SLACK_CHANNEL = "C0ANNOUNCE"
GROUP = {"id": -1001234567890, "title": "Summer Challenge", "type": "supergroup"}
SLACK_ADMIN = "UADMIN"
TELEGRAM_ADMIN = 1003

LOGS = int(os.environ.get("RELIABILITY_LOGS", "200"))
CROWD = 100
TEAMS = 10
KINDS = ("run", "walk", "cycle")

LOGGED = re.compile(r"Logged #(\d+): ([\d,.]+) km (run|walk|cycle)")
REFUSED = "Only the challenge admins can do that."
FAILURES_SHOWN = ("database is locked", "Something went wrong", "very busy", "Traceback")
# Telegram sends a reply within this long, rate limiter included.
REPLY_TIMEOUT_S = 60


@dataclass(frozen=True)
class Person:
    platform: str  # "slack" | "telegram"
    id: str

    @property
    def telegram_user(self) -> dict[str, Any]:
        return {"id": int(self.id), "is_bot": False, "first_name": f"Tg{self.id}"}


ALICE = Person("slack", "UALICE")
BOB = Person("telegram", "1002")
SLACK_BOSS = Person("slack", SLACK_ADMIN)
TELEGRAM_BOSS = Person("telegram", str(TELEGRAM_ADMIN))


@dataclass
class BothPlatforms:
    """The running bot, its two fake platform APIs, and what each platform sends it."""

    bot: RunningBot
    slack_api: FlakySlackApi
    telegram_api: FlakyTelegramApi
    slack: SlackRequests
    telegram: TelegramRequests
    _indexed: int = 0
    _replies: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.bot.engine

    async def ask(self, person: Person, text: str) -> str:
        """`text` as `person` types it on their platform (`/log` and `/challenge` on Slack,
        `/command` on Telegram), through the real adapter; the reply's text."""
        if person.platform == "slack":
            command, _, rest = text.partition(" ")
            if command == "log":
                answer = await self.slack.command(person.id, rest, command="/log")
            else:
                answer = await self.slack.command(person.id, text)
            assert answer.status == 200, answer
            return answer.text
        update = self.telegram.message(person.telegram_user, f"/{text}")
        assert await self.telegram.post(update) == 200
        return await self.telegram_reply(update)

    async def telegram_reply(self, update: dict[str, Any]) -> str:
        """The bot's reply to the update's message, once Telegram has it."""
        message = update["message"]
        key = (str(message["chat"]["id"]), message["message_id"])
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while True:
            self._index_replies()
            if key in self._replies:
                return self._replies[key][0]
            assert time.monotonic() < deadline, f"no reply to {message['text']!r}"
            await asyncio.sleep(0.02)

    def _index_replies(self) -> None:
        """Replies by (chat, message replied to); indexed once, however many are waiting."""
        calls = self.telegram_api.calls
        while self._indexed < len(calls):
            call = calls[self._indexed]
            self._indexed += 1
            replied = (call.params.get("reply_parameters") or {}).get("message_id")
            if call.method == "sendMessage" and replied is not None:
                key = (str(call.params["chat_id"]), replied)
                self._replies.setdefault(key, []).append(call.params["text"])

    def announcements(self) -> dict[str, list[str]]:
        """What reached each announcement chat: messages, and files or photos."""
        slack, telegram = self.slack_api, self.telegram_api
        group = str(GROUP["id"])
        return {
            "slack messages": [
                p["text"] for p in slack.delivered_to("chat.postMessage", SLACK_CHANNEL)
            ],
            "slack files": [
                str(p.get("files"))
                for p in slack.delivered_to("files.completeUploadExternal", SLACK_CHANNEL)
            ],
            "telegram messages": [p["text"] for p in telegram.messages_to(group)],
            "telegram photos": [
                p["chat_id"] for p in telegram.called("sendPhoto") if p["chat_id"] == group
            ],
        }

    def texts_shown(self) -> list[str]:
        """Every text the bot sent anywhere on either platform."""
        slack = [str(call.params.get("text", "")) for call in self.slack_api.calls]
        telegram = [str(call.params.get("text", "")) for call in self.telegram_api.calls]
        return slack + telegram

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table: equal snapshots mean nothing changed."""
        with self.engine.connect() as connection:
            return {
                table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
                for table in Base.metadata.sorted_tables
            }

    def scalar(self, statement: Any) -> Any:
        with Session(self.engine) as session:
            return session.scalar(statement)


def both_platforms_config(database_url: str, directory: Path, slack_url: str, telegram_url: str):
    return make_config(
        database_url,
        directory,
        slack={"enabled": True, "mode": "http", "api_url": f"{slack_url}/api/"},
        telegram={
            "enabled": True,
            "mode": "webhook",
            "base_url": f"{telegram_url}/bot",
            "base_file_url": f"{telegram_url}/file/bot",
            "webhook_url": WEBHOOK_URL,
        },
        server={"host": "127.0.0.1", "port": 0},
        admins={"slack": [SLACK_ADMIN], "telegram": [TELEGRAM_ADMIN]},
        announce=[
            {"platform": "slack", "chat": SLACK_CHANNEL},
            {"platform": "telegram", "chat": GROUP["id"]},
        ],
    )


@pytest.fixture
async def both(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[BothPlatforms]:
    slack_api, telegram_api = FlakySlackApi(), FlakyTelegramApi(TELEGRAM_TOKEN)
    await slack_api.start()
    await telegram_api.start()
    config = both_platforms_config(database_url, tmp_path, slack_api.url, telegram_api.url)
    bot = await start_bot(config, BOTH_SECRETS, clock, outbox_backoff_s=0.05, start_schedule=False)
    base = f"http://127.0.0.1:{bot.server.port}"
    async with aiohttp.ClientSession() as session:
        yield BothPlatforms(
            bot,
            slack_api,
            telegram_api,
            SlackRequests(session, f"{base}/slack/events", SIGNING_SECRET),
            TelegramRequests(session, f"{base}/telegram/webhook", WEBHOOK_SECRET),
        )
        await bot.stop()
    await telegram_api.stop()
    await slack_api.stop()


async def wait_until(condition: Callable[[], Any], seconds: float = 5.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)
    return result


def assert_no_failure_shown(texts: list[str]) -> None:
    shown = [text for text in texts if any(failure in text for failure in FAILURES_SHOWN)]
    assert shown == [], shown[:3]


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """Errors logged, with a traceback or from our own code."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in records
        if record.levelno >= logging.ERROR
        and (record.exc_info or record.name.split(".")[0] in ("bot", "storage"))
    ]


# -- many people at once ------------------------------------------------------------------------


def crowd() -> list[Person]:
    """Half on Slack, half on Telegram."""
    return [
        Person("slack", f"UCROWD{n:03d}") if n % 2 == 0 else Person("telegram", str(40_000 + n))
        for n in range(CROWD)
    ]


async def test_hundreds_of_people_logging_at_once_on_both_platforms_are_all_counted_once(
    both, caplog
):
    people = crowd()
    team_of = {person: f"Crowd {n % TEAMS}" for n, person in enumerate(people)}
    created = await asyncio.gather(*(both.ask(p, f"newteam {team_of[p]}") for p in people[:TEAMS]))
    assert all("is created" in reply for reply in created), created
    joined = await asyncio.gather(*(both.ask(p, f"join {team_of[p]}") for p in people[TEAMS:]))
    assert [r for r in joined if "Welcome to" not in r] == []

    logs = [(people[n % CROWD], 1 + n % 3, KINDS[n // CROWD % 3]) for n in range(LOGS)]
    replies = await asyncio.gather(*(both.ask(p, f"log {km} km {kind}") for p, km, kind in logs))

    acknowledged: dict[int, tuple[Person, int, str]] = {}
    for (person, km, kind), reply in zip(logs, replies, strict=True):
        logged = LOGGED.search(reply)
        assert logged, f"{person} logging {km} km {kind} was answered {reply!r}"
        assert (logged[2], logged[3]) == (str(km), kind), reply
        acknowledged[int(logged[1])] = (person, km * 1000, kind)
    assert len(acknowledged) == LOGS, "two logs were answered with the same number"
    assert_no_failure_shown([*replies, *both.texts_shown()])
    assert tracebacks(caplog.records) == []

    with Session(both.engine) as session:
        stored = {
            activity.id: (Person(platform, user), activity.distance_m, activity.kind)
            for activity, platform, user in session.execute(
                select(Activity, PlatformAccount.platform, PlatformAccount.external_id).join(
                    PlatformAccount, PlatformAccount.participant_id == Activity.participant_id
                )
            )
        }
        team_totals = {team.name: team.total_m for team in session.scalars(select(Team))}
        people_totals = dict(
            session.execute(
                select(PlatformAccount.external_id, ParticipantTotal.total_m).join(
                    ParticipantTotal,
                    ParticipantTotal.participant_id == PlatformAccount.participant_id,
                )
            ).all()
        )
    assert stored == acknowledged  # nothing lost, nothing doubled, each as answered
    expected_teams: dict[str, int] = defaultdict(int)
    expected_people: dict[str, int] = defaultdict(int)
    for person, metres, _ in acknowledged.values():
        expected_teams[team_of[person]] += metres
        expected_people[person.id] += metres
    assert team_totals == expected_teams
    assert {k: v for k, v in people_totals.items() if v} == expected_people

    total_km = sum(metres for _, metres, _ in acknowledged.values()) // 1000
    assert f"{total_km:,} km so far" in await both.ask(ALICE, "totals")


# -- a process killed mid-burst -----------------------------------------------------------------


async def test_a_bot_killed_mid_burst_keeps_every_log_it_acknowledged(
    database_url: str, tmp_path: Path
):
    backend = database_url.split(":", 1)[0]
    outcome = await kill_mid_burst.run(database_url, backend, requests=400, workdir=tmp_path)
    assert outcome.passed, outcome.summary()


# -- any text at all ----------------------------------------------------------------------------

WORDS = (
    "log undo delete me standings team totals join newteam leave vote timezone photo photos "
    "help admin remove announce export post finish charity winner people km k mi m run walk "
    "cycle ride yesterday today friday 12,5 12.5 0 -5 nan inf 1e9 1e-3 99999999999 5km 3/7 "
    "31/2 2021-07-03 2021-13-45 <!channel> <@U1> <b>x</b> &amp; ` * _ ~ @everyone "
    "Europe/Helsinki Mars/Olympus"
).split()
NASTY = ["\x00", "\u202e", "\u200b", "\ufeff", "\r\n", "\t", "🏃", "ﬁ", "Ⅻ", "١٢", "'; --"]
TOKEN = st.one_of(st.sampled_from(WORDS), st.sampled_from(NASTY), st.text(max_size=8))
ANY_TEXT = st.one_of(
    st.lists(TOKEN, min_size=1, max_size=7).map(" ".join),
    st.text(max_size=60),
    st.text(min_size=480, max_size=700),  # around the 500-character limit
)
FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
async def fuzzers(both: BothPlatforms) -> BothPlatforms:
    """ALICE (Slack) and BOB (Telegram) in one team, so every command can reach its rules."""
    assert "is created" in await both.ask(ALICE, "newteam Fuzzers")
    assert "Welcome" in await both.ask(BOB, "join Fuzzers")
    return both


def assert_clear_answer(reply: str, records: list[logging.LogRecord]) -> None:
    assert reply.strip(), "the answer was empty"
    assert_no_failure_shown([reply])
    assert tracebacks(records) == []


@FUZZ
@given(text=ANY_TEXT, command=st.sampled_from(["/challenge", "/log"]))
@example(text="", command="/challenge")
@example(text="join Fuzz\x00ers", command="/challenge")
@example(text="5 km run 2021-07-15\x00", command="/log")
@example(text="1e400 km run", command="/log")
@example(text="newteam " + "x" * 501, command="/challenge")
async def test_any_slash_command_text_gets_a_clear_answer(fuzzers, caplog, text, command):
    seen = len(caplog.records)
    answer = await fuzzers.slack.command(ALICE.id, text, command=command)
    assert answer.status == 200, answer
    assert_clear_answer(answer.text, caplog.records[seen:])


@FUZZ
@given(text=ANY_TEXT)
@example(text="<@UBOT>")
@example(text="vote W\x00F")
async def test_any_direct_message_to_the_slack_bot_gets_a_clear_answer(fuzzers, caplog, text):
    text = text.strip()  # Slack trims messages and sends no empty ones
    assume(text)
    seen, dm = len(caplog.records), f"D{ALICE.id}"
    before = len(fuzzers.slack_api.messages_to(dm))
    answer = await fuzzers.slack.dm(ALICE.id, text)
    assert answer.status == 200, answer
    await wait_until(lambda: len(fuzzers.slack_api.messages_to(dm)) > before)
    reply = fuzzers.slack_api.messages_to(dm)[before]["text"]
    assert_clear_answer(reply, caplog.records[seen:])


@FUZZ
@given(text=ANY_TEXT, slash=st.booleans())
@example(text="/", slash=False)
@example(text="newteam Nul\x00Team", slash=True)
@example(text="timezone Europe/\x00London", slash=False)
@example(text=f"/log@{BOT_USERNAME} 5 km run \x00", slash=False)
async def test_any_telegram_message_gets_a_clear_answer(fuzzers, caplog, text, slash):
    text = ("/" if slash else "") + text.strip()  # Telegram trims messages too
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    addressee = first.partition("@")[2] if first.startswith("/") else ""
    assume(first and addressee.lower() in ("", BOT_USERNAME.lower()))  # not for another bot
    seen = len(caplog.records)
    update = fuzzers.telegram.message(BOB.telegram_user, text)
    assert await fuzzers.telegram.post(update) == 200
    reply = await fuzzers.telegram_reply(update)
    assert_clear_answer(reply, caplog.records[seen:])


# -- forged requests ----------------------------------------------------------------------------


async def test_forged_or_stale_slack_requests_get_401_and_change_nothing(both):
    assert "is created" in await both.ask(ALICE, "newteam Red Rockets")
    before, calls = both.snapshot(), len(both.slack_api.calls)
    now = int(time.time())
    log = both.slack.command_body(ALICE.id, "5 km run", command="/log")
    announce = both.slack.command_body(SLACK_ADMIN, "admin announce Free pizza")
    other = both.slack.command_body(ALICE.id, "1 km run", command="/log")
    forgeries = {
        "a wrong signature": {"X-Slack-Signature": "v0=" + "0" * 64},
        "no signature": {"X-Slack-Signature": ""},
        "signed with another secret": signed_headers("not-the-secret", log),
        "signed for another body": signed_headers(SIGNING_SECRET, other),
        "ten minutes old": signed_headers(SIGNING_SECRET, log, timestamp=now - 600),
        "ten minutes ahead": signed_headers(SIGNING_SECRET, log, timestamp=now + 600),
    }
    for forgery, headers in forgeries.items():
        for body in (log, announce):
            answer = await both.slack.post(body, FORM, headers)
            assert answer.status == 401, f"{forgery}: {answer}"
            assert "Logged" not in answer.body and "Announced" not in answer.body
    await asyncio.sleep(0.1)  # anything the bot did after answering would show by now
    assert both.snapshot() == before
    assert len(both.slack_api.calls) == calls
    assert both.announcements()["slack messages"] == []
    assert LOGGED.search(await both.ask(ALICE, "log 5 km run"))  # the real one still works


async def test_telegram_webhook_calls_without_the_right_secret_get_403_and_change_nothing(both):
    assert "is created" in await both.ask(BOB, "newteam Blue Bears")
    before, calls = both.snapshot(), len(both.telegram_api.calls)
    admin = TELEGRAM_BOSS.telegram_user
    forgeries = {
        "no secret": {},
        "an empty secret": {TELEGRAM_SECRET_HEADER: ""},
        "a wrong secret": {TELEGRAM_SECRET_HEADER: "guess"},
        "the secret's first half": {TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET[:12]},
        "the secret and more": {TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET + "x"},
        "the secret in capitals": {TELEGRAM_SECRET_HEADER: WEBHOOK_SECRET.upper()},
    }
    for forgery, headers in forgeries.items():
        for update in (
            both.telegram.message(BOB.telegram_user, "/log 5 km run"),
            both.telegram.message(admin, "/admin announce Free pizza"),
        ):
            assert await both.telegram.post(update, headers) == 403, forgery
    await asyncio.sleep(0.1)
    assert both.snapshot() == before
    assert len(both.telegram_api.calls) == calls
    assert both.announcements()["telegram messages"] == []
    assert LOGGED.search(await both.ask(BOB, "log 5 km run"))


# -- non-admins ---------------------------------------------------------------------------------

ADMIN_COMMANDS = (
    "admin remove {log} bogus",
    "admin announce Free pizza in the lobby",
    "admin export",
    "admin vote open",
    "admin vote close",
    "admin vote winner WWF",
    "admin charity add Evil Corp",
    "admin charity remove WWF",
    "admin post",
    "admin finish",
    "admin photos list",
    "admin photos winner 1",
)


async def test_admin_commands_from_non_admins_are_refused_and_change_nothing(both):
    assert "is created" in await both.ask(ALICE, "newteam Red Rockets")
    assert "is created" in await both.ask(BOB, "newteam Blue Bears")
    alices = LOGGED.search(await both.ask(ALICE, "log 5 km run"))[1]
    assert LOGGED.search(await both.ask(BOB, "log 7 km walk"))
    for charity in ("WWF", "Oxfam"):
        assert charity in await both.ask(SLACK_BOSS, f"admin charity add {charity}")
    before = both.snapshot()
    slack_calls, telegram_calls = len(both.slack_api.calls), len(both.telegram_api.calls)

    for person in (ALICE, BOB):
        for command in ADMIN_COMMANDS:
            reply = await both.ask(person, command.format(log=alices))
            assert REFUSED in reply, f"{person.platform}: {command} -> {reply!r}"
    await asyncio.sleep(0.1)

    assert both.snapshot() == before
    assert both.announcements() == {
        "slack messages": [],
        "slack files": [],
        "telegram messages": [],
        "telegram photos": [],
    }
    slack_methods = {call.method for call in both.slack_api.calls[slack_calls:]}
    telegram_methods = {call.method for call in both.telegram_api.calls[telegram_calls:]}
    assert slack_methods <= {"users.info", "auth.test"}, "only the ack answers on Slack"
    assert telegram_methods == {"sendMessage"}, "only the refusals, as replies"


async def test_admin_buttons_pressed_by_non_admins_are_refused_and_change_nothing(both):
    assert "is created" in await both.ask(ALICE, "newteam Red Rockets")
    assert "Welcome" in await both.ask(BOB, "join Red Rockets")
    assert "is created" in await both.ask(Person("slack", "UCAROL"), "newteam Blue Bears")
    for charity in ("WWF", "Oxfam"):
        await both.ask(SLACK_BOSS, f"admin charity add {charity}")
    await both.ask(SLACK_BOSS, "admin vote open")
    (opened,) = await wait_until(lambda: both.announcements()["slack messages"])
    await wait_until(lambda: both.announcements()["telegram messages"])
    before, shown = both.snapshot(), both.announcements()

    forged = ("admin vote close", "admin vote winner WWF", "admin announce Free pizza")
    for value in forged:
        assert (await both.slack.press(ALICE.id, value, SLACK_CHANNEL)).status == 200
        press = both.telegram.press(BOB.telegram_user, value, GROUP, BOT_ID)
        assert await both.telegram.post(press) == 200

    def toasts() -> list[dict[str, Any]]:
        return both.telegram_api.called("answerCallbackQuery")

    def ephemerals() -> list[dict[str, Any]]:
        return both.slack_api.ephemerals_to(ALICE.id)

    await wait_until(lambda: len(toasts()) == len(ephemerals()) == len(forged))
    refusals = [p["text"] for p in toasts()] + [p["text"] for p in ephemerals()]
    assert all(REFUSED in text for text in refusals), refusals
    await asyncio.sleep(0.1)
    assert both.snapshot() == before
    assert both.announcements() == shown
    assert both.scalar(select(SeasonOutcome.vote_closed_at)) is None

    # The same press path works for what a member may do: the vote button votes.
    assert "WWF" in opened and "Oxfam" in opened
    press = both.telegram.press(BOB.telegram_user, "vote WWF", GROUP, BOT_ID)
    assert await both.telegram.post(press) == 200
    (toast,) = await wait_until(
        lambda: both.telegram_api.called("answerCallbackQuery")[len(forged) :]
    )
    assert "Your vote: WWF" in toast["text"]


# -- Slack or Telegram failing during a scheduled post ------------------------------------------


@pytest.fixture
def at_six_pm(clock: Clock) -> Clock:
    clock.now = datetime(2021, 7, 15, 18, 0, 5, tzinfo=LONDON)
    return clock


def ledger_keys(both: BothPlatforms) -> list[str]:
    with Session(both.engine) as session:
        return list(session.scalars(select(PostLedger.key)))


def assert_posted_once_everywhere(both: BothPlatforms) -> None:
    shown = both.announcements()
    # One message and two images (the chart, the journey's map) in each chat.
    assert {where: len(posts) for where, posts in shown.items()} == {
        "slack messages": 1,
        "slack files": 2,
        "telegram messages": 1,
        "telegram photos": 2,
    }, shown
    assert "Summer Challenge 2021: day 15 of 62" in shown["slack messages"][0]
    assert "day 15 of 62" in shown["telegram messages"][0]


def slack_fails(status: int, method: str = "chat.postMessage", times: int = 1, **headers: str):
    def fail(both: BothPlatforms) -> None:
        for _ in range(times):
            both.slack_api.fail_next(method, status, headers)

    return fail


def telegram_fails(status: int, method: str = "sendMessage", retry_after: int | None = None):
    def fail(both: BothPlatforms) -> None:
        description = "Too Many Requests: retry after 1" if retry_after else "Internal Server Error"
        both.telegram_api.fail_next(method, status, description, retry_after)

    return fail


def shorten_slack_time_out(both: BothPlatforms) -> None:
    """The real client waits 30 s; for the test it gives up after 1 s, as it would after 30."""
    (slack,) = [adapter for adapter in both.bot.adapters if isinstance(adapter, SlackAdapter)]
    slack.client.timeout = 1


def slack_times_out(both: BothPlatforms) -> None:
    shorten_slack_time_out(both)
    both.slack_api.stall_next("chat.postMessage", 1.5)


def slack_answers_after_the_time_out(both: BothPlatforms) -> None:
    shorten_slack_time_out(both)
    both.slack_api.answer_late_next("chat.postMessage", 1.5)


FAILURES = [
    pytest.param(slack_fails(500), id="slack-answers-500"),
    pytest.param(slack_fails(503, times=2), id="slack-answers-503-twice"),
    pytest.param(slack_fails(429, **{"Retry-After": "1"}), id="slack-rate-limits"),
    pytest.param(slack_times_out, id="slack-times-out"),
    pytest.param(telegram_fails(500), id="telegram-answers-500"),
    pytest.param(telegram_fails(429, retry_after=1), id="telegram-rate-limits"),
    pytest.param(
        slack_fails(500, "files.completeUploadExternal", times=3),
        id="slack-chart-upload-fails",
    ),
    pytest.param(
        telegram_fails(500, "sendPhoto"),
        id="telegram-chart-fails-once",
    ),
    pytest.param(
        slack_answers_after_the_time_out,
        id="slack-answers-after-the-time-out",
    ),
]
# The platform APIs fail here, not the database: one backend is enough.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
@pytest.mark.parametrize("failure", FAILURES)
async def test_the_daily_leaderboard_survives_a_failing_platform_and_is_posted_once(
    both, at_six_pm, failure
):
    assert "is created" in await both.ask(ALICE, "newteam Red Rockets")
    assert LOGGED.search(await both.ask(ALICE, "log 12 km run"))
    failure(both)
    assert await both.bot.schedule.post_leaderboard() is True
    assert_posted_once_everywhere(both)
    assert await both.bot.schedule.post_leaderboard() is False  # the ledger remembers it
    assert_posted_once_everywhere(both)
    assert ledger_keys(both) == [f"{both.bot.dispatcher.season_id}:leaderboard:2021-07-15"]


@SQLITE_ONLY
async def test_telegram_timing_out_does_not_hold_back_the_slack_leaderboard(
    both, at_six_pm, caplog
):
    # PTB gives up after its 5 s read time-out. Telegram may have posted the message anyway,
    # and the Bot API cannot tell: the outbox does not risk showing it twice.
    both.telegram_api.stall_next("sendMessage", 5.5)
    started = time.monotonic()
    posting = asyncio.create_task(both.bot.schedule.post_leaderboard())
    await wait_until(lambda: both.announcements()["slack files"], seconds=4)
    assert not posting.done(), "Telegram was still timing out"
    assert time.monotonic() - started < 4
    assert await posting is True
    assert both.telegram_api.stalls.held == ["sendMessage"]
    shown = both.announcements()
    assert (len(shown["slack messages"]), len(shown["slack files"])) == (1, 2)
    assert len(shown["telegram messages"]) == 0  # not resent
    assert "delivery_outcome_unknown" in caplog.text


@SQLITE_ONLY
async def test_telegram_down_for_every_attempt_still_lets_slack_post_once(both, at_six_pm):
    for _ in range(both.bot.outbox.attempts):
        both.telegram_api.fail_next("sendMessage", 502, "Bad Gateway")
    assert await both.bot.schedule.post_leaderboard() is True
    shown = both.announcements()
    assert (len(shown["slack messages"]), len(shown["telegram messages"])) == (1, 0)
    assert await both.bot.schedule.post_leaderboard() is False
    assert len(both.announcements()["slack messages"]) == 1
    assert both.scalar(select(func.count()).select_from(PostLedger)) == 1
