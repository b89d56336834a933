"""The yardstick for throughput: a bare Bolt AsyncApp that acks `/log` with static text,
served the way the bot serves its own (aiohttp, same Bolt adapter functions, same options)."""

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.slash_commands import EVENTS_PATH
from bench.timing import Stopwatch


class BareBolt:
    def __init__(self, api_url: str, token: str, signing_secret: str, stopwatch: Stopwatch):
        # Same token and fake Web API as the bot: the same auth.test-backed authorization.
        self.app = AsyncApp(
            client=AsyncWebClient(token=token, base_url=api_url),
            signing_secret=signing_secret,
            process_before_response=True,
        )
        self.app.command("/log")(self._answer)
        self.stopwatch = stopwatch
        self.url = ""
        self._runner: web.AppRunner | None = None

    @staticmethod
    async def _answer(ack) -> None:  # type: ignore[no-untyped-def]
        await ack("ok")

    async def _handle(self, request: web.Request) -> web.Response:
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        application = web.Application(client_max_size=1024**2)
        application.router.add_post(EVENTS_PATH, self.stopwatch.wrap_async(self._handle))
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
