"""People talking to the bot through the fake platform APIs, each command kept with every
answer it got and when: Slack slash commands and button presses over signed HTTP, Telegram
messages and button presses through the fake Bot API's getUpdates queue.

The fakes tell a listener of each call as they answer it, so that an answer is matched to
its command at once, however many thousands of calls came before."""

import asyncio
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import aiohttp

from tests.fakes.platform_requests import (
    FORM,
    SlackRequests,
    TelegramRequests,
    button_press_body,
)
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import BOT_ID, FakeTelegramApi

Listener = Callable[[str, dict[str, Any]], None]
TAG = re.compile(r"<[^>]*>")


def _ignore(_method: str, _params: dict[str, Any]) -> None:
    pass


def plain(text: str) -> str:
    """A reply as its reader sees it: Telegram's HTML tags dropped, entities of both read."""
    return html.unescape(TAG.sub("", text))


@dataclass
class WatchedSlackApi(FakeSlackApi):
    """The fake Slack Web API; `listener(method, params)` hears every call it carries out."""

    listener: Listener = _ignore

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.listener(method, params)
        return super()._answer(method, params)


class WatchedTelegramApi(FakeTelegramApi):
    """The fake Bot API; `listener(method, params)` hears every call it answers normally."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.listener: Listener = _ignore

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        self.listener(method, params)
        return super()._answer(method, params)


@dataclass
class Exchange:
    """One command or button press, and every answer the bot gave it (monotonic times)."""

    platform: str
    user: str
    text: str  # as the bot reads it: "log 5 km run", or a pressed button's command
    delivery_key: str  # as the bot stores it, e.g. in an activity's source key
    sent_at: float = field(default_factory=time.monotonic)
    answers: list[tuple[float, str]] = field(default_factory=list)
    acknowledged_at: float | None = None  # a Slack request's HTTP 200
    failure: str = ""  # the HTTP request itself failed: its status, or the error

    def answer(self, text: str) -> None:
        self.answers.append((time.monotonic(), plain(text)))

    @property
    def first_answer(self) -> str | None:
        return self.answers[0][1] if self.answers else None

    @property
    def answered_at(self) -> float | None:
        return self.answers[0][0] if self.answers else None


class SlackPeople:
    """Slash commands, answered in the HTTP response; button presses, acknowledged empty and
    answered by chat.postEphemeral. Each press comes from a channel of its own, so that its
    ephemeral answer can only be its own. Requests go out in the background, as people do
    not wait for each other; `settle` waits for the ones still out."""

    def __init__(
        self, api: WatchedSlackApi, session: aiohttp.ClientSession, url: str, signing_secret: str
    ) -> None:
        self.requests = SlackRequests(session, url, signing_secret)
        self._presses: dict[str, Exchange] = {}
        self._channels = itertools.count(1)
        self._requests: set[asyncio.Task[None]] = set()
        api.listener = self._heard

    def command(self, user: str, text: str, slash: str = "/challenge") -> Exchange:
        """`text` as the bot reads it; with `slash="/log"` it is sent without its `log`."""
        typed = text.removeprefix("log ") if slash == "/log" else text
        body = self.requests.command_body(user, typed, slash)
        exchange = Exchange("slack", user, text, f"slack:{parse_qs(body)['trigger_id'][0]}")
        self._send(exchange, body, answered_in_body=True)
        return exchange

    def press(self, user: str, button: dict[str, Any]) -> Exchange:
        """Press `button` (an element of a message's actions block) as `user`."""
        channel = f"CPRESS{next(self._channels)}"
        body = button_press_body(user, button, channel)
        trigger_id = json.loads(parse_qs(body)["payload"][0])["trigger_id"]
        exchange = Exchange("slack", user, button["value"], f"slack:press:{trigger_id}")
        self._presses[channel] = exchange
        self._send(exchange, body, answered_in_body=False)
        return exchange

    async def settle(self) -> None:
        """Wait for the requests still out."""
        while self._requests:
            await asyncio.gather(*self._requests)

    def _send(self, exchange: Exchange, body: str, answered_in_body: bool) -> None:
        task = asyncio.get_running_loop().create_task(self._post(exchange, body, answered_in_body))
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    async def _post(self, exchange: Exchange, body: str, answered_in_body: bool) -> None:
        try:
            response = await self.requests.post(body, FORM)
        except (aiohttp.ClientError, TimeoutError) as error:
            exchange.failure = type(error).__name__
            return
        if response.status != 200:
            exchange.failure = f"HTTP {response.status}"
            return
        exchange.acknowledged_at = time.monotonic()
        if answered_in_body and response.text:
            exchange.answer(response.text)

    def _heard(self, method: str, params: dict[str, Any]) -> None:
        if method == "chat.postEphemeral":
            exchange = self._presses.get(params.get("channel", ""))
            if exchange is not None:
                exchange.answer(params.get("text", ""))


class TelegramPeople:
    """Updates queued at the fake Bot API; a command is answered by a sendMessage replying
    to it, a button press by its answerCallbackQuery."""

    def __init__(self, api: WatchedTelegramApi, session: aiohttp.ClientSession) -> None:
        self.api = api
        self.updates = TelegramRequests(session, url="", secret="")  # its payloads only
        self._messages: dict[tuple[int, int], Exchange] = {}
        self._queries: dict[str, Exchange] = {}
        api.listener = self._heard

    def command(self, user: dict[str, Any], text: str) -> Exchange:
        """`/text` in the user's private chat."""
        update = self.updates.message(user, f"/{text}")
        message = update["message"]
        exchange = Exchange("telegram", str(user["id"]), text, f"telegram:{update['update_id']}")
        self._messages[(message["chat"]["id"], message["message_id"])] = exchange
        self.api.push(update)
        return exchange

    def press(self, user: dict[str, Any], data: str, chat: dict[str, Any]) -> Exchange:
        """Press the button carrying `data` under a message of the bot's in `chat`."""
        update = self.updates.press(user, data, chat, BOT_ID)
        query_id = update["callback_query"]["id"]
        exchange = Exchange("telegram", str(user["id"]), data, f"telegram:callback:{query_id}")
        self._queries[query_id] = exchange
        self.api.push(update)
        return exchange

    def _heard(self, method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage":
            quoted = params.get("reply_parameters", {}).get("message_id")
            exchange = self._messages.get((int(params["chat_id"]), quoted))
            if exchange is not None:
                exchange.answer(params.get("text", ""))
        elif method == "answerCallbackQuery":
            exchange = self._queries.get(params.get("callback_query_id", ""))
            if exchange is not None:
                exchange.answer(params.get("text", ""))
