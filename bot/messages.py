"""The neutral incoming message every platform adapter produces."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


class FileNotFetched(Exception):
    """The platform did not hand over a file it announced; the message says why, briefly."""


class FileElsewhere(FileNotFetched):
    """The file lives outside the platform's own hosts, where the bot's token never goes."""


@dataclass(frozen=True)
class FetchedFile:
    """A file sent with the message; `content` is None when it was too big to fetch. `reading`
    is what its command's reader made of it (a parsed track), outside any transaction."""

    content: bytes | None
    declared_size: int
    filename: str = ""
    reading: object = None


# A platform's transfer of one file: at most `limit` + 1 of its bytes (enough to tell that it
# is too big), or None when the platform tells on the way that it is bigger than `limit`.
# Raises FileNotFetched when the platform fails.
Download = Callable[[int], Awaitable[bytes | None]]


@dataclass(frozen=True)
class IncomingFile:
    """A file sent with the message, not fetched yet (as opsdroid's `File.get_file_bytes`):
    what the platform tells without fetching it, and how to fetch it. Only a command that
    takes a file fetches it."""

    filename: str
    declared_size: int  # 0 when the platform does not tell
    deadline_s: float  # the adapter's: a stalled transfer must not hold the command long
    download: Download = field(repr=False)

    async def fetch(self, max_bytes: int) -> FetchedFile:
        """The file's bytes; only its size when it is over `max_bytes` (the command's limit:
        a bigger file is never fetched whole). Raises FileNotFetched when the platform fails
        or the deadline passes."""
        if self.declared_size > max_bytes:
            return FetchedFile(None, self.declared_size, self.filename)
        try:
            async with asyncio.timeout(self.deadline_s):
                content = await self.download(max_bytes)
        except TimeoutError as error:
            raise FileNotFetched(f"no file within {self.deadline_s:g} s") from error
        if content is None or len(content) > max_bytes:
            too_big = max(self.declared_size, max_bytes + 1)
            return FetchedFile(None, too_big, self.filename)
        return FetchedFile(content, len(content), self.filename)


@dataclass(frozen=True)
class Incoming:
    platform: str  # "slack" | "telegram" | "console"
    user_id: str  # the platform's own id
    chat_id: str
    text: str  # "log 12km cycle", with or without the slash
    delivery_id: str  # event_id / update_id: the key that makes a repeat harmless
    display_name: str | None = None
    timezone: str | None = None  # an IANA name when the platform tells it
    language: str | None = None  # the person's language as the platform tells it: "de-AT"
    file: IncomingFile | None = None  # sent with the message, not fetched yet
    # The file's bytes, fetched by the dispatcher when the command takes a file.
    fetched: FetchedFile | None = None

    @property
    def delivery_key(self) -> str:
        return f"{self.platform}:{self.delivery_id}"
