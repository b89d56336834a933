"""Telegram: the real python-telegram-bot Application, by polling or behind the bot's server.

Translates command messages to neutral messages, and neutral replies to Telegram HTML sent as
replies to the command. Decides nothing about the challenge.
"""

import asyncio
import hmac
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import Forbidden, InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Config, ConfigError
from bot.handlers.dispatch import Dispatcher
from bot.handlers.help import ADMINS, EVERYONE
from bot.messages import Incoming
from bot.platforms.outbox import Outbox
from bot.platforms.web import WebServer
from bot.render.telegram import to_html
from bot.replies import Attachment, Reply, ToCaller

PLATFORM = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLL_TIMEOUT_S = 30
SEEN_UPDATES = 10_000
SEND_RETRIES = 3

HELP_COMMAND = BotCommand("help", "the commands you may use, with an example each")

log = logging.getLogger(__name__)
# Bot API URLs carry the token: httpx logs every request URL at INFO, PTB's bot its URLs at DEBUG.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("telegram.ext.ExtBot").setLevel(logging.INFO)


@dataclass(frozen=True)
class TelegramSecrets:
    """From the environment only; never logged."""

    bot_token: str
    webhook_secret: str = ""

    def __repr__(self) -> str:
        return "TelegramSecrets(***)"


def bot_commands(entries: tuple[tuple[str, str, str], ...]) -> list[BotCommand]:
    """Menu entries from the help list: the command word, what it does, an example."""
    commands = []
    for usage, what, example in entries:
        name = usage.split()[0]
        description = f"{what}, e.g. /{example}" if " " in usage else what
        commands.append(BotCommand(name, description))
    return commands


def admin_command() -> BotCommand:
    """Telegram menus take one word per command: `admin`, its subcommands described."""
    subcommands = ", ".join(usage.removeprefix("admin ") for usage, _, _ in ADMINS)
    return BotCommand("admin", f"admin tools: {subcommands}")


