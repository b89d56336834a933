"""The bot's one HTTP server: platform webhooks and `GET /healthz`."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

log = logging.getLogger(__name__)

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebServer:
    """Platforms add their POST routes before `start`; `/healthz` is always there."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=1024**2)
        self.app.router.add_get("/healthz", self._health)
        self.platforms: list[str] = []
        self.started_at = datetime.now(UTC)
        self._runner: web.AppRunner | None = None

    def add_post(self, path: str, handler: Route, platform: str) -> None:
        self.app.router.add_post(path, handler)
        self.platforms.append(platform)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        # Port 0 asks the OS for a free port; report the one we got.
        sockets = getattr(site._server, "sockets", None) or []  # noqa: SLF001
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("http_server_started", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, _request: web.Request) -> web.Response:
        uptime = (datetime.now(UTC) - self.started_at).total_seconds()
        return web.json_response(
            {"status": "ok", "platforms": sorted(set(self.platforms)), "uptime_s": int(uptime)}
        )
