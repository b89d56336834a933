"""Telegram: the real python-telegram-bot Application, by polling or behind the bot's server.

Translates command messages, photos and button presses to neutral messages, and neutral
replies to Telegram HTML with inline keyboards, sent as replies to the command or as toasts to
the presser. Decides nothing about the challenge.
"""

import asyncio
import hmac
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import BotCommandLimit, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n
from bot.background import Background
from bot.config import Config, ConfigError
from bot.handlers.catalogue import menu
from bot.handlers.dispatch import Dispatcher, command_for_file, takes_file
from bot.handlers.registry import Who
from bot.health import AdapterHealth
from bot.i18n import N_, _
from bot.messages import FileNotFetched, Incoming, IncomingFile
from bot.platforms.credentials import Secrets
from bot.platforms.outbox import MaybeSent, Outbox, RetryLater, Undeliverable
from bot.platforms.repeats import RecentDeliveries
from bot.platforms.web import WebServer
from bot.render.plain import render
from bot.render.telegram import keyboard, to_messages
from bot.replies import Attachment, Button, Buttons, Example, Reply, Text, ToCaller, to_caller

PLATFORM = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLL_TIMEOUT_S = 30
SEND_RETRIES = 3
# Updates handled at once: one person's wait (a slow photo, a busy database) holds up no one
# else's, while each person's own updates still run one after another.
CONCURRENT_UPDATES = 256
TOAST_MAX_CHARS = 200
# A photo sent with a command: a stalled download must not hold the person's updates for long.
DOWNLOAD_DEADLINE_S = 30
PHOTO_COMMAND = "photo"
CONFIRM_DATA = "photo-confirm"

CONFIRM_GONE = N_("That photo is no longer there; please send it again.")
CONFIRM_NOT_YOURS = N_("Only the person who sent this photo can enter it.")


def photo_offer() -> Reply:
    """The offer answers the photo's message, which Telegram hands back with the press."""
    return Reply(
        (
            Text(_("Enter this photo in the competition?")),
            Buttons((Button(_("Enter it"), CONFIRM_DATA),)),
            Example("photo Sunrise over the Taff", _("Or send it with a title as its caption")),
        )
    )


log = logging.getLogger(__name__)
# Bot API URLs carry the token: httpx logs every request URL at INFO, PTB's bot its URLs at DEBUG.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("telegram.ext.ExtBot").setLevel(logging.INFO)


def bot_commands(*who: Who) -> list[BotCommand]:
    """The menu of the commands for `who`."""
    return [
        BotCommand(word, _shortened(description, BotCommandLimit.MAX_DESCRIPTION))
        for word, description in menu(*who)
    ]


class InOrderPerPerson(BaseUpdateProcessor):
    """Updates run concurrently, but each person's one after another, in the order Telegram
    sent them; every update counts in the adapter's health from its arrival to its end."""

    def __init__(self, health: AdapterHealth) -> None:
        super().__init__(CONCURRENT_UPDATES)
        self.health = health
        self._queues: dict[int, tuple[asyncio.Lock, int]] = {}  # person: (turn, updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        person = _person(update)
        with self.health.update():
            if person is None:
                await coroutine
                return
            turn, count = self._queues.get(person, (asyncio.Lock(), 0))
            self._queues[person] = (turn, count + 1)
            try:
                async with turn:
                    await coroutine
            finally:
                turn, count = self._queues[person]
                if count == 1:
                    del self._queues[person]
                else:
                    self._queues[person] = (turn, count - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to let go of."""


def _person(update: object) -> int | None:
    user = update.effective_user if isinstance(update, Update) else None
    return user.id if user is not None else None


def build_application(config: Config, token: str, health: AdapterHealth) -> Application:
    """The Application at `[telegram] base_url`, waiting out 429s, taking updates concurrently
    in each person's order; polling needs an Updater."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
        .concurrent_updates(InOrderPerPerson(health))
        .job_queue(None)
    )
    if config.telegram.mode == "webhook":
        builder = builder.updater(None)
    return builder.build()


