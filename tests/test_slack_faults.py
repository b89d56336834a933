"""Slack faults: forged or garbled requests, a slow or failing `users.info`, sends Slack refuses
for good, and what the adapter tells /healthz. The real Bolt app behind the bot's server,
signed requests in, the fake Slack Web API on 127.0.0.1."""

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.platforms.outbox import RetryLater, Undeliverable
from bot.replies import Attachment, Reply, Text
from tests import test_slack
from tests.fakes.platform_requests import FORM, button_press_body, slash_command_body
from tests.fakes.slack_api import signed_headers
from tests.test_slack import BOT_TOKEN, SIGNING_SECRET, SlackDriver, reply_text, wait_for

# The Slack tests' fixtures: the real bot over HTTP, and the fake Slack Web API.
slack, slack_api = test_slack.slack, test_slack.slack_api

COMMAND = slash_command_body("UEVE", "newteam Sneaky Snakes", "/challenge", 1)
FORGED = {"X-Slack-Signature": "v0=" + "0" * 64}


def signed_at(stamp: str) -> dict[str, str]:
    """Headers signing COMMAND correctly, over a timestamp however odd."""
    return signed_headers(SIGNING_SECRET, COMMAND, timestamp=stamp)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info]


def logged(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage() == event]


def without(form: str, key: str) -> str:
    """A form-encoded body with one field left out."""
    return urlencode([(name, value) for name, value in parse_qsl(form) if name != key])


def press_without_trigger() -> str:
    """A button press whose payload has no trigger_id."""
    button = {
        "action_id": "challenge-button-0",
        "text": {"type": "plain_text", "text": "WWF"},
        "value": "newteam Sneaky Snakes",
    }
    (field,) = parse_qsl(button_press_body("UEVE", button, "C0123456789"))
    payload = json.loads(field[1])
    del payload["trigger_id"]
    return urlencode({"payload": json.dumps(payload)})


def event_without_id() -> str:
    return json.dumps(
        {
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "DUEVE",
                "user": "UEVE",
                "text": "newteam Sneaky Snakes",
                "ts": "1.2",
            },
            "event_time": int(time.time()),
        }
    )


async def nothing_happened(slack: SlackDriver) -> None:
    """No team was made, and the bot said nothing to anyone."""
    standings = await slack.command("UALICE", "standings")
    assert "No teams yet" in reply_text(standings)
    assert not [call for call in slack.api.calls if call.method.startswith("chat.")]


# -- signatures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "headers"),
    [
        pytest.param(b"\xff\xfe" + COMMAND.encode(), FORM, FORGED, id="not-utf8"),
        pytest.param(b"payload={not json", FORM, FORGED, id="payload-not-json"),
        pytest.param(COMMAND.encode(), FORM, signed_at("abc"), id="timestamp-letters"),
        pytest.param(COMMAND.encode(), FORM, signed_at(""), id="timestamp-empty"),
        pytest.param(COMMAND.encode(), FORM, signed_at("1e3"), id="timestamp-exponent"),
        pytest.param(COMMAND.encode(), FORM, signed_at("9" * 400), id="timestamp-400-digits"),
        pytest.param(COMMAND.encode(), FORM, signed_at(" 1"), id="timestamp-spaced"),
        pytest.param(
            COMMAND.encode(), FORM, {"X-Slack-Signature": "v0=ü" + "0" * 63}, id="signature-utf8"
        ),
    ],
)
async def test_a_badly_signed_request_gets_401_in_one_log_line_without_its_body(
    slack, caplog, body: bytes, content_type: str, headers: dict[str, str]
):
    caplog.set_level(logging.INFO)
    response = await slack.post(body, content_type, **headers)
    assert response.status == 401
    assert tracebacks(caplog) == []
    (refusal,) = logged(caplog, "slack_request_refused")
    assert refusal.levelno == logging.WARNING
    everything_logged = " ".join(str(vars(record)) for record in caplog.records)
    assert "Sneaky" not in everything_logged and "not json" not in everything_logged
    # Refused before Bolt saw it: not even its first auth.test was made.
    assert slack.api.calls == []
    await nothing_happened(slack)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"\xff\xfe" + COMMAND.encode(), FORM, id="not-utf8"),
        pytest.param("payload={not json", FORM, id="payload-not-json"),
        pytest.param("payload=[1,2]", FORM, id="payload-a-list"),
        pytest.param("{not json", "application/json", id="event-not-json"),
        pytest.param(without(COMMAND, "user_id"), FORM, id="command-without-user"),
        pytest.param(without(COMMAND, "trigger_id"), FORM, id="command-without-trigger"),
        pytest.param(press_without_trigger(), FORM, id="press-without-trigger"),
        pytest.param(event_without_id(), "application/json", id="event-without-id"),
    ],
)
async def test_a_signed_but_malformed_request_gets_400_and_changes_nothing(
    slack, caplog, body: str | bytes, content_type: str
):
    caplog.set_level(logging.INFO)
    # Twice: a request without its keys must not pass as a repeat of the first either.
    statuses = [(await slack.post(body, content_type)).status for _ in range(2)]
    await slack.settle()
    assert statuses == [400, 400]
    assert tracebacks(caplog) == []
    await nothing_happened(slack)


# -- users.info --------------------------------------------------------------------------------


