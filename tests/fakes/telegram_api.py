"""A fake Telegram Bot API on 127.0.0.1 that serves queued updates and records every call,
as python-telegram-bot's own tests do."""

import asyncio
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.local_server import serve_locally

BOT_ID = 7_000_001
BOT_USERNAME = "ChallengeBot"
MESSAGE_LIMIT = 4096  # characters of a message's text, after its entities are parsed
EMPTY_POLL_S = 0.2  # getUpdates answers this soon when nothing is queued, whatever the timeout
# Parameters PTB sends JSON-encoded inside the form.
JSON_FIELDS = {"reply_parameters", "commands", "scope", "allowed_updates", "reply_markup"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    answer: Any = None  # what the fake answered with


class FakeTelegramApi:
    """`/bot<token>/<method>` and `/file/bot<token>/<path>`, as at api.telegram.org."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []  # answered normally
        self.refused: list[Call] = []  # answered with an error: `fail_next`, or too long
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}  # sent by users (`add_file`) or uploaded by the bot
        self.user_messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, id): pushed
        self.reported_sizes: dict[str, int] = {}  # what getFile says, when not the real size
        self.downloads: list[str] = []  # file ids fetched from /file/bot<token>/...
        self.failures: dict[str, list[tuple[int, str, int | None]]] = {}
        self.url = ""
        self._queued = asyncio.Event()
        self._message_ids = itertools.count(9000)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner, self.url = await serve_locally(app)

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # -- what tests do -----------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for the next getUpdates."""
        self.updates.append(update)
        if "message" in update:
            message = update["message"]
            self.user_messages[(message["chat"]["id"], message["message_id"])] = message
        self._queued.set()

    def sent_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """The Message that answered a recorded sendMessage call, as the bot received it."""
        return next(call.answer for call in self.calls if call.params is params)

    def add_file(self, content: bytes, reported_size: int | None = None) -> str:
        """A file a user sent, as Telegram keeps it; returns its file id."""
        file_id = self._keep(content)
        if reported_size is not None:
            self.reported_sizes[file_id] = reported_size
        return file_id

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        self.failures.setdefault(method, []).append((status, description, retry_after))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    def messages_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        return [p for p in self.called("sendMessage") if p["chat_id"] == str(chat_id)]

    def replies_to(self, chat_id: int | str, message_id: int) -> list[dict[str, Any]]:
        return [
            p
            for p in self.messages_to(chat_id)
            if p.get("reply_parameters", {}).get("message_id") == message_id
        ]

    def answers_to(self, query_id: str) -> list[dict[str, Any]]:
        """The answerCallbackQuery calls for one button press."""
        return [p for p in self.called("answerCallbackQuery") if p["callback_query_id"] == query_id]

    def photos_to(self, chat_id: int | str) -> list[bytes]:
        return [
            p["photo"]["content"] for p in self.called("sendPhoto") if p["chat_id"] == str(chat_id)
        ]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll until `condition()` is truthy and return it; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the fake Bot API did not see it within {timeout} s")
            await asyncio.sleep(0.02)
        return result

    # -- the Bot API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        pending = self.failures.get(method)
        if pending:
            self.refused.append(Call(method, params))
            status, description, retry_after = pending.pop(0)
            return _error(status, description, retry_after)
        if method == "sendMessage" and len(_visible(params["text"])) > MESSAGE_LIMIT:
            self.refused.append(Call(method, params))
            return _error(400, "Bad Request: message is too long")
        call = Call(method, params)
        self.calls.append(call)
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        call.answer = self._answer(method, params)
        return _ok(call.answer)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Confirm the updates below `offset`, then serve the rest, long-polling briefly."""
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._queued.clear()
            wait = min(float(params.get("timeout") or 0), EMPTY_POLL_S)
            try:
                await asyncio.wait_for(self._queued.wait(), wait)
            except TimeoutError:
                return []
        return list(self.updates)

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        match method:
            case "getMe":
                return {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "Challenge",
                    "username": BOT_USERNAME,
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                }
            case "sendMessage":
                return self._message(params, text=params["text"])
            case "sendDocument":
                file_id = self._keep(params["document"]["content"])
                return self._message(
                    params,
                    document={
                        "file_id": file_id,
                        "file_unique_id": file_id,
                        "file_name": params["document"]["filename"],
                    },
                )
            case "sendPhoto":
                file_id = self._keep(params["photo"]["content"])
                size = {"file_id": file_id, "file_unique_id": file_id, "width": 960, "height": 540}
                return self._message(params, photo=[size])
            case "getFile":
                file_id = params["file_id"]
                return {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "file_size": self.reported_sizes.get(file_id, len(self.files[file_id])),
                    "file_path": f"files/{file_id}",
                }
            case _:  # setMyCommands, setWebhook, deleteWebhook, answerCallbackQuery, ...
                return True

    def _keep(self, content: bytes) -> str:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = content
        return file_id

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        """The Message Telegram answers with; a reply carries the message it replies to."""
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Challenge"},
            **content,
        }
        replied = params.get("reply_parameters", {}).get("message_id")
        if (chat_id, replied) in self.user_messages:
            message["reply_to_message"] = self.user_messages[(chat_id, replied)]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].removeprefix("files/")
        if file_id not in self.files:
            return web.Response(status=404)
        self.downloads.append(file_id)
        return web.Response(body=self.files[file_id])


def _visible(text: str) -> str:
    """An HTML message's text as Telegram counts it: after its entities are parsed."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


async def _params(request: web.Request) -> dict[str, Any]:
    """Form fields as sent (JSON-encoded ones decoded); uploads as filename and content."""
    params: dict[str, Any] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            params[name] = {"filename": value.filename, "content": value.file.read()}
        elif name in JSON_FIELDS:
            params[name] = json.loads(value)
        else:
            params[name] = value
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
