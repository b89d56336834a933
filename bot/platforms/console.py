"""The local console chat: one command per line, as any participant, announcements inline."""

import itertools
from pathlib import Path
from typing import TextIO

from bot.config import Config
from bot.handlers.dispatch import Dispatcher
from bot.messages import Incoming
from bot.render.plain import render
from bot.replies import Attachment, Reply, ToAnnouncementChats, ToCaller, ToParticipant

PLATFORM = "console"
DEFAULT_USER = "guest"


class Console:
    """Reads lines, hands each to the dispatcher as the current user, prints the replies."""

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
        self._deliveries = itertools.count(1)
        self._session_tag = f"{id(self):x}"

    def greeting(self) -> str:
        return (
            f"{self.config.season.name}: local console chat. You are {self.user}.\n"
            "Type /help for the commands, /as alice (or /as bob admin) to switch who you are, "
            "Ctrl-D to quit."
        )

    def run(self, stream: TextIO, interactive: bool) -> None:
        """Every line of a pipe; or a prompt naming the current user, until Ctrl-D."""
        if not interactive:
            for line in stream:
                self.handle_line(line.rstrip("\n"))
            return
        self._print(self.greeting())
        while True:
            try:
                line = input(f"{self.user}> ")
            except (EOFError, KeyboardInterrupt):
                self._print("")
                return
            self.handle_line(line)

    def handle_line(self, line: str) -> None:
        if not line.strip():
            return
        if self.echo:
            self._print(f"{self.user}> {line}")
        words = line.strip().split()
        if words[0].lower() in ("/as", "as"):
            self._switch_user(words[1:])
            return
        incoming = Incoming(
            platform=PLATFORM,
            user_id=self.user.casefold(),
            chat_id="console",
            text=line,
            delivery_id=f"{self._session_tag}-{next(self._deliveries)}",
            display_name=self.user,
        )
        for reply in self.dispatcher.handle(incoming):
            self._show(reply)

    def _switch_user(self, words: list[str]) -> None:
        """`/as NAME [admin]`: NAME may be several words ("/as Alice Keller")."""
        admin = len(words) > 1 and words[-1].lower() == "admin"
        name = " ".join(words[:-1] if admin else words)
        if not name:
            self._print("Usage: /as NAME [admin], for example /as alice or /as bob admin")
            return
        self.user = name
        key = (PLATFORM, name.casefold())
        if admin:
            self.dispatcher.extra_admins.add(key)
        else:
            self.dispatcher.extra_admins.discard(key)
        self._print(f"You are now {name}{' (admin)' if admin else ''}.")

    def _show(self, reply: Reply) -> None:
        text = render(reply)
        for part in reply.parts:
            if isinstance(part, Attachment):
                path = self._save(part)
                text += f"\nSaved {part.filename} to {path}"
        match reply.audience:
            case ToCaller():
                self._print(text)
            case ToAnnouncementChats():
                chats = [f"{chat.platform} {chat.chat}" for chat in self.config.announce]
                for chat in chats or ["announcement chat"]:
                    self._print(_indent(f"[to {chat}]", text))
            case ToParticipant(accounts):
                names = ", ".join(f"{platform} {user}" for platform, user in accounts)
                self._print(_indent(f"[direct message to {names}]", text))

    def _save(self, attachment: Attachment) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / attachment.filename
        path.write_bytes(attachment.content)
        return path

    def _print(self, text: str) -> None:
        print(text, file=self.output, flush=True)


def _indent(label: str, text: str) -> str:
    return label + "\n" + "\n".join("  " + line for line in text.splitlines())
