"""Telegram: the real python-telegram-bot Application, polling a fake Bot API on 127.0.0.1 or
called on the bot's webhook, fed Update JSON as the Bot API documents it."""

import io
import itertools
import logging
import time
from html import escape
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import i18n
from bot.app import RunningBot, Secrets, start_bot
from bot.config import Config, ConfigError
from bot.render.telegram import keyboard
from bot.replies import Attachment, Button, Buttons, Reply, Text, ToAnnouncementChats
from storage.models import Ballot, PhotoEntry
from tests.conftest import Clock, enter_photos, make_config
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, MESSAGE_LIMIT, FakeTelegramApi

BOT_TOKEN = "7000001:AAH-test-token-never-logged"
WEBHOOK_SECRET = "webhook-secret-0123456789"
WEBHOOK_URL = "https://challenge.example.com/telegram/webhook"

ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "last_name": "Keller"}
BOB = {"id": 1002, "is_bot": False, "first_name": "Bob", "username": "bob_rides"}
ADA = {"id": 1003, "is_bot": False, "first_name": "Ada", "last_name": "Admin"}
GROUP = {"id": -1001234567890, "title": "Summer Challenge", "type": "supergroup"}
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Challenge", "username": BOT_USERNAME}
MB = 1024 * 1024


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "first_name": user["first_name"], "type": "private"}


def picture(kind: str = "JPEG", colour: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=kind)
    return buffer.getvalue()


THUMBNAIL = picture(size=(8, 6))


