"""The fake Slack Web API and Telegram Bot API, able to hold a call past the client's time-out
and telling which calls were answered successfully (so a retried call is counted once)."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.slack_api import Call, FakeSlackApi
from tests.fakes.telegram_api import FakeTelegramApi


class Holds:
    """Per API method, how long to hold each of its next calls."""

    def __init__(self) -> None:
        self.pending: dict[str, list[float]] = {}
        self.held: list[str] = []  # the methods whose calls were held, in order

    def add(self, method: str, seconds: float) -> None:
        self.pending.setdefault(method, []).append(seconds)

    def take(self, method: str) -> float | None:
        queue = self.pending.get(method)
        if not queue:
            return None
        self.held.append(method)
        return queue.pop(0)


def _unanswered() -> web.Response:
    return web.json_response({"ok": False, "error": "fake_time_out"}, status=504)


@dataclass
class FlakySlackApi(FakeSlackApi):
    delivered: list[Call] = field(default_factory=list)
    stalls: Holds = field(default_factory=Holds)
    late_answers: Holds = field(default_factory=Holds)

    def stall_next(self, method: str, seconds: float) -> None:
        """Hold the next call, then fail it undone: Slack never got it."""
        self.stalls.add(method, seconds)

    def answer_late_next(self, method: str, seconds: float) -> None:
        """Do the next call, but answer it only after `seconds`: Slack got it, slowly."""
        self.late_answers.add(method, seconds)

    def delivered_to(self, method: str, channel: str) -> list[dict[str, Any]]:
        """The calls of `method` for `channel` that Slack carried out."""
        key = "channel_id" if method == "files.completeUploadExternal" else "channel"
        return [
            call.params
            for call in self.delivered
            if call.method == method and call.params.get(key) == channel
        ]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        stall = self.stalls.take(method)
        if stall is not None:
            await asyncio.sleep(stall)
            return _unanswered()
        response = await super()._api(request)
        if response.status == 200:
            # No await since the call was recorded: the last one is this one.
            self.delivered.append(self.calls[-1])
        late = self.late_answers.take(method)
        if late is not None:
            await asyncio.sleep(late)
        return response


class FlakyTelegramApi(FakeTelegramApi):
    """`calls` holds only the successfully answered calls; refused ones are in `refused`."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.stalls = Holds()

    def stall_next(self, method: str, seconds: float) -> None:
        """Hold the next call, then fail it undone: Telegram never got it."""
        self.stalls.add(method, seconds)

    async def _api(self, request: web.Request) -> web.Response:
        stall = self.stalls.take(request.match_info["method"])
        if stall is not None:
            await asyncio.sleep(stall)
            return _unanswered()
        return await super()._api(request)