async def test_a_slow_users_info_does_not_delay_a_new_users_answer(slack):
    slack.api.delays["users.info"] = 5.0
    loop = asyncio.get_running_loop()

    started = loop.time()
    created = await slack.command("UBOB", "newteam Tokyo Tigers", settle=False)
    assert loop.time() - started < 1.5, "Slack gives up on an ack after 3 s"
    assert "Team Tokyo Tigers is created" in reply_text(created)
    # Not known yet: his Slack id stands in for his name.
    started = loop.time()
    team = await slack.command("UBOB", "team", settle=False)
    assert loop.time() - started < 1.5
    assert "UBOB (captain)" in reply_text(team)

    await slack.settle()  # the profile arrives after the answers
    assert [call["user"] for call in slack.api.called("users.info")] == ["UBOB"]
    # 17:00 in London is already the 16th in Tokyo: his time zone is known now.
    slack.bot.dispatcher.clock.now = slack.bot.dispatcher.clock.now.replace(hour=17)
    logged_run = await slack.command("UBOB", "5 km run", command="/log")
    assert "on Fri 16 Jul 2021" in reply_text(logged_run)
    assert "Bob (captain)" in reply_text(await slack.command("UBOB", "team"))
    assert len(slack.api.called("users.info")) == 1


async def test_a_failing_users_info_falls_back_with_one_warning(slack, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(3):  # the first call and the SDK's two retries of a server error
        slack.api.fail_next("users.info", 500, text="Internal Server Error")

    created = await slack.command("UALICE", "newteam Red Rockets")
    assert "Team Red Rockets is created" in reply_text(created)
    assert tracebacks(caplog) == []
    (warning,) = logged(caplog, "slack_users_info_failed")
    assert warning.levelno == logging.WARNING
    assert BOT_TOKEN not in str(vars(warning)) and "Red Rockets" not in str(vars(warning))

    # Slack answers again: the next command brings her name.
    assert "Alice (captain)" in reply_text(await slack.command("UALICE", "team"))


# -- the outbox's sender -----------------------------------------------------------------------

ANNOUNCEMENT = Reply((Text("Last week, keep going!"),))
CHART = Attachment("standings.png", b"\x89PNG fake", "image/png")


async def send(slack: SlackDriver, how: str) -> Any:
    """One of the outbox's sends, through the Slack adapter."""
    adapter = slack.bot.adapters[0]
    match how:
        case "post_text":
            return await adapter.post_text("C0123456789", ANNOUNCEMENT)
        case "post_file":
            return await adapter.post_file("C0123456789", CHART)
        case "open_direct":
            return await adapter.open_direct("UALICE")


@pytest.mark.parametrize(
    ("how", "method", "error"),
    [
        ("post_text", "chat.postMessage", "not_in_channel"),
        ("post_text", "chat.postMessage", "channel_not_found"),
        ("post_text", "chat.postMessage", "is_archived"),
        ("post_text", "chat.postMessage", "invalid_auth"),
        ("post_text", "chat.postMessage", "token_revoked"),
        ("post_text", "chat.postMessage", "restricted_action"),
        ("post_file", "files.getUploadURLExternal", "missing_scope"),
        ("post_file", "files.completeUploadExternal", "not_in_channel"),
        ("open_direct", "conversations.open", "cannot_dm_bot"),
        ("open_direct", "conversations.open", "user_not_found"),
        ("open_direct", "conversations.open", "user_disabled"),
        ("open_direct", "conversations.open", "account_inactive"),
    ],
)
async def test_a_send_slack_refuses_for_good_is_undeliverable(
    slack, how: str, method: str, error: str
):
    slack.api.fail_next(method, 200, error=error)
    with pytest.raises(Undeliverable) as refused:
        await send(slack, how)
    assert refused.value.reason == error


async def test_a_passing_slack_error_is_left_for_the_outbox_to_retry(slack):
    slack.api.fail_next("chat.postMessage", 200, error="internal_error")
    with pytest.raises(Exception) as failed:
        await send(slack, "post_text")
    assert not isinstance(failed.value, Undeliverable | RetryLater)
    await send(slack, "post_text")
    assert len(slack.api.messages_to("C0123456789")) == 2


async def test_a_rate_limit_that_outlasts_the_sdks_retries_says_when_to_come_back(slack):
    for _ in range(3):  # what the SDK's own rate-limit handler waits out
        slack.api.fail_next("chat.postMessage", 429, {"Retry-After": "0"}, error="ratelimited")
    slack.api.fail_next("chat.postMessage", 429, {"Retry-After": "7"}, error="ratelimited")
    with pytest.raises(RetryLater) as later:
        await send(slack, "post_text")
    assert later.value.seconds == 7


# -- health ------------------------------------------------------------------------------------


async def test_health_follows_the_adapter_and_each_update_it_takes(slack):
    adapter = slack.bot.adapters[0]
    assert adapter.health.state == "running"
    assert adapter.health.last_processed_at is None

    slack.api.delays["users.info"] = 0.3  # a new user's first update takes a moment
    command = asyncio.create_task(slack.command("UALICE", "newteam Red Rockets", settle=False))
    await wait_for(lambda: adapter.health.waiting == 1)
    await command
    assert adapter.health.waiting == 0 and adapter.health.last_processed_at is not None

    answered = adapter.health.last_processed_at
    slack.api.delays["users.info"] = 0.3
    dm = asyncio.create_task(slack.dm("UBOB", "totals", event_id="EvHealth"))
    await wait_for(lambda: adapter.health.waiting == 1)
    await dm
    assert adapter.health.waiting == 0 and adapter.health.last_processed_at > answered

    await adapter.stop()
    assert adapter.health.state == "stopped"
