"""Telegram under load: bursts of logs from many people are all answered, one person's slow
command holds up nobody else, and each person's own commands keep their order."""
# ruff: noqa: F811 (the Telegram fixtures are imported and then asked for by name)

import asyncio
import re
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Activity
from tests.test_telegram import (  # noqa: F401
    WEBHOOK_SECRET,
    TelegramDriver,
    telegram,
    telegram_api,
    webhook,
)

PEOPLE = 35
LOGS_EACH = 4  # Telegram allows about one message a second per private chat
BUSY = "very busy right now"


def person(number: int) -> dict[str, Any]:
    return {"id": 5000 + number, "is_bot": False, "first_name": f"Runner{number}"}


def logged_count(driver: TelegramDriver) -> int:
    with Session(driver.bot.engine) as session:
        return session.scalar(select(func.count()).select_from(Activity))


async def join_everyone(driver: TelegramDriver, people: list[dict[str, Any]]) -> None:
    """Teams of ten: the first of each ten creates it, the others join."""
    captains = people[::10]
    await asyncio.gather(*(driver.ask(p, f"/newteam Team {n}") for n, p in enumerate(captains)))
    await asyncio.gather(
        *(driver.ask(p, f"/join Team {n // 10}") for n, p in enumerate(people) if n % 10)
    )


async def answers_to(driver: TelegramDriver, updates: list[dict], timeout: float) -> list[str]:
    """The one reply to each update, waiting up to `timeout` s for all of them."""
    wanted = [(u["message"]["chat"]["id"], u["message"]["message_id"]) for u in updates]

    def replies() -> dict[tuple[int, int], list[str]]:
        found: dict[tuple[int, int], list[str]] = {}
        for call in driver.api.called("sendMessage"):
            quoted = call.get("reply_parameters", {}).get("message_id")
            found.setdefault((int(call["chat_id"]), quoted), []).append(call["text"])
        return found

    await driver.api.wait_for(lambda: all(key in replies() for key in wanted), timeout=timeout)
    answered = replies()
    assert all(len(answered[key]) == 1 for key in wanted), "an update was answered twice"
    return [answered[key][0] for key in wanted]


async def test_a_burst_of_logs_from_35_people_is_answered_in_full(telegram):
    """35 people each send 4 logs in quick succession: every one is answered and stored,
    and the bot answers at once afterwards."""
    people = [person(n) for n in range(PEOPLE)]
    await join_everyone(telegram, people)
    updates = []
    for round_number in range(LOGS_EACH):
        for p in people:
            updates.append(telegram.send(p, f"/log {round_number % 4 + 1} km cycle"))
        await asyncio.sleep(0.005 * (round_number % 3))
    texts = await answers_to(telegram, updates, timeout=90)
    assert not [text for text in texts if BUSY in text]
    assert [text for text in texts if not text.startswith("Logged #")][:3] == []
    assert logged_count(telegram) == PEOPLE * LOGS_EACH
    started = time.monotonic()
    me = await telegram.ask(people[7], "/me")
    assert time.monotonic() - started < 2
    assert f"{sum(n % 4 + 1 for n in range(LOGS_EACH))} km" in me["text"]


async def test_one_persons_logs_are_stored_in_the_order_they_were_sent(telegram):
    people = [person(n) for n in range(3)]
    await join_everyone(telegram, people)
    updates = [telegram.send(people[0], f"/log {km} km walk") for km in range(1, 13)]
    texts = await answers_to(telegram, updates, timeout=30)
    ids = [int(re.search(r"Logged #(\d+)", text).group(1)) for text in texts]
    assert ids == sorted(ids)
    # Each reply's running total is the sum so far: the logs ran one after another.
    for km, text in enumerate(texts, start=1):
        assert f"You: {km * (km + 1) // 2} km this season" in text


async def test_a_slow_command_holds_up_nobody_else(telegram, monkeypatch: pytest.MonkeyPatch):
    """Alice's command takes 3 s (a slow photo fetch, a database wait); Bob's `/me`, sent
    after it, is answered long before."""
    alice, bob = person(1), person(2)
    await join_everyone(telegram, [alice, bob])
    answer = telegram.bot.dispatcher.answer

    async def slow_for_alice(incoming):
        if incoming.user_id == str(alice["id"]):
            await asyncio.sleep(3)
        return await answer(incoming)

    monkeypatch.setattr(telegram.bot.dispatcher, "answer", slow_for_alice)
    slow = telegram.send(alice, "/log 5 km run")
    await asyncio.sleep(0.3)
    started = time.monotonic()
    reply = await telegram.ask(bob, "/me")
    assert time.monotonic() - started < 2
    assert "Runner2" in reply["text"]
    assert telegram.api.replies_to(alice["id"], slow["message"]["message_id"]) == []
    (logged,) = await answers_to(telegram, [slow], timeout=10)
    assert logged.startswith("Logged #")


async def test_webhook_calls_at_once_are_all_answered(webhook):
    people = [person(n) for n in range(20)]
    created = [webhook.update(p, f"/newteam Team {n}") for n, p in enumerate(people)]
    statuses = await asyncio.gather(*(webhook.post_webhook(u, WEBHOOK_SECRET) for u in created))
    assert set(statuses) == {200}
    logs = [webhook.update(p, f"/log {n + 1} km cycle") for n, p in enumerate(people) for _ in "ab"]
    statuses = await asyncio.gather(*(webhook.post_webhook(u, WEBHOOK_SECRET) for u in logs))
    assert set(statuses) == {200}
    texts = await answers_to(webhook, logs, timeout=30)
    assert all(text.startswith("Logged #") for text in texts)
    assert logged_count(webhook) == 40
