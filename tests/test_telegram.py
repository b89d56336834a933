"""Telegram: the real python-telegram-bot Application, polling a fake Bot API on 127.0.0.1 or
called on the bot's webhook, fed Update JSON as the Bot API documents it."""

import itertools
import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import RunningBot, Secrets, start_bot
from bot.config import Config, ConfigError
from bot.replies import Attachment, Reply, Text, ToAnnouncementChats
from tests.conftest import Clock, make_config
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegramApi

BOT_TOKEN = "7000001:AAH-test-token-never-logged"
WEBHOOK_SECRET = "webhook-secret-0123456789"
WEBHOOK_URL = "https://challenge.example.com/telegram/webhook"

ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "last_name": "Keller"}
BOB = {"id": 1002, "is_bot": False, "first_name": "Bob", "username": "bob_rides"}
ADA = {"id": 1003, "is_bot": False, "first_name": "Ada", "last_name": "Admin"}
GROUP = {"id": -1001234567890, "title": "Summer Challenge", "type": "supergroup"}


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "first_name": user["first_name"], "type": "private"}


class TelegramDriver:
    """Sends what Telegram would send: updates to poll, or calls to the bot's webhook."""

    def __init__(self, bot: RunningBot, api: FakeTelegramApi) -> None:
        self.bot = bot
        self.api = api
        self.update_ids = itertools.count(500_000)
        self.message_ids = itertools.count(1)

    def update(
        self,
        user: dict[str, Any],
        text: str,
        chat: dict[str, Any] | None = None,
        edits: int | None = None,
    ) -> dict[str, Any]:
        """An Update with a text message (or, given `edits`, the edit of that message)."""
        message: dict[str, Any] = {
            "message_id": edits or next(self.message_ids),
            "from": {**user, "language_code": "en"},
            "chat": chat or private_chat(user),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if edits:
            message["edit_date"] = int(time.time())
        kind = "edited_message" if edits else "message"
        return {"update_id": next(self.update_ids), kind: message}

    def send(self, user: dict[str, Any], text: str, chat: dict[str, Any] | None = None) -> dict:
        update = self.update(user, text, chat)
        self.api.push(update)
        return update

    async def ask(
        self, user: dict[str, Any], text: str, chat: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send a message and wait for the bot's reply to it; returns the sendMessage call."""
        update = self.send(user, text, chat)
        return await self.reply_to(update)

    async def reply_to(self, update: dict[str, Any]) -> dict[str, Any]:
        message = update["message"]
        (reply,) = await self.api.wait_for(
            lambda: self.api.replies_to(message["chat"]["id"], message["message_id"])
        )
        return reply

    async def post_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        url = f"http://127.0.0.1:{self.bot.server.port}/telegram/webhook"
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update, headers=headers) as response:
                return response.status


def telegram_config(
    database_url: str, directory: Path, api: FakeTelegramApi, **telegram: Any
) -> Config:
    return make_config(
        database_url,
        directory,
        telegram={
            "enabled": True,
            "mode": "polling",
            "base_url": f"{api.url}/bot",
            "base_file_url": f"{api.url}/file/bot",
            **telegram,
        },
        server={"host": "127.0.0.1", "port": 0},
        admins={"slack": [], "telegram": [ADA["id"]]},
        announce=[{"platform": "telegram", "chat": GROUP["id"]}],
    )


@pytest.fixture
async def telegram_api():
    api = FakeTelegramApi(BOT_TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def telegram(database_url: str, tmp_path: Path, telegram_api: FakeTelegramApi, clock: Clock):
    config = telegram_config(database_url, tmp_path, telegram_api)
    bot = await start_bot(config, Secrets(telegram_bot_token=BOT_TOKEN), clock)
    driver = TelegramDriver(bot, telegram_api)
    yield driver
    await driver.bot.stop()


@pytest.fixture
async def webhook(database_url: str, tmp_path: Path, telegram_api: FakeTelegramApi, clock: Clock):
    config = telegram_config(
        database_url, tmp_path, telegram_api, mode="webhook", webhook_url=WEBHOOK_URL
    )
    secrets = Secrets(telegram_bot_token=BOT_TOKEN, telegram_webhook_secret=WEBHOOK_SECRET)
    bot = await start_bot(config, secrets, clock)
    yield TelegramDriver(bot, telegram_api)
    await bot.stop()


async def test_two_users_create_join_log_and_see_the_standings(telegram):
    created = await telegram.ask(ALICE, "/newteam Red Rockets")
    assert created["chat_id"] == str(ALICE["id"]) and created["parse_mode"] == "HTML"
    assert "Team Red Rockets is created, and you are its captain." in created["text"]

    joined = await telegram.ask(BOB, "/join@ChallengeBot red rockets", GROUP)
    assert joined["chat_id"] == str(GROUP["id"])
    assert "Welcome to Red Rockets!" in joined["text"]
    assert "<code>/log 5km run</code>" in joined["text"]

    logged = await telegram.ask(BOB, "/log 12km cycle", GROUP)
    assert "Logged #1: 12 km cycle on Thu 15 Jul 2021." in logged["text"]
    assert "Red Rockets: 12 km, rank 1 of 1 team." in logged["text"]

    standings = await telegram.ask(ALICE, "/standings")
    heading, table = standings["text"].split("\n", 1)
    assert heading == "<b>Team standings, Thu 15 Jul 2021</b>"
    assert table.startswith("<pre>") and table.endswith("</pre>")
    assert "&gt; 1  Red Rockets  12.0        2        6.0" in table


async def test_display_names_come_from_the_telegram_user(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await telegram.ask(BOB, "/join Red Rockets")
    team = await telegram.ask(BOB, "/team")
    assert "Alice Keller (captain)" in team["text"] and "Bob" in team["text"]


async def test_a_command_for_another_bot_or_plain_words_in_a_group_are_ignored(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    ignored = [
        telegram.send(ALICE, "/log@OtherBot 5 km run", GROUP),
        telegram.send(ALICE, "log 5 km run", GROUP),
    ]
    standings = await telegram.ask(ALICE, f"/standings@{BOT_USERNAME}", GROUP)
    assert "Red Rockets  0.0" in standings["text"]
    for update in ignored:
        assert telegram.api.replies_to(GROUP["id"], update["message"]["message_id"]) == []


async def test_plain_words_work_in_a_private_chat(telegram):
    reply = await telegram.ask(BOB, "standings")
    assert "No teams yet. Be the first!" in reply["text"]
    assert "<code>/newteam Red Rockets</code>" in reply["text"]


async def test_an_edited_command_is_not_run_again(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    first = await telegram.ask(ALICE, "/log 5 km run")
    edit = telegram.update(ALICE, "/log 50 km run", edits=first["reply_parameters"]["message_id"])
    telegram.api.push(edit)
    me = await telegram.ask(ALICE, "/me")
    assert "Alice Keller: 5 km" in me["text"]
    assert len(telegram.api.called("sendMessage")) == 3


async def test_a_team_named_like_markup_is_shown_escaped(telegram):
    created = await telegram.ask(ALICE, "/newteam <b>x</b>")
    assert "Team &lt;b&gt;x&lt;/b&gt; is created" in created["text"]
    standings = await telegram.ask(ALICE, "/standings")
    assert "&lt;b&gt;x&lt;/b&gt;" in standings["text"]
    assert "<b>x</b>" not in created["text"] + standings["text"]


async def test_the_time_zone_set_with_timezone_decides_today(telegram, clock):
    await telegram.ask(BOB, "/newteam Tokyo Tigers")
    await telegram.ask(BOB, "/timezone Asia/Tokyo")
    # 17:00 in London is 01:00 the next day in Tokyo.
    clock.now = clock.now.replace(hour=17)
    logged = await telegram.ask(BOB, "/log 5 km run")
    assert "on Fri 16 Jul 2021" in logged["text"]


async def test_the_export_is_sent_to_the_admins_private_chat_only(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await telegram.ask(ALICE, "/log 3 km walk")
    refused = await telegram.ask(ALICE, "/admin export", GROUP)
    assert "Only the challenge admins can do that." in refused["text"]

    reply = await telegram.ask(ADA, "/admin export", GROUP)
    assert "Every activity of the season" in reply["text"]
    (document,) = await telegram.api.wait_for(lambda: telegram.api.called("sendDocument"))
    assert document["chat_id"] == str(ADA["id"])
    lines = document["document"]["content"].decode().splitlines()
    assert lines[0].startswith("id,day,kind,distance_m")
    assert ",walk,3000,Alice Keller,Red Rockets," in lines[1]


async def test_an_admin_who_never_opened_a_private_chat_is_told_how(telegram):
    telegram.api.fail_next("sendDocument", 403, "Forbidden: bot can't initiate conversation")
    update = telegram.send(ADA, "/admin export", GROUP)
    await telegram.api.wait_for(
        lambda: len(telegram.api.replies_to(GROUP["id"], update["message"]["message_id"])) == 2
    )
    notice = telegram.api.replies_to(GROUP["id"], update["message"]["message_id"])[1]
    assert f"open @{BOT_USERNAME}, press Start" in notice["text"]


async def test_announcements_and_notices_reach_their_chats(telegram):
    await telegram.ask(BOB, "/newteam Tokyo Tigers")
    await telegram.ask(BOB, "/log 5 km run")
    await telegram.ask(ADA, "/admin announce Last week, <keep> going!")
    (announcement,) = await telegram.api.wait_for(
        lambda: [m for m in telegram.api.messages_to(GROUP["id"]) if "Last week" in m["text"]]
    )
    assert announcement["text"] == "Last week, &lt;keep&gt; going!"
    assert "reply_parameters" not in announcement

    await telegram.ask(ADA, "/admin remove 1 duplicate")
    (notice,) = await telegram.api.wait_for(
        lambda: [m for m in telegram.api.messages_to(BOB["id"]) if "An admin removed" in m["text"]]
    )
    assert "Reason: duplicate." in notice["text"]


async def test_an_announced_image_is_sent_as_a_photo(telegram):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    reply = Reply(
        (Text("Today's leaderboard"), Attachment("chart.png", png, "image/png")),
        ToAnnouncementChats(),
    )
    assert await telegram.bot.outbox.deliver(reply) == 1
    (photo,) = telegram.api.called("sendPhoto")
    assert photo["chat_id"] == str(GROUP["id"]) and photo["photo"]["content"] == png


async def test_commands_are_registered_for_everyone_and_for_admins(telegram):
    default, admin = telegram.api.called("setMyCommands")
    everyone = [command["command"] for command in default["commands"]]
    assert everyone[:3] == ["help", "newteam", "join"]
    assert {"log", "standings", "me", "timezone"} <= set(everyone) and "admin" not in everyone
    assert default["scope"] == {"type": "default"}
    assert all(c["description"] for c in default["commands"])
    assert admin["scope"] == {"type": "chat", "chat_id": ADA["id"]}
    (admin_entry,) = [c for c in admin["commands"] if c["command"] == "admin"]
    assert "remove ID REASON" in admin_entry["description"]
    assert "export" in admin_entry["description"]
    # Polling needs no webhook.
    assert telegram.api.called("deleteWebhook") and not telegram.api.called("setWebhook")


# PTB's own RetryAfter warns that its `retry_after` will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_rate_limited_reply_is_sent_again_after_retry_after(telegram):
    telegram.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    started = time.monotonic()
    reply = await telegram.ask(ALICE, "/totals")
    assert time.monotonic() - started >= 1
    assert "Summer Challenge 2021: 0 km so far" in reply["text"]
    (refused,) = telegram.api.refused
    assert refused.params["text"] == reply["text"]


async def test_an_update_delivered_again_after_a_restart_logs_once(
    telegram, database_url, tmp_path, clock
):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    update = telegram.send(ALICE, "/log 2 km run")
    await telegram.reply_to(update)
    await telegram.bot.stop()

    # The new process has no memory of the update; the database remembers its delivery.
    telegram.api.push(update)
    config = telegram_config(database_url, tmp_path, telegram.api)
    telegram.bot = await start_bot(config, Secrets(telegram_bot_token=BOT_TOKEN), clock)
    team = await telegram.ask(ALICE, "/team")
    assert "Red Rockets: 2 km" in team["text"]
    message_id = update["message"]["message_id"]
    assert len(telegram.api.replies_to(ALICE["id"], message_id)) == 1


async def test_the_token_is_never_logged(database_url, tmp_path, telegram_api, clock, caplog):
    caplog.set_level(logging.DEBUG)
    config = telegram_config(database_url, tmp_path, telegram_api)
    bot = await start_bot(config, Secrets(telegram_bot_token=BOT_TOKEN), clock)
    driver = TelegramDriver(bot, telegram_api)
    await driver.ask(ALICE, "/newteam Red Rockets")
    await bot.stop()
    assert any(record.name.startswith("telegram.ext") for record in caplog.records)
    assert BOT_TOKEN not in caplog.text and BOT_TOKEN.split(":")[1] not in caplog.text


async def test_a_rejected_token_stops_start_up_without_showing_it(tmp_path, telegram_api, clock):
    config = telegram_config(f"sqlite:///{tmp_path / 'bot.db'}", tmp_path, telegram_api)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN was rejected") as raised:
        await start_bot(config, Secrets(telegram_bot_token="1:wrong-token"), clock)
    assert "wrong-token" not in str(raised.value)


async def test_the_webhook_is_set_with_the_secret_at_start(webhook):
    (call,) = webhook.api.called("setWebhook")
    assert call["url"] == WEBHOOK_URL and call["secret_token"] == WEBHOOK_SECRET
    assert not webhook.api.called("getUpdates")


async def test_a_webhook_call_without_the_right_secret_gets_403_and_changes_nothing(webhook):
    sneaky = webhook.update(ALICE, "/newteam Sneaky")
    assert await webhook.post_webhook(sneaky, secret=None) == 403
    assert await webhook.post_webhook(webhook.update(ALICE, "/newteam Sneaky"), "wrong") == 403
    assert webhook.api.called("sendMessage") == []

    standings = webhook.update(ALICE, "/standings")
    assert await webhook.post_webhook(standings, WEBHOOK_SECRET) == 200
    reply = await webhook.reply_to(standings)
    assert "No teams yet" in reply["text"]


async def test_a_repeated_webhook_update_logs_once_and_answers_once(webhook):
    await webhook.post_webhook(webhook.update(ALICE, "/newteam Red Rockets"), WEBHOOK_SECRET)
    update = webhook.update(ALICE, "/log 2 km run")
    assert await webhook.post_webhook(update, WEBHOOK_SECRET) == 200
    assert await webhook.post_webhook(update, WEBHOOK_SECRET) == 200
    await webhook.reply_to(update)

    team = webhook.update(ALICE, "/team")
    await webhook.post_webhook(team, WEBHOOK_SECRET)
    assert "Red Rockets: 2 km" in (await webhook.reply_to(team))["text"]
    assert len(webhook.api.replies_to(ALICE["id"], update["message"]["message_id"])) == 1


async def test_a_malformed_webhook_call_gets_400(webhook):
    assert await webhook.post_webhook({"message": {"text": "/help"}}, WEBHOOK_SECRET) == 400