class TelegramAdapter:
    def __init__(
        self, config: Config, dispatcher: Dispatcher, outbox: Outbox, secrets: Secrets
    ) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.secrets = secrets
        self.health = AdapterHealth(PLATFORM)
        self.application = build_application(config, secrets.telegram_bot_token, self.health)
        # Edited messages and every other update kind match no handler: a command runs once.
        new_message = filters.UpdateType.MESSAGE
        self.application.add_handler(MessageHandler(new_message & filters.TEXT, self._on_message))
        self.application.add_handler(
            MessageHandler(new_message & (filters.PHOTO | filters.Document.ALL), self._on_image)
        )
        self.application.add_handler(CallbackQueryHandler(self._on_press))
        self.application.add_error_handler(self._on_error)
        self._recent = RecentDeliveries(PLATFORM)
        self._replies = Background("telegram_send_failed")
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
                telegram.webhook_url, secret_token=self.secrets.telegram_webhook_secret
            )
        else:
            # Starting to poll deletes any webhook first, as getUpdates requires.
            await self.application.updater.start_polling(timeout=POLL_TIMEOUT_S)
        self.health.state = "running"
        log.info("telegram_started", extra={"mode": telegram.mode, "bot": self.username})

    async def stop(self) -> None:
        """Stop taking updates, finish the replies in flight, close the connections."""
        self.health.state = "stopped"
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self._replies.finish()
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
        """The employees' menu for everyone; each admin's private chat also gets `admin`. One
        menu per shipped language, for the people whose Telegram is set to it, and the
        default language's for everyone else."""
        languages = self.config.languages
        for code in (None, *languages.shipped):
            with i18n.using(code or languages.default):
                everyone = bot_commands(Who.EVERYONE, Who.MEMBERS)
                admins = bot_commands(*Who)
            await self._set_commands(everyone, BotCommandScopeDefault(), code)
            for admin_id in sorted(self.config.admins.telegram):
                await self._set_commands(admins, BotCommandScopeChat(admin_id), code)

    async def _set_commands(
        self, commands: list[BotCommand], scope: BotCommandScope, language: str | None
    ) -> None:
        # A menu that cannot be set (an admin who never opened the bot) must not stop start-up.
        try:
            await self.application.bot.set_my_commands(
                commands, scope=scope, language_code=language
            )
        except TelegramError as error:
            log.warning(
                "telegram_commands_not_set", extra={"scope": scope.type, "reason": error.message}
            )

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """One update from Telegram; answered 200 once its command has run."""
        sent = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(sent, self.secrets.telegram_webhook_secret.encode()):
            log.warning("telegram_webhook_refused", extra={"remote": request.remote})
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("telegram_webhook_bad_update")
            return web.Response(status=400)
        application = self.application
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
        return web.Response()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one place an update's unexpected failure is logged: its kind, never its text."""
        kind = type(update).__name__
        if isinstance(update, Update):
            kind = "callback_query" if update.callback_query else "message"
        log.error("telegram_update_failed", extra={"kind": kind}, exc_info=context.error)

    # -- incoming ----------------------------------------------------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        user = message.from_user
        if user is None or user.is_bot:
            return
        text = self._command_text(message.text, message.chat.type)
        if text is None or self._recent.seen(str(update.update_id)):
            return
        replies = await self._run(user, message.chat_id, text, str(update.update_id))
        self._replies.start(self._answer(message, user.id, replies))

    async def _on_image(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo or file captioned `/photo TITLE` enters it, and one captioned `/upload` is
        logged; in the private chat a file needs no command, and a bare photo is offered."""
        message = update.message
        user = message.from_user
        if user is None or user.is_bot:
            return
        private = message.chat.type == ChatType.PRIVATE
        text = self._command_text(message.caption or "", message.chat.type)
        if message.document is not None and private:
            text = command_for_file(text or "")
        entering = text is not None and takes_file(text)
        offering = not entering and bool(message.photo) and private
        if not (entering or offering) or self._recent.seen(str(update.update_id)):
            return
        if offering:
            with i18n.using(self._language_of(user)):
                offer = photo_offer()
            self._replies.start(self._answer(message, user.id, [offer]))
            return
        file = _incoming_file(message.photo[-1] if message.photo else message.document)
        replies = await self._run(user, message.chat_id, text, str(update.update_id), file)
        self._replies.start(self._answer(message, user.id, replies))

    async def _on_press(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button: its data runs as the presser's command; the query is always answered."""
        query = update.callback_query
        delivery_id = f"callback:{query.id}"
        if query.message is None or not query.data or self._recent.seen(delivery_id):
            self._replies.start(query.answer())
            return
        if query.data.startswith(CONFIRM_DATA):
            await self._confirm(query)
            return
        replies = await self._run(query.from_user, query.message.chat.id, query.data, delivery_id)
        self._replies.start(self._answer_press(query, replies))

    def _language_of(self, user: User) -> str:
        """The language of a reply made here, before any command runs: the user's app's."""
        languages = self.config.languages
        return i18n.nearest(user.language_code, languages.shipped) or languages.default

    async def _confirm(self, query: CallbackQuery) -> None:
        """The sender's press enters the photo that the offer answered, as `/photo TITLE` with
        it would. The photo is read from the offer itself, so any instance can take the press,
        before or after a restart."""
        offer = query.message
        photo_message = offer.reply_to_message if isinstance(offer, Message) else None
        if photo_message is None or not photo_message.photo:
            with i18n.using(self._language_of(query.from_user)):
                self._replies.start(query.answer(_(CONFIRM_GONE)))
            return
        if photo_message.from_user is None or photo_message.from_user.id != query.from_user.id:
            with i18n.using(self._language_of(query.from_user)):
                self._replies.start(query.answer(_(CONFIRM_NOT_YOURS)))
            return
        text = f"{PHOTO_COMMAND} {photo_message.caption or ''}".strip()
        file = _incoming_file(photo_message.photo[-1])
        delivery_id = f"callback:{query.id}"
        replies = await self._run(query.from_user, offer.chat.id, text, delivery_id, file)
        self._replies.start(self._answer_press(query, replies))

    async def _run(
        self,
        user: User,
        chat_id: int,
        text: str,
        delivery_id: str,
        file: IncomingFile | None = None,
    ) -> list[Reply]:
        """The command runs before the next update (and a webhook's 200); replies go after."""
        incoming = Incoming(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(chat_id),
            text=text,
            delivery_id=delivery_id,
            display_name=user.full_name or user.username,
            language=user.language_code,
            file=file,
        )
        return await self.dispatcher.answer(incoming)

    def _command_text(self, text: str, chat_type: str) -> str | None:
        """The text to run: any `/command` for this bot; plain words only in a private chat."""
        first = text.split(maxsplit=1)[0] if text.strip() else ""
        if first.startswith("/"):
            _, _, addressee = first.partition("@")
            return text if addressee.lower() in ("", self.username.lower()) else None
        return text if chat_type == ChatType.PRIVATE else None

    # -- outgoing ----------------------------------------------------------------------------

    async def _answer(self, message: Message, user_id: int, replies: list[Reply]) -> None:
        """An HTML reply to the command (more when long); files to the caller's private chat;
        others outboxed."""
        mine = to_caller(replies)
        await self._send_texts(message.chat_id, mine, quoting=message.message_id)
        for reply in mine:
            await self._send_files_privately(message, user_id, reply)
        await self._deliver_others(replies)

    async def _answer_press(self, query: CallbackQuery, replies: list[Reply]) -> None:
        """The first line as a toast only the presser sees; in a private chat, all of it too."""
        mine = to_caller(replies)
        await query.answer(_toast(mine))
        chat = query.message.chat
        if chat.type == ChatType.PRIVATE:
            await self._send(chat.id, mine)
        await self._deliver_others(replies)

    async def _deliver_others(self, replies: list[Reply]) -> None:
        for reply in replies:
            if not isinstance(reply.audience, ToCaller):
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

    async def _send(self, chat_id: int | str, replies: list[Reply]) -> None:
        """The replies as HTML messages, their buttons under the last, then their files."""
        await self._send_texts(chat_id, replies)
        for reply in replies:
            await self._send_files(chat_id, reply)

    async def _send_texts(
        self, chat_id: int | str, replies: list[Reply], quoting: int | None = None
    ) -> None:
        """The text in as many messages as Telegram's limit needs, the first one a reply to
        the `quoting` message. A failure after the first is MaybeSent: part of the text is
        already in the chat, so it must not be resent."""
        texts = to_messages(replies)
        for number, text in enumerate(texts, start=1):
            quote = (
                ReplyParameters(quoting, allow_sending_without_reply=True)
                if quoting is not None and number == 1
                else None
            )
            try:
                await self.application.bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=_markup(replies) if number == len(texts) else None,
                    reply_parameters=quote,
                )
            except TelegramError as error:
                if number == 1:
                    raise
                raise MaybeSent() from error

    async def _send_files(self, chat_id: int | str, reply: Reply) -> None:
        for part in reply.parts:
            if isinstance(part, Attachment):
                await self._send_file(chat_id, part)

    async def _send_file(self, chat_id: int | str, attachment: Attachment) -> None:
        """Images as photos, anything else as a document."""
        bot = self.application.bot
        if attachment.media_type.startswith("image/"):
            await bot.send_photo(chat_id, photo=attachment.content, filename=attachment.filename)
        else:
            await bot.send_document(
                chat_id, document=attachment.content, filename=attachment.filename
            )

    # -- the outbox's sender ------------------------------------------------------------------

    async def open_direct(self, user_id: str, files: bool = True) -> str:
        """A private chat's id is its user's id."""
        return user_id

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        await _as_outbox_sees_it(self._send_texts(chat_id, [reply]))

    async def post_file(self, chat_id: str, attachment: Attachment) -> None:
        await _as_outbox_sees_it(self._send_file(chat_id, attachment))

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        """The Bot API cannot read a chat's history: never known."""
        return None


