"""What Slack and Telegram send to the bot's server: signed Slack slash commands, events and
button presses, and Telegram webhook calls carrying the secret, as the platforms document them."""

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack_api import signed_headers

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FORM = "application/x-www-form-urlencoded"


def slash_command_body(user: str, text: str, command: str, number: int) -> str:
    """A slash command as Slack posts it: form-encoded, with a unique trigger id."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "acme",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/T1/{number}/x",
            "trigger_id": f"trigger-{number}-{time.time_ns()}",
        }
    )


def button_press_body(user: str, button: dict[str, Any], channel: str) -> str:
    """A `block_actions` interactivity payload, as Slack posts it (form field `payload`)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "acme"},
        "channel": {"id": channel, "name": "announcements"},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": channel},
        "trigger_id": f"trigger-press-{time.time_ns()}",
        "response_url": "https://hooks.slack.com/actions/T1/press/x",
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "b1",
                "text": button["text"],
                "value": button["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


@dataclass(frozen=True)
class Answer:
    """The bot's HTTP answer: its status and body."""

    status: int
    body: str

    @property
    def text(self) -> str:
        """The `text` of a slash command's ephemeral reply (empty when there is none)."""
        if not self.body:
            return ""
        try:
            return str(json.loads(self.body).get("text", ""))
        except ValueError:
            return ""


class SlackRequests:
    """POSTs to the bot's `/slack/events`, signed with the app's signing secret."""

    def __init__(self, session: aiohttp.ClientSession, url: str, signing_secret: str) -> None:
        self.session = session
        self.url = url
        self.signing_secret = signing_secret
        self._ids = itertools.count(1)

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> Answer:
        """`headers` replace the correct signature headers (to forge or age them)."""
        sent = {"Content-Type": content_type, **signed_headers(self.signing_secret, body)}
        sent.update(headers or {})
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            return Answer(response.status, await response.text())

    def command_body(self, user: str, text: str, command: str = "/challenge") -> str:
        return slash_command_body(user, text, command, next(self._ids))

    async def command(self, user: str, text: str, command: str = "/challenge") -> Answer:
        """A slash command; the reply to the caller rides on the answer."""
        return await self.post(self.command_body(user, text, command), FORM)

    async def dm(self, user: str, text: str) -> Answer:
        """A direct message to the bot (a `message.im` event)."""
        number = next(self._ids)
        stamp = f"{time.time():.6f}"
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": text,
            "ts": stamp,
            "event_ts": stamp,
        }
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{number:08d}{time.time_ns()}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            }
        )
        return await self.post(body, "application/json")

    async def press(self, user: str, value: str, channel: str) -> Answer:
        """A `block_actions` payload: `user` pressed a button whose value is `value`."""
        button = {
            "action_id": "challenge-button-0",
            "text": {"type": "plain_text", "text": value},
            "value": value,
        }
        return await self.post(button_press_body(user, button, channel), FORM)


class TelegramRequests:
    """Telegram's calls to the bot's webhook, with the secret set by `setWebhook`."""

    def __init__(self, session: aiohttp.ClientSession, url: str, secret: str) -> None:
        self.session = session
        self.url = url
        self.secret = secret
        self._update_ids = itertools.count(700_000)
        self._message_ids = itertools.count(1)

    def message(
        self, user: dict[str, Any], text: str, chat: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """An Update with a text message, in the user's private chat unless `chat` is given."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": {"language_code": "en", **user},
            "chat": chat or {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        if command.startswith("/") and command.isascii():
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def press(
        self, user: dict[str, Any], data: str, chat: dict[str, Any], bot_id: int
    ) -> dict[str, Any]:
        """An Update with a callback query: `user` pressed a button carrying `data` under a
        message the bot sent to `chat`."""
        update_id = next(self._update_ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cbq-{update_id}",
                "from": {"language_code": "en", **user},
                "chat_instance": "ci-1",
                "data": data,
                "message": {
                    "message_id": 90_000 + update_id % 1000,
                    "from": {"id": bot_id, "is_bot": True, "first_name": "Challenge"},
                    "chat": chat,
                    "date": int(time.time()),
                    "text": "Vote for the charity that receives the donation",
                },
            },
        }

    async def post(self, update: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        """POST one update with the right secret, or with `headers` instead (to forge it)."""
        sent = {TELEGRAM_SECRET_HEADER: self.secret} if headers is None else headers
        async with self.session.post(self.url, json=update, headers=sent) as response:
            await response.read()
            return response.status
