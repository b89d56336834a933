"""Slash commands as Slack sends them (form-encoded, signed), and many of them timed."""

import asyncio
import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack_api import signed_headers

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class Slash:
    user: str
    command: str  # "/log" or "/challenge"
    text: str
    expect: str  # a piece of the reply that shows the command did its work


@dataclass
class Run:
    """What many requests took, each seen from the client (wall time)."""

    wall_s: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.wall_s) / self.elapsed_s if self.elapsed_s else 0.0


class SlashClient:
    """Posts signed slash commands to one server's Slack events URL."""

    _triggers = itertools.count(1)

    def __init__(self, http: aiohttp.ClientSession, base_url: str) -> None:
        self.http = http
        self.url = base_url + EVENTS_PATH

    async def send(self, slash: Slash) -> str:
        """The reply's text; an HTTP error or an empty ack is an exception."""
        trigger = next(self._triggers)
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T1",
                "team_domain": "acme",
                "channel_id": "C0GENERAL",
                "channel_name": "general",
                "user_id": slash.user,
                "user_name": slash.user.lower(),
                "command": slash.command,
                "text": slash.text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": f"http://127.0.0.1:9/response/{trigger}",
                # Unique per request: it is the delivery key, and a repeat would do nothing.
                "trigger_id": f"bench-{trigger}",
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **signed_headers(SIGNING_SECRET, body),
        }
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            answer = await response.text()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {answer[:200]}")
        if answer.startswith("{"):
            return json.loads(answer).get("text", "")
        return answer


async def run(client: SlashClient, slashes: Iterable[Slash], in_flight: int) -> Run:
    """Send every slash command with `in_flight` of them at a time; replies are checked."""
    result = Run()
    pending = iter(slashes)

    async def worker() -> None:
        for slash in pending:
            started = time.perf_counter()
            try:
                reply = await client.send(slash)
            except Exception as error:  # counted and shown; the run goes on
                result.failures.append(f"{slash.user} {slash.command} {slash.text}: {error}")
                continue
            result.wall_s.append(time.perf_counter() - started)
            if slash.expect not in reply:
                result.failures.append(f"{slash.user} {slash.command} {slash.text}: {reply!r}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    result.elapsed_s = time.perf_counter() - started
    return result