class TelegramDriver:
    """Sends what Telegram would send: updates to poll, or calls to the bot's webhook."""

    def __init__(self, bot: RunningBot, api: FakeTelegramApi) -> None:
        self.bot = bot
        self.api = api
        self.update_ids = itertools.count(500_000)
        self.message_ids = itertools.count(1)
        self.query_ids = itertools.count(800_000)

    def message(
        self, user: dict[str, Any], chat: dict[str, Any] | None, message_id: int | None = None
    ) -> dict[str, Any]:
        return {
            "message_id": message_id or next(self.message_ids),
            "from": {"language_code": "en", **user},
            "chat": chat or private_chat(user),
            "date": int(time.time()),
        }

    def update(
        self,
        user: dict[str, Any],
        text: str,
        chat: dict[str, Any] | None = None,
        edits: int | None = None,
    ) -> dict[str, Any]:
        """An Update with a text message (or, given `edits`, the edit of that message)."""
        message = {**self.message(user, chat, edits), "text": text}
        if text.startswith("/"):
            message["entities"] = command_entities(text)
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

    def send_image(
        self,
        user: dict[str, Any],
        content: bytes,
        caption: str | None = None,
        chat: dict[str, Any] | None = None,
        *,
        file_name: str | None = None,
        size: int | None = None,
        size_in_message: bool = True,
    ) -> dict[str, Any]:
        """A photo (a thumbnail, then the full size), or with `file_name` a file, as Telegram
        sends them; `size` is what Telegram reports in place of the real size."""
        file_id = self.api.add_file(content, size)
        about: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id}
        if size_in_message:
            about["file_size"] = size or len(content)
        message = self.message(user, chat)
        if file_name is not None:
            message["document"] = {**about, "file_name": file_name, "mime_type": "image/jpeg"}
        else:
            thumbnail = self.api.add_file(THUMBNAIL)
            message["photo"] = [
                {"file_id": thumbnail, "file_unique_id": thumbnail, "width": 8, "height": 6},
                {**about, "width": 64, "height": 48},
            ]
        if caption is not None:
            message["caption"] = caption
            if caption.startswith("/"):
                message["caption_entities"] = command_entities(caption)
        update = {"update_id": next(self.update_ids), "message": message}
        self.api.push(update)
        return update

    async def enter(self, user: dict[str, Any], content: bytes, caption: str, **extra: Any) -> str:
        """Send an image and wait for the reply's text."""
        return (await self.reply_to(self.send_image(user, content, caption, **extra)))["text"]

    def press_update(
        self,
        user: dict[str, Any],
        data: str,
        chat: dict[str, Any] | None,
        query_id: str,
        under: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A press of a button under one of the bot's messages (`under`, as it was sent)."""
        query = {
            "id": query_id,
            "from": user,
            "chat_instance": "-55501",
            "message": under
            or {**self.message(BOT, chat or private_chat(user)), "text": "buttons"},
            "data": data,
        }
        return {"update_id": next(self.update_ids), "callback_query": query}

    async def press(
        self,
        user: dict[str, Any],
        data: str,
        chat: dict[str, Any] | None = None,
        query_id: str | None = None,
        under: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Press a button and wait for the answerCallbackQuery call, the presser's toast."""
        query_id = query_id or str(next(self.query_ids))
        before = len(self.api.answers_to(query_id))
        self.api.push(self.press_update(user, data, chat, query_id, under))
        answers = await self.api.wait_for(lambda: self.api.answers_to(query_id)[before:])
        return answers[0]

    async def message_saying(self, chat: dict[str, Any], words: str) -> dict[str, Any]:
        """Wait for the bot's message in `chat` containing `words`."""
        (message,) = await self.api.wait_for(
            lambda: [m for m in self.api.messages_to(chat["id"]) if words in m["text"]]
        )
        return message

    def count(self, model: type) -> int:
        with Session(self.bot.engine) as session:
            return session.scalar(select(func.count()).select_from(model))

    async def post_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        url = f"http://127.0.0.1:{self.bot.server.port}/telegram/webhook"
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update, headers=headers) as response:
                return response.status


def command_entities(text: str) -> list[dict[str, Any]]:
    return [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]


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
    calls = telegram.api.called("setMyCommands")
    default, admin = [call for call in calls if "language_code" not in call]
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
    await driver.enter(ALICE, picture(), "/photo Sunrise")  # a download, its URL has the token
    await driver.press(ALICE, "vote")
    await bot.stop()
    assert telegram_api.downloads
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


# -- photos ----------------------------------------------------------------------------------


async def test_a_jpeg_and_a_png_captioned_photo_are_entered_and_stored(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    jpeg, png = picture("JPEG"), picture("PNG", "blue")
    entered = await telegram.enter(ALICE, jpeg, "/photo Sunrise")
    assert "Entered photo #1 Sunrise in the competition (1 of 3). Good luck!" in entered
    entered = await telegram.enter(ALICE, png, f"/photo@{BOT_USERNAME} Sunrise again", chat=GROUP)
    assert "Entered photo #2 Sunrise again" in entered
    # The largest size, never the thumbnail, is what gets stored.
    media_dir = telegram.bot.config.photos.media_dir
    assert {path.read_bytes() for path in media_dir.iterdir()} == {jpeg, png}
    assert telegram.count(PhotoEntry) == 2


async def test_an_image_sent_as_a_file_is_checked_by_its_content_not_its_name(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    refused = await telegram.enter(ALICE, b"just some text\n", "/photo Fake", file_name="fake.jpg")
    assert "That file is not a picture I can read; send a JPEG, PNG or WebP photo." in refused
    assert "<code>/photo Sunrise over the Taff</code>" in refused
    entered = await telegram.enter(ALICE, picture("PNG"), "/photo Lake", file_name="lake.txt")
    assert "Entered photo #1 Lake" in entered
    assert telegram.count(PhotoEntry) == 1


async def test_an_oversized_photo_is_refused_without_being_downloaded(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    # getFile says 11 MB, though the message did not tell the size.
    big_photo = telegram.send_image(
        ALICE, picture(), "/photo Huge", size=11 * MB, size_in_message=False
    )
    assert "That photo is over 10 MB" in (await telegram.reply_to(big_photo))["text"]
    # The message itself says 25 MB: getFile (which refuses over 20 MB) is not even asked.
    getfile_calls = len(telegram.api.called("getFile"))
    huge_file = await telegram.enter(
        ALICE, picture(), "/photo Huge", file_name="huge.jpg", size=25 * MB
    )
    assert "That photo is over 10 MB" in huge_file
    assert len(telegram.api.called("getFile")) == getfile_calls
    assert telegram.api.downloads == [] and telegram.count(PhotoEntry) == 0


async def test_a_photo_telegram_fails_to_hand_over_is_asked_for_again(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    telegram.api.fail_next("getFile", 400, "Bad Request: invalid file_id")
    refused = await telegram.enter(ALICE, picture(), "/photo Sunrise")
    assert "I couldn't fetch that file; please send it again." in refused
    assert telegram.api.downloads == [] and telegram.count(PhotoEntry) == 0


async def test_a_photo_captioned_with_a_command_that_takes_none_is_offered_not_fetched(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await offer_for(telegram, telegram.send_image(ALICE, picture(), "/photos"))
    assert telegram.api.called("getFile") == [] and telegram.api.downloads == []


async def offer_for(telegram: TelegramDriver, update: dict[str, Any]) -> tuple[dict, str]:
    """The bot's offer to enter a photo, as the bot received it back, and its button's data."""
    offer = await telegram.reply_to(update)
    assert "Enter this photo in the competition?" in offer["text"]
    ((button,),) = offer["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Enter it" and len(button["callback_data"].encode()) <= 64
    return telegram.api.sent_message(offer), button["callback_data"]


async def test_a_photo_without_caption_is_entered_when_its_sender_confirms(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    ignored = telegram.send_image(ALICE, picture(colour="green"), chat=GROUP)
    offer, data = await offer_for(telegram, telegram.send_image(ALICE, picture()))

    not_yours = await telegram.press(BOB, data, under=offer)
    assert not_yours["text"] == "Only the person who sent this photo can enter it."
    assert telegram.count(PhotoEntry) == 0

    entered = await telegram.press(ALICE, data, under=offer)
    assert entered["text"] == "Entered photo #1 in the competition (1 of 3). Good luck!"
    await telegram.message_saying(ALICE, "Entered photo #1 in the competition")
    again = await telegram.press(ALICE, data, under=offer)
    assert again["text"] == "You already entered this photo."
    assert telegram.count(PhotoEntry) == 1
    assert telegram.api.replies_to(GROUP["id"], ignored["message"]["message_id"]) == []


async def test_the_caption_of_a_confirmed_photo_is_its_title(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    offer, data = await offer_for(telegram, telegram.send_image(ALICE, picture(), "Sunset ride"))
    entered = await telegram.press(ALICE, data, under=offer)
    assert entered["text"].startswith("Entered photo #1 Sunset ride in the competition")


async def test_a_photo_offered_before_a_restart_is_entered_by_another_instance(
    database_url, tmp_path, telegram_api, clock
):
    config = telegram_config(database_url, tmp_path, telegram_api)
    secrets = Secrets(telegram_bot_token=BOT_TOKEN)
    first = TelegramDriver(await start_bot(config, secrets, clock), telegram_api)
    await first.ask(ALICE, "/newteam Red Rockets")
    offer, data = await offer_for(first, first.send_image(ALICE, picture(), "Misty morning"))
    await first.bot.stop()

    second = TelegramDriver(await start_bot(config, secrets, clock), telegram_api)
    try:
        entered = await second.press(ALICE, data, under=offer)
        assert entered["text"].startswith("Entered photo #1 Misty morning in the competition")
        assert second.count(PhotoEntry) == 1
    finally:
        await second.bot.stop()


async def test_a_press_under_an_offer_whose_photo_is_gone_asks_for_it_again(telegram):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    offer, data = await offer_for(telegram, telegram.send_image(ALICE, picture()))
    del offer["reply_to_message"]  # the photo was deleted
    gone = await telegram.press(ALICE, data, under=offer)
    assert gone["text"] == "That photo is no longer there; please send it again."
    assert telegram.count(PhotoEntry) == 0


async def test_the_winning_photo_is_announced_with_its_image_after_the_text(telegram):
    await telegram.ask(BOB, "/newteam Blue Bears")
    jpeg = picture("JPEG", "orange")
    await telegram.enter(BOB, jpeg, "/photo Sunset ride")
    await telegram.ask(ADA, "/admin photos winner 1")
    announcement = await telegram.message_saying(GROUP, "The photo competition has a winner!")
    assert "Sunset ride, by Bob." in announcement["text"] and "File:" not in announcement["text"]
    assert await telegram.api.wait_for(lambda: telegram.api.photos_to(GROUP["id"])) == [jpeg]


async def test_a_list_too_long_for_one_message_comes_in_several(telegram, clock):
    await telegram.ask(ADA, "/newteam Admins & Co")
    titles = [f"Morning ride <{number:03}> over the hills & far away" for number in range(150)]
    enter_photos(telegram.bot.engine, titles, clock())

    first = await telegram.ask(ADA, "/admin photos list")
    messages = await telegram.api.wait_for(
        lambda: (
            (sent := telegram.api.messages_to(ADA["id"]))[-1:]
            and "Pick the winner" in sent[-1]["text"]
            and sent[sent.index(first) :]
        )
    )
    texts = [message["text"] for message in messages]
    assert len(texts) >= 3 and not telegram.api.refused
    assert texts[0].startswith("<b>150 photo entries</b>\n<pre>")
    every_row = "".join(texts)
    for title in titles:
        assert every_row.count(escape(title)) == 1
    # Each message stands alone: its tables are closed, and each part keeps its header.
    for text in texts:
        assert len(text) <= MESSAGE_LIMIT
        assert text.count("<pre>") == text.count("</pre>") >= 1
        assert all(table.lstrip().startswith("id  by") for table in text.split("<pre>")[1:])


# -- the charity vote by buttons -------------------------------------------------------------


async def open_vote(telegram: TelegramDriver) -> dict[str, Any]:
    """Two teams, two charities, the vote opened by the admin: the group's announcement."""
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await telegram.ask(BOB, "/newteam Blue Bears")
    await telegram.ask(ADA, "/admin charity add WWF")
    await telegram.ask(ADA, "/admin charity add Oxfam")
    opened = await telegram.ask(ADA, "/admin vote open")
    assert "The vote is open and announced." in opened["text"]
    return await telegram.message_saying(GROUP, "Vote for our charity!")


async def test_an_admin_opens_the_vote_and_the_group_gets_a_button_per_charity(telegram):
    announcement = await open_vote(telegram)
    assert announcement["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "WWF", "callback_data": "vote #1"}],
            [{"text": "Oxfam", "callback_data": "vote #2"}],
        ]
    }
    ballot = await telegram.ask(ALICE, "/vote")
    assert "You have not voted yet." in ballot["text"]
    assert len(ballot["reply_markup"]["inline_keyboard"]) == 2


async def test_votes_by_button_count_one_per_person_changes_and_double_presses_included(
    telegram,
):
    await open_vote(telegram)
    first = await telegram.press(ALICE, "vote #1", GROUP, query_id="q-alice")
    assert first["text"] == "Your vote: WWF. You can change it until the vote closes."
    again = await telegram.press(ALICE, "vote #1", GROUP, query_id="q-alice")
    assert again.get("text", "") == ""
    await telegram.press(BOB, "vote #2", GROUP)
    changed = await telegram.press(BOB, "vote #1")
    assert changed["text"].startswith("Your vote: WWF (changed).")
    await telegram.message_saying(BOB, "Your vote: WWF (changed).")

    await telegram.ask(ADA, "/admin vote close")
    result = await telegram.message_saying(GROUP, "The charity vote is closed")
    assert "WWF          2" in result["text"] and "Oxfam        0" in result["text"]
    assert "WWF wins and receives the donation." in result["text"]
    assert telegram.count(Ballot) == 2
    # In the group each presser saw only a toast; the group saw only the announcements.
    assert len(telegram.api.messages_to(GROUP["id"])) == 2
    assert len(telegram.api.called("answerCallbackQuery")) == 4


async def test_a_participant_pressing_an_admin_button_is_refused_with_no_effect(telegram):
    await open_vote(telegram)
    refused = await telegram.press(ALICE, "admin vote close", GROUP)
    assert refused["text"] == "Only the challenge admins can do that."
    unknown = await telegram.press(ALICE, "launch rockets", GROUP)
    assert unknown["text"].startswith("I don't know the command 'launch'.")
    voted = await telegram.press(ALICE, "vote #2", GROUP)
    assert voted["text"].startswith("Your vote: Oxfam.")
    assert len(telegram.api.messages_to(GROUP["id"])) == 1
    assert len(telegram.api.called("answerCallbackQuery")) == 3


async def test_a_button_press_delivered_again_after_a_restart_counts_once(
    telegram, database_url, tmp_path, clock
):
    await open_vote(telegram)
    press = telegram.press_update(ALICE, "vote #1", GROUP, "q-restart")
    telegram.api.push(press)
    await telegram.api.wait_for(lambda: telegram.api.answers_to("q-restart"))
    await telegram.bot.stop()

    telegram.api.push(press)
    config = telegram_config(database_url, tmp_path, telegram.api)
    telegram.bot = await start_bot(config, Secrets(telegram_bot_token=BOT_TOKEN), clock)
    await telegram.api.wait_for(lambda: len(telegram.api.answers_to("q-restart")) == 2)
    ballot = await telegram.ask(ALICE, "/vote")
    assert "Your vote: WWF." in ballot["text"]
    assert telegram.count(Ballot) == 1


def test_a_button_whose_command_is_too_long_for_telegram_is_left_out():
    reply = Reply((Buttons((Button("WWF", "vote #1"), Button("Long", "vote " + "x" * 60))),))
    assert keyboard(reply) == [("WWF", "vote #1")]


async def test_a_button_press_through_the_webhook_is_answered(webhook):
    press = webhook.press_update(ALICE, "vote", None, "q-webhook")
    assert await webhook.post_webhook(press, WEBHOOK_SECRET) == 200
    (answer,) = await webhook.api.wait_for(lambda: webhook.api.answers_to("q-webhook"))
    assert answer["text"] == "No charities are on the ballot yet; the admins will add them."


async def test_each_shipped_language_gets_its_own_command_menu(telegram):
    calls = telegram.api.called("setMyCommands")
    menus = {
        (call.get("language_code"), call["scope"]["type"]): {
            c["command"]: c["description"] for c in call["commands"]
        }
        for call in calls
    }
    assert {code for code, _ in menus} == {None, *i18n.SHIPPED}
    assert menus[("de", "default")]["language"].startswith("zeigt oder wählt die Sprache")
    assert menus[("en", "default")]["language"].startswith("show or choose the language")
    assert menus[(None, "default")] == menus[("en", "default")]


async def test_a_telegram_user_is_answered_in_their_apps_language(telegram):
    german = {"id": 1010, "is_bot": False, "first_name": "Greta", "language_code": "de"}
    reply = await telegram.ask(german, "/admin post")
    assert "Das können nur die Admins der Challenge." in reply["text"]
    reply = await telegram.ask(german, "/language en")
    assert "From now on I answer you in English." in reply["text"]
    reply = await telegram.ask(german, "/admin post")
    assert "Only the challenge admins can do that." in reply["text"]


async def test_a_german_day_on_telegram(telegram):
    greta = {"id": 1011, "is_bot": False, "first_name": "Greta", "language_code": "de-DE"}
    said = (await telegram.ask(greta, "/newteam Rote Raketen"))["text"]
    assert "Das Team Rote Raketen ist gegründet, und du bist sein Kapitän." in said
    said = (await telegram.ask(greta, "/log 12,5 km laufen gestern"))["text"]
    assert "12,5 km Laufen am " in said and " Juli 2021." in said
    assert "Du: 12,5 km in dieser Saison, Platz 1." in said
    said = (await telegram.ask(greta, "/totals"))["text"]
    assert "Spende bisher: 1\xa0€ bei 0,10\xa0€ pro km." in said
    said = (await telegram.ask(greta, "/log 5 km"))["text"]
    assert "Bist du gelaufen, gegangen oder Rad gefahren?" in said
    said = (await telegram.ask(greta, "/standigs"))["text"]
    assert "Den Befehl 'standigs' kenne ich nicht." in said
    before = len(telegram.api.messages_to(greta["id"]))
    await telegram.ask(greta, "/help")
    # Help is long in German: it comes in more than one message, the first replying.
    messages = await telegram.api.wait_for(
        lambda: (
            telegram.api.messages_to(greta["id"])[before + 1 :]
            and telegram.api.messages_to(greta["id"])[before:]
        )
    )
    said = "\n".join(message["text"] for message in messages)
    assert "was er tut" in said and "einem Team beitreten" in said


async def test_a_french_day_on_telegram(telegram):
    fleur = {"id": 1012, "is_bot": False, "first_name": "Fleur", "language_code": "fr"}
    said = (await telegram.ask(fleur, "/newteam Les Fusées"))["text"]
    assert "L'équipe Les Fusées est créée, et vous en êtes capitaine." in said
    said = (await telegram.ask(fleur, "/log 12,5 km vélo hier"))["text"]
    assert "12,5 km de vélo le mer. 14 juil. 2021." in said
    said = (await telegram.ask(fleur, "/totals"))["text"]
    assert "Don jusqu'ici\xa0: 1\xa0€ à 0,10\xa0€ par km." in said
    said = (await telegram.ask(fleur, "/log 5 km"))["text"]
    assert "Course, marche ou vélo\xa0?" in said
    assert "/noter 5 km courir" in said  # the example, in the reader's words
    said = (await telegram.ask(fleur, "/log 10,000 m courir"))["text"]
    assert "10\u202f000 m" in said or "10\xa0000 m" in said
