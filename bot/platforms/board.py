"""The live web board on the bot's HTTP server: `GET /board/<BOARD_KEY>` for office screens and
the intranet, its JSON, its map and the photo entries. Every response is made from figures
kept in memory, refreshed when logs land (and every `refresh_seconds`), never per request."""

import asyncio
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from aiohttp import web

from bot import i18n
from bot.background import Background
from bot.config import Config
from bot.handlers.board import Board, board
from bot.handlers.dispatch import Dispatcher
from bot.platforms.web import WebServer
from bot.replies import Attachment, Reply, drawn
from storage import media
from storage.database import transaction

log = logging.getLogger(__name__)

PATH = "/board/{key}"
SECURITY_HEADERS = {
    # No inline script or style: what the page runs is board.js, and nothing else.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Figures are made again at most this often, however fast logs land.
MIN_REFRESH_S = 1.0
REFRESH_SHARE_WAIT = 19  # seconds waited per second spent making the figures
# A language nobody has asked for yet is made once, on its first request, within this long.
FIRST_MAKE_S = 10.0
STATIC = ("board.css", "text/css"), ("board.js", "text/javascript")


@dataclass
class _Served:
    """One language's page, JSON and map, as served."""

    page: bytes
    data: bytes
    map_png: bytes | None = None
    map_version: str = ""


class BoardSite:
    def __init__(self, config: Config, dispatcher: Dispatcher, key: str) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self._key = key.encode()
        self._templates = jinja2.Environment(
            loader=jinja2.PackageLoader("bot", "templates"),
            autoescape=True,  # team and people's names are user text
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._static = {
            name: (resources.files("bot").joinpath("static", name).read_bytes(), kind)
            for name, kind in STATIC
        }
        self._served: dict[str, _Served] = {}
        self._photos: dict[str, str] = {}
        self._wanted = {config.languages.default}
        self._stale = asyncio.Event()
        self._background = Background("board_refresh_failed")
        self._making = asyncio.Lock()

    # -- start and stop --------------------------------------------------------------------------

    def add_routes(self, server: WebServer) -> None:
        routes = server.app.router
        routes.add_get(PATH, self._page)
        routes.add_get(PATH + "/data.json", self._data)
        routes.add_get(PATH + "/map.png", self._map)
        routes.add_get(PATH + "/photo/{sha256}", self._photo)
        for name, _kind in STATIC:
            routes.add_get(f"{PATH}/{name}", self._static_file)

    async def start(self) -> None:
        await self.refresh()
        self._background.start(self._keep_fresh())

    async def stop(self) -> None:
        await self._background.cancel()

    def changed(self) -> None:
        """Something people see has changed (a log landed): make the figures again soon."""
        self._stale.set()

    # -- making the figures ----------------------------------------------------------------------

    async def _keep_fresh(self) -> None:
        """Make the figures again when logs land, and every `refresh_seconds` (another instance
        may have taken the logs), at most once a second."""
        while True:
            try:
                async with asyncio.timeout(self.config.web.refresh_seconds):
                    await self._stale.wait()
            except TimeoutError:
                pass
            started = time.monotonic()
            await self.refresh()
            took = time.monotonic() - started
            # A large challenge's figures take a while: never more than a twentieth of the
            # process's time, however fast the logs land.
            await asyncio.sleep(max(MIN_REFRESH_S - took, REFRESH_SHARE_WAIT * took))

    async def refresh(self) -> None:
        async with self._making:
            self._stale.clear()
            languages = sorted(self._wanted)
            boards = await asyncio.to_thread(self._boards, languages)
            for language, made in boards.items():
                await self._serve(language, made)
            self._photos = next(iter(boards.values())).photos

    def _boards(self, languages: list[str]) -> dict[str, Board]:
        """Each language's figures, read in one transaction."""
        now = self.dispatcher.clock()
        with transaction(self.dispatcher.read_sessions) as session:
            return {
                language: board(session, self.config, self.dispatcher.season_id, now, language)
                for language in languages
            }

    async def _serve(self, language: str, made: Board) -> None:
        """Render the page and the JSON; draw the map again only when it changed."""
        before = self._served.get(language)
        version = hashlib.sha256(repr(made.map).encode()).hexdigest()[:12]
        map_png = before.map_png if before is not None else None
        if before is None or before.map_version != version:
            drawing = await drawn(Reply((made.map,)))
            pictures = [p for p in drawing.parts if isinstance(p, Attachment)]
            map_png = pictures[0].content if pictures else map_png
        shown = {**made.shown, "map": f"map.png?v={version}&lang={language}"}
        with i18n.using(language):
            page = self._templates.get_template("board.html").render(
                board=shown,
                key=self._key.decode(),
                refresh_seconds=self.config.web.refresh_seconds,
                data_url=f"data.json?lang={language}",
            )
        data = json.dumps(shown, ensure_ascii=False, separators=(",", ":")).encode()
        self._served[language] = _Served(page.encode(), data, map_png, version)

    async def _served_in(self, request: web.Request) -> _Served:
        """The figures in the language asked for (`?lang=de`), made once on its first request;
        the default language's for any other."""
        asked = request.query.get("lang", "")
        languages = self.config.languages
        language = asked if asked in languages.shipped else languages.default
        if language not in self._served:
            self._wanted.add(language)
            try:
                async with asyncio.timeout(FIRST_MAKE_S):
                    await self.refresh()
            except TimeoutError:
                log.warning("board_language_not_made", extra={"language": language})
        return self._served.get(language) or self._served[languages.default]

    # -- the routes ------------------------------------------------------------------------------

    def _allowed(self, request: web.Request) -> bool:
        """The key, compared in constant time: a wrong one tells nothing, not even its length."""
        given = request.match_info.get("key", "").encode()
        return hmac.compare_digest(
            hashlib.sha256(given).digest(), hashlib.sha256(self._key).digest()
        )

    async def _page(self, request: web.Request) -> web.Response:
        if not self._allowed(request):
            return _not_found()
        served = await self._served_in(request)
        return _response(served.page, "text/html", "no-cache")

    async def _data(self, request: web.Request) -> web.Response:
        if not self._allowed(request):
            return _not_found()
        served = await self._served_in(request)
        return _response(served.data, "application/json", "no-cache")

    async def _map(self, request: web.Request) -> web.Response:
        if not self._allowed(request):
            return _not_found()
        served = await self._served_in(request)
        if served.map_png is None:
            return _not_found()
        # Its address changes with the map (`?v=`): a browser may keep it.
        return _response(served.map_png, "image/png", "public, max-age=86400")

    async def _photo(self, request: web.Request) -> web.StreamResponse:
        """A photo entry's image by its hash; no other file, whatever the path says."""
        sha256 = request.match_info["sha256"]
        media_type = self._photos.get(sha256)
        if not self._allowed(request) or media_type is None:
            return _not_found()
        path: Path = media.media_path(self.config.photos.media_dir, sha256, media_type)
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError:
            return _not_found()
        # The same hash is always the same picture.
        return _response(content, media_type, "public, max-age=31536000, immutable")

    async def _static_file(self, request: web.Request) -> web.Response:
        if not self._allowed(request):
            return _not_found()
        content, kind = self._static[request.path.rsplit("/", 1)[1]]
        return _response(content, kind, "no-cache")


def _response(body: bytes, content_type: str, cache: str) -> web.Response:
    charset = "utf-8" if content_type.startswith(("text/", "application/json")) else None
    return web.Response(
        body=body,
        content_type=content_type,
        charset=charset,
        headers={**SECURITY_HEADERS, "Cache-Control": cache},
    )


def _not_found() -> web.Response:
    return web.Response(
        status=404, text="Not found", headers={**SECURITY_HEADERS, "Cache-Control": "no-store"}
    )