# Refusals that no retry can change: the chat is gone, or the bot may not write there.
LASTING_REFUSALS = ("chat not found", "not enough rights", "have no rights", "bot was kicked")


async def _as_outbox_sees_it(send: Awaitable[None]) -> None:
    """A send whose failure says what the outbox should do: try later, never, or check."""
    try:
        await send
    except TimedOut as error:
        if _left_nothing(error):
            raise
        raise MaybeSent() from error
    except Forbidden as error:
        raise Undeliverable(error.message) from error
    except BadRequest as error:
        if any(phrase in error.message.lower() for phrase in LASTING_REFUSALS):
            raise Undeliverable(error.message) from error
        raise
    except RetryAfter as error:
        wait = error.retry_after
        raise RetryLater(
            wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        ) from error


def _left_nothing(error: TimedOut) -> bool:
    """A time-out before the request left (connecting, or waiting for a free connection)
    surely sent nothing and may be retried; after it left, Telegram may have posted it."""
    return type(error.__cause__).__name__ in ("ConnectTimeout", "PoolTimeout")


def _markup(replies: list[Reply]) -> InlineKeyboardMarkup | None:
    """Every reply's buttons, one per row; None when there are none."""
    rows = [
        [InlineKeyboardButton(label, callback_data=data)]
        for reply in replies
        for label, data in keyboard(reply)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _toast(replies: list[Reply]) -> str:
    """The first line of the first reply, short enough for answerCallbackQuery."""
    first = render(replies[0]).split("\n", 1)[0] if replies else ""
    return _shortened(first, TOAST_MAX_CHARS)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _incoming_file(attachment: PhotoSize | Document) -> IncomingFile:
    """A photo or document sent to the bot, fetched only if its command takes it."""

    async def download(limit: int) -> bytes | None:
        try:
            file = await attachment.get_file()
            if (file.file_size or 0) > limit:
                return None
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise FileNotFetched(error.message) from error

    return IncomingFile(
        filename=(attachment.file_name or "") if isinstance(attachment, Document) else "",
        declared_size=attachment.file_size or 0,
        deadline_s=DOWNLOAD_DEADLINE_S,
        download=download,
    )
