"""Neutral replies: a few parts that each renderer turns into its platform's form.

Strings in parts are plain text; renderers escape them for their platform, there and only there.
"""

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass, field

from bot import charts, i18n, map_worker
from bot.domain.journey import Stop
from bot.i18n import _
from bot.vocabulary import in_readers_words

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Example:
    """A command as the user would type it ("log 12km cycle"); renderers add the prefix."""

    command: str
    label: str = field(default_factory=lambda: _("Example"))

    def __post_init__(self) -> None:
        # Made while a reply is written in its reader's language: the example in their words.
        object.__setattr__(self, "command", in_readers_words(self.command, i18n.language()))


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right_aligned: frozenset[int] = frozenset()
    marked_row: int | None = None  # the caller's own row, shown highlighted
    command_columns: frozenset[int] = frozenset()  # cells that are commands, prefixed like Example


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    media_type: str


@dataclass(frozen=True)
class Chart:
    """A team-ranking chart not drawn yet: drawn into an Attachment (a PNG) outside any
    transaction, before any renderer sees the reply (`drawn`)."""

    filename: str
    title: str
    bars: tuple[tuple[str, float], ...]  # (team, km), leader first
    language: str = field(default_factory=i18n.language)  # of its axis and numbers

    def draw(self) -> bytes:
        return charts.team_ranking_png(self.title, list(self.bars))


@dataclass(frozen=True)
class JourneyMap:
    """The journey's map not drawn yet, drawn as a Chart is."""

    filename: str
    title: str
    caption: str
    stops: tuple[Stop, ...]
    loop: bool
    position: tuple[float, float]  # (lat, lon)
    next_stop: int | None
    language: str = field(default_factory=i18n.language)
    # Whether a map of the same route drawn less than `RECENT_MAP_S` ago will do: for the
    # journey command, which thousands may ask for in a minute; not for a stop just passed.
    recent_will_do: bool = False

    def draw(self) -> bytes:
        return map_worker.draw(
            self.title, self.stops, self.loop, self.position, self.next_stop, self.caption
        )

    @property
    def route_key(self) -> tuple[str, tuple[Stop, ...], bool, str]:
        return (self.title, self.stops, self.loop, self.language)


# A map this young serves whoever asks for the journey next: the line above it is exact, and in
# a minute the marker moves by a pixel or two. Drawing takes a worker a good part of a second.
RECENT_MAP_S = 60.0
_recent_maps: dict[tuple[str, tuple[Stop, ...], bool, str], tuple[float, bytes]] = {}


Drawing = Chart | JourneyMap


@dataclass(frozen=True)
class Button:
    """Pressing it sends `command` as if the presser had typed it."""

    label: str
    command: str


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


Part = Heading | Text | Example | Table | Attachment | Chart | JourneyMap | Buttons


@dataclass(frozen=True)
class ToCaller:
    """Only the person who sent the command sees it."""


@dataclass(frozen=True)
class ToAnnouncementChats:
    """Every `[[announce]]` chat."""


@dataclass(frozen=True)
class ToParticipant:
    """A direct message to a participant on each platform account they have."""

    accounts: tuple[tuple[str, str], ...]  # (platform, platform user id)


Audience = ToCaller | ToAnnouncementChats | ToParticipant


@dataclass(frozen=True)
class LedgerPost:
    """A post claimed in the post ledger: recorded as sent once it reached a chat, its claim
    released when it reached none, so that it may be posted again."""

    key: str
    kind: str  # "leaderboard" | "final_report"
    name: str  # as the outcome notice calls it, in the catalogue's source: "today's leaderboard"
    command: str  # what posts it by hand: "admin post"
    report_to: tuple[tuple[str, str], ...] = ()  # (platform, user id) told how it went
    language: str = "en"  # of the one told


@dataclass(frozen=True)
class Reply:
    parts: tuple[Part, ...]
    audience: Audience = field(default_factory=ToCaller)
    post: LedgerPost | None = None

    @property
    def post_key(self) -> str | None:
        """The ledger key a platform marks the message with, to find it after a time-out."""
        return self.post.key if self.post is not None else None


async def drawn(reply: Reply) -> Reply:
    """The reply with its charts and maps drawn, each in a worker thread, so that the loop
    and the database are free meanwhile. One that fails to draw is left out, not the reply."""
    if not any(isinstance(part, Drawing) for part in reply.parts):
        return reply
    parts = [await _draw(part) if isinstance(part, Drawing) else part for part in reply.parts]
    return dataclasses.replace(reply, parts=tuple(part for part in parts if part is not None))


async def _draw(drawing: Drawing) -> Attachment | None:
    recent = _recent_map(drawing)
    if recent is not None:
        return Attachment(drawing.filename, recent, "image/png")
    try:
        with i18n.using(drawing.language):  # the worker thread takes a copy of it
            png = await asyncio.to_thread(drawing.draw)
    except Exception:
        log.exception("drawing_failed", extra={"drawing": drawing.filename})
        return None
    if isinstance(drawing, JourneyMap):
        _recent_maps[drawing.route_key] = (time.monotonic(), png)
    return Attachment(drawing.filename, png, "image/png")


def _recent_map(drawing: Drawing) -> bytes | None:
    if not (isinstance(drawing, JourneyMap) and drawing.recent_will_do):
        return None
    drawn_at, png = _recent_maps.get(drawing.route_key, (0.0, b""))
    return png if png and time.monotonic() - drawn_at < RECENT_MAP_S else None


def to_caller(replies: list[Reply]) -> list[Reply]:
    """The replies meant only for the person who sent the command."""
    return [reply for reply in replies if isinstance(reply.audience, ToCaller)]


def say(*lines: str, example: str | None = None) -> Reply:
    """A reply to the caller made of text lines and, optionally, a command example."""
    parts: list[Part] = [Text(line) for line in lines]
    if example is not None:
        parts.append(Example(example))
    return Reply(tuple(parts))