def build_application(config: Config, token: str) -> Application:
    """The Application at `[telegram] base_url`, waiting out 429s; polling needs an Updater."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
        .job_queue(None)
    )
    if config.telegram.mode == "webhook":
        builder = builder.updater(None)
    return builder.build()


class TelegramAdapter:
    def __init__(
        self, config: Config, dispatcher: Dispatcher, outbox: Outbox, secrets: TelegramSecrets
    ) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.secrets = secrets
        self.application = build_application(config, secrets.bot_token)
        # Edited messages and every other update kind match no handler: a command runs once.
        self.application.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_message)
        )
        self._seen_updates: OrderedDict[int, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        outbox.register(PLATFORM, self)

    # -- start and stop ----------------------------------------------------------------------

    async def start(self, server: WebServer) -> None:
        """Register the command menus, then poll, or serve the webhook on the shared server."""
        await self._initialize()
        await self.application.start()
        await self._register_commands()
        telegram = self.config.telegram
        if telegram.mode == "webhook":
            path = urlsplit(telegram.webhook_url).path or "/"
            server.add_post(path, self.handle_webhook, PLATFORM)
            await self.application.bot.set_webhook(
                telegram.webhook_url, secret_token=self.secrets.webhook_secret
            )
        else:
            # Starting to poll deletes any webhook first, as getUpdates requires.
            await self.application.updater.start_polling(timeout=POLL_TIMEOUT_S)
        log.info("telegram_started", extra={"mode": telegram.mode, "bot": self.username})

    async def stop(self) -> None:
        """Stop taking updates, finish the replies in flight, close the connections."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.application.shutdown()

    async def _initialize(self) -> None:
        try:
            await self.application.initialize()
        except InvalidToken:
            await self.application.bot.shutdown()
            # PTB's own message quotes the token; this one must not.
            raise ConfigError("TELEGRAM_BOT_TOKEN was rejected by the Telegram Bot API") from None

    @property
    def username(self) -> str:
        return self.application.bot.username

    async def _register_commands(self) -> None:
        """The employees' menu for everyone; each admin's private chat also gets `admin`."""
        everyone = [HELP_COMMAND, *bot_commands(EVERYONE)]
        await self._set_commands(everyone, BotCommandScopeDefault())
        for admin_id in sorted(self.config.admins.telegram):
            await self._set_commands([*everyone, admin_command()], BotCommandScopeChat(admin_id))

    async def _set_commands(self, commands: list[BotCommand], scope: BotCommandScope) -> None:
        # A menu that cannot be set (an admin who never opened the bot) must not stop start-up.
        try:
            await self.application.bot.set_my_commands(commands, scope=scope)
        except TelegramError as error:
            log.warning(
                "telegram_commands_not_set", extra={"scope": scope.type, "reason": error.message}
            )

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """One update from Telegram; answered 200 once its command has run."""
        sent = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(sent, self.secrets.webhook_secret.encode()):
            log.warning("telegram_webhook_refused", extra={"remote": request.remote})
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("telegram_webhook_bad_update")
            return web.Response(status=400)
        await self.application.process_update(update)
        return web.Response()

    # -- incoming ----------------------------------------------------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        user = message.from_user
        if user is None or user.is_bot:
            return
        text = self._command_text(message)
        if text is None:
            return
        if self._seen(update.update_id):
            log.info("repeated_telegram_update", extra={"update_id": update.update_id})
            return
        incoming = Incoming(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(message.chat_id),
            text=text,
            delivery_id=str(update.update_id),
            display_name=user.full_name or user.username,
        )
        # The command runs before the next update (and a webhook's 200); replies are sent after.
        replies = await asyncio.to_thread(self.dispatcher.handle, incoming)
        self._later(self._answer(message, user.id, replies))

    def _command_text(self, message: Message) -> str | None:
        """The text to run: any `/command` for this bot; plain words only in a private chat."""
        text = message.text
        first = text.split(maxsplit=1)[0] if text.strip() else ""
        if first.startswith("/"):
            _, _, addressee = first.partition("@")
            return text if addressee.lower() in ("", self.username.lower()) else None
        return text if message.chat.type == ChatType.PRIVATE else None

    def _seen(self, update_id: int) -> bool:
        """Telegram redelivers a webhook call it thinks failed; in-process memory of recent ids."""
        if update_id in self._seen_updates:
            return True
        self._seen_updates[update_id] = None
        if len(self._seen_updates) > SEEN_UPDATES:
            self._seen_updates.popitem(last=False)
        return False

    # -- outgoing ----------------------------------------------------------------------------

    async def _answer(self, message: Message, user_id: int, replies: list[Reply]) -> None:
        """One HTML reply to the command; files to the caller's private chat; others outboxed."""
        mine = [reply for reply in replies if isinstance(reply.audience, ToCaller)]
        text = "\n\n".join(to_html(reply) for reply in mine)
        if text:
            await message.reply_html(text, do_quote=True, allow_sending_without_reply=True)
        for reply in replies:
            if isinstance(reply.audience, ToCaller):
                await self._send_files_privately(message, user_id, reply)
            else:
                await self.outbox.deliver(reply)

    async def _send_files_privately(self, message: Message, user_id: int, reply: Reply) -> None:
        """A file is for the caller only: their private chat, whose id is their user id."""
        try:
            await self._send_files(user_id, reply)
        except Forbidden:
            await message.reply_text(
                f"I can't send you files until you open a private chat with me: "
                f"open @{self.username}, press Start, and ask again.",
                do_quote=True,
            )

    async def _send_files(self, chat_id: int | str, reply: Reply) -> None:
        bot = self.application.bot
        for part in reply.parts:
            if not isinstance(part, Attachment):
                continue
            if part.media_type.startswith("image/"):
                await bot.send_photo(chat_id, photo=part.content, filename=part.filename)
            else:
                await bot.send_document(chat_id, document=part.content, filename=part.filename)

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("telegram_send_failed")

    async def post_to_chat(self, chat_id: str, reply: Reply) -> None:
        await self.application.bot.send_message(chat_id, to_html(reply), parse_mode=ParseMode.HTML)
        await self._send_files(chat_id, reply)

    async def send_direct(self, user_id: str, reply: Reply) -> None:
        """A private chat's id is its user's id."""
        await self.post_to_chat(user_id, reply)
