"""The local console chat: one command per line, as any participant, announcements inline."""

import asyncio
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.config import Config
from bot.handlers.dispatch import Dispatcher, takes_file
from bot.messages import FileNotFetched, Incoming, IncomingFile
from bot.platforms.outbox import Outbox
from bot.render.plain import render
from bot.replies import Attachment, Reply, ToCaller

PLATFORM = "console"
DEFAULT_USER = "guest"
DIRECT = "@"  # marks a direct conversation among chat ids
READ_DEADLINE_S = 10


class Console:
    """Reads lines, hands each to the dispatcher as the current user, prints the replies.

    Stands in for every platform that is not connected: what would be posted to a Slack or
    Telegram chat is printed inline, marked with that chat.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        config: Config,
        output: TextIO,
        files_dir: Path,
        echo: bool = False,
    ) -> None:
        self.dispatcher = dispatcher
        self.config = config
        self.output = output
        self.files_dir = files_dir
        self.echo = echo
        self.user = DEFAULT_USER
        self.outbox: Outbox | None = None
        self._deliveries = itertools.count(1)
        self._session_tag = f"{id(self):x}"

    def attach(self, outbox: Outbox) -> None:
        """Print what goes to chats of platforms that are not connected."""
        self.outbox = outbox
        for platform in ("console", "slack", "telegram"):
            outbox.senders.setdefault(platform, InlineChat(self, platform))

    def greeting(self) -> str:
        return (
            f"{self.config.season.name}: local console chat. You are {self.user}.\n"
            "Type /help for the commands, /as alice (or /as bob admin) to switch who you are, "
            "Ctrl-D to quit."
        )

    async def run(self, stream: TextIO, interactive: bool) -> None:
        """Every line of a pipe; or a prompt naming the current user, until Ctrl-D."""
        if interactive:
            self.print(self.greeting())
        while True:
            line = await asyncio.to_thread(self._read_line, stream, interactive)
            if line is None:
                return
            await self.handle_line(line)

    def _read_line(self, stream: TextIO, interactive: bool) -> str | None:
        if not interactive:
            line = stream.readline()
            return line.rstrip("\n") if line else None
        try:
            return input(f"{self.user}> ")
        except (EOFError, KeyboardInterrupt):
            self.print("")
            return None

    async def handle_line(self, line: str) -> None:
        if not line.strip():
            return
        if self.echo:
            self.print(f"{self.user}> {line}")
        words = line.strip().split()
        if words[0].lower() in ("/as", "as"):
            self._switch_user(words[1:])
            return
        text, file = _attached_file(line)
        incoming = Incoming(
            platform=PLATFORM,
            user_id=self.user.casefold(),
            chat_id="console",
            text=text,
            delivery_id=f"{self._session_tag}-{next(self._deliveries)}",
            display_name=self.user,
            file=file,
        )
        for reply in await self.dispatcher.answer(incoming):
            if isinstance(reply.audience, ToCaller) or self.outbox is None:
                self.show(reply)
            else:
                await self.outbox.deliver(reply)

    def _switch_user(self, words: list[str]) -> None:
        """`/as NAME [admin]`: NAME may be several words ("/as Alice Keller")."""
        admin = len(words) > 1 and words[-1].lower() == "admin"
        name = " ".join(words[:-1] if admin else words)
        if not name:
            self.print("Usage: /as NAME [admin], for example /as alice or /as bob admin")
            return
        self.user = name
        key = (PLATFORM, name.casefold())
        if admin:
            self.dispatcher.extra_admins.add(key)
        else:
            self.dispatcher.extra_admins.discard(key)
        self.print(f"You are now {name}{' (admin)' if admin else ''}.")

    def show(self, reply: Reply, label: str | None = None) -> None:
        """The reply as text; files are saved and their path shown."""
        text = render(reply)
        for part in reply.parts:
            if isinstance(part, Attachment):
                saved = f"Saved {part.filename} to {self._save(part)}"
                text = text.replace(f"[file: {part.filename}]", saved)
        if label is not None:
            text = label + "\n" + "\n".join("  " + line for line in text.splitlines())
        self.print(text)

    def _save(self, attachment: Attachment) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / attachment.filename
        copies = itertools.count(2)
        while path.exists():  # never overwrite an earlier file
            path = self.files_dir / f"{Path(attachment.filename).stem}-{next(copies)}{path.suffix}"
        path.write_bytes(attachment.content)
        return path

    def print(self, text: str) -> None:
        print(text, file=self.output, flush=True)


def _attached_file(line: str) -> tuple[str, IncomingFile | None]:
    """A command that takes a file takes it as its last word, a path (`/photo TITLE PATH`):
    the rest is the command. Any other line is a command as it is."""
    *command, last = line.split()
    text = " ".join(command)
    path = Path(last).expanduser()
    if not (command and takes_file(text) and path.is_file()):
        return line, None

    async def read(limit: int) -> bytes:
        try:
            return await asyncio.to_thread(_read_start, path, limit + 1)
        except OSError as error:
            raise FileNotFetched(error.strerror or type(error).__name__) from error

    file = IncomingFile(path.name, path.stat().st_size, READ_DEADLINE_S, read)
    return text, file


def _read_start(path: Path, size: int) -> bytes:
    """The first `size` bytes of the file at `path`."""
    with path.open("rb") as file:
        return file.read(size)


@dataclass
class InlineChat:
    """A chat on a platform that is not connected, shown in the console."""

    console: Console
    platform: str

    async def open_direct(self, user_id: str, files: bool = True) -> str:
        return DIRECT + user_id

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        if chat_id.startswith(DIRECT):
            label = f"[direct message to {self.platform} {chat_id.removeprefix(DIRECT)}]"
        else:
            label = f"[to {self.platform} {chat_id}]"
        self.console.show(reply, label=label)

    async def post_file(self, chat_id: str, attachment: Attachment) -> None:
        """Saved by `show` with the text already."""

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        return None
