"""The bot's one HTTP server: platform webhooks, `GET /healthz` and `GET /metrics`."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from bot.config import ConfigError
from bot.health import BotHealth

log = logging.getLogger(__name__)

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebServer:
    """Platforms add their POST routes before `start`; `/healthz` and `/metrics` are always
    there, and tell more once `health` is set."""

    def __init__(self, host: str, port: int, health: BotHealth | None = None) -> None:
        self.host = host
        self.port = port
        self.health = health
        self.app = web.Application(client_max_size=1024**2)
        self.app.router.add_get("/healthz", self._health)
        self.app.router.add_get("/metrics", self._metrics)
        self.platforms: list[str] = []
        self.started_at = datetime.now(UTC)
        self._failing = False
        self._runner: web.AppRunner | None = None

    def add_post(self, path: str, handler: Route, platform: str) -> None:
        self.app.router.add_post(path, handler)
        self.platforms.append(platform)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(
                f"server: cannot listen on {self.host}:{self.port} ({error.strerror}); "
                "set [server] port to a free port, or host to an address of this machine"
            ) from None
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
        """200 with the details while healthy, 503 with the same details and the problems
        when not."""
        platforms = set(self.platforms)
        healthy, details = True, {}
        if self.health is not None:
            platforms.update(adapter.platform for adapter in self.health.adapters)
            healthy, details = await self.health.report()
            if healthy == self._failing:  # logged when it changes, not at every check
                self._failing = not healthy
                if healthy:
                    log.info("health_recovered")
                else:
                    log.warning("health_failing", extra={"problems": details["problems"]})
        uptime = (datetime.now(UTC) - self.started_at).total_seconds()
        return web.json_response(
            {
                "status": "ok" if healthy else "failing",
                "platforms": sorted(platforms),
                "uptime_s": int(uptime),
                **details,
            },
            status=200 if healthy else 503,
        )

    async def _metrics(self, _request: web.Request) -> web.Response:
        """The Prometheus text format; the gauges of the moment are read now."""
        if self.health is not None:
            metrics.OUTBOX_BACKLOG.set(self.health.backlog())
            for adapter in self.health.adapters:
                metrics.ADAPTER_WAITING.labels(adapter.platform).set(adapter.waiting)
                if adapter.last_processed_at is not None:
                    metrics.ADAPTER_LAST_PROCESSED.labels(adapter.platform).set(
                        adapter.last_processed_at.timestamp()
                    )
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
