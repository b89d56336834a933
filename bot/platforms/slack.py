"""Slack: the real Bolt AsyncApp over HTTP (`POST /slack/events`) or Socket Mode.

Translates slash commands, direct messages and mentions to neutral messages, and neutral
replies to Block Kit. Decides nothing about the challenge.
"""

import asyncio
import functools
import hashlib
import hmac
import logging
import math
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Config
from bot.handlers.dispatch import Dispatcher, command_for_file
from bot.health import AdapterHealth
from bot.messages import FileElsewhere, FileNotFetched, Incoming, IncomingFile
from bot.platforms.credentials import Secrets
from bot.platforms.outbox import MaybeSent, Outbox, RetryLater, Undeliverable
from bot.platforms.repeats import RecentDeliveries
from bot.render.slack import BUTTON_ACTION_PREFIX, to_messages
from bot.replies import Attachment, Reply, ToCaller, to_caller

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
LOG_COMMAND = "/log"
MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")
POST_METADATA = "challenge_post"
HISTORY_LOOKBACK = 20
# A file shared in the DM: a stalled download must not hold the person's command for long.
DOWNLOAD_DEADLINE_S = 30
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(sock_connect=5)
DOWNLOAD_CHUNK = 64 * 1024
# Slack refuses requests older than this itself; an older one is a replay.
MAX_REQUEST_AGE_S = 5 * 60
# A Unix time in seconds, in ASCII digits; anything longer is not a time.
TIMESTAMP = re.compile(r"[0-9]{1,12}")
# How long a new user's command waits for users.info: Slack drops an ack after 3 s.
PROFILE_DEADLINE_S = 0.8
# Errors a retry cannot change: the bot is not there, the person or the token is gone, or
# the message itself is refused.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "ekm_access_denied",
        "invalid_auth",
        "invalid_blocks",
        "is_archived",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_allowed_token_type",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "restricted_action_read_only_channel",
        "team_access_not_granted",
        "token_expired",
        "token_revoked",
        "user_disabled",
        "user_not_found",
        "user_not_visible",
        "users_not_found",
    }
)

log = logging.getLogger(__name__)
# Bolt logs a refused request with its body (users' words) at INFO; we log the refusal ourselves.
BOLT_LOG = logging.getLogger("slack_bolt")
BOLT_LOG.setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class SlackPerson:
    display_name: str | None
    timezone: str | None
    locale: str | None = None  # "de-DE", when users.info is asked with include_locale


UNKNOWN_PERSON = SlackPerson(None, None)
# How many people's users.info answers a process keeps: the most recent, about 250 bytes each.
PEOPLE_REMEMBERED = 20_000
# users.info is Tier 4 (100+ a minute): past that, Slack refuses and a newcomer's command would
# wait out the deadline for nothing. The bot keeps within it and goes on with what it knows.
USERS_INFO_PER_MINUTE = 100
USERS_INFO_BURST = 50


class CallBudget:
    """At most `per_minute` calls a minute, in bursts of up to `burst`: a Slack tier, kept
    by the caller so that Slack never has to refuse."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_minute / 60
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> bool:
        """Whether a call may be made now; if so, it is counted."""
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class RecentPeople:
    """users.info answers of the people seen last; the least recent is forgotten past
    `remembered`, so that a company of 100,000 does not grow every process by 40 MB. Time
    zones and locales are shared strings: a few dozen serve everyone."""

    def __init__(self, remembered: int = PEOPLE_REMEMBERED) -> None:
        self.remembered = remembered
        self._people: OrderedDict[str, SlackPerson] = OrderedDict()

    def get(self, user_id: str) -> SlackPerson | None:
        person = self._people.get(user_id)
        if person is not None:
            self._people.move_to_end(user_id)
        return person

    def remember(self, user_id: str, person: SlackPerson) -> None:
        self._people[user_id] = SlackPerson(
            person.display_name,
            None if person.timezone is None else sys.intern(person.timezone),
            None if person.locale is None else sys.intern(person.locale),
        )
        self._people.move_to_end(user_id)
        if len(self._people) > self.remembered:
            self._people.popitem(last=False)

    def __len__(self) -> int:
        return len(self._people)


def is_signed(secret: bytes, body: bytes, headers: Mapping[str, str], now: float) -> bool:
    """Slack's v0 signature of the raw body, made at most `MAX_REQUEST_AGE_S` from `now`;
    reads nothing but the two headers, and compares in constant time. (slack_sdk's
    SignatureVerifier raises on a body that is not UTF-8 or a timestamp that is not a number,
    which anyone can send.)"""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    if not TIMESTAMP.fullmatch(stamp) or abs(now - int(stamp)) > MAX_REQUEST_AGE_S:
        return False
    digest = hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    # "replace": a header may carry any character, and a non-hex one can never match anyway.
    signature = headers.get("X-Slack-Signature", "").encode("utf-8", "replace")
    return hmac.compare_digest(b"v0=" + digest.hexdigest().encode(), signature)


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def missing_key(body: dict[str, Any]) -> str | None:
    """What a request lacks to be answered once and only once: the caller of a command or a
    press, or the id Slack repeats on a retry. Slack always sends them."""
    if "command" in body:
        for key in ("user_id", "trigger_id"):
            if not _text(body.get(key)):
                return key
        return None
    match body.get("type"):
        case "block_actions":
            user = body.get("user")
            if not (isinstance(user, dict) and _text(user.get("id"))):
                return "user"
            return None if _text(body.get("trigger_id")) else "trigger_id"
        case "event_callback":
            if not isinstance(body.get("event"), dict):
                return "event"
            return None if _text(body.get("event_id")) else "event_id"
    return None


def _error_code(error: Exception) -> str:
    """Slack's error code ("not_in_channel"), else the kind of error; never its message, which
    may carry a URL or a payload."""
    data = getattr(getattr(error, "response", None), "data", None)
    if isinstance(data, dict) and _text(data.get("error")):
        return data["error"]
    return type(error).__name__


def _retry_after(error: SlackApiError) -> float:
    """Slack's Retry-After in seconds; one second when it is missing or not a number."""
    headers = getattr(error.response, "headers", None) or {}
    try:
        seconds = float(headers.get("Retry-After", "1"))
    except (TypeError, ValueError):
        return 1.0
    return seconds if math.isfinite(seconds) and seconds >= 0 else 1.0


@contextmanager
def _as_outbox_errors() -> Iterator[None]:
    """A Slack refusal as the outbox understands it: Undeliverable when a retry cannot
    help, RetryLater for a rate limit that outlasted the SDK's own waiting."""
    try:
        yield
    except SlackApiError as error:
        if getattr(error.response, "status_code", None) == 429:
            raise RetryLater(_retry_after(error)) from error
        code = _error_code(error)
        if code in PERMANENT_ERRORS:
            raise Undeliverable(code) from error
        raise


def web_client(config: Config, token: str) -> AsyncWebClient:
    """A Web API client at `[slack] api_url` that waits out rate limits and retries failures."""
    return AsyncWebClient(
        token=token,
        base_url=config.slack.api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def _needs_follow_up(replies: list[Reply]) -> bool:
    """Whether `_after_reply` has anything to send: a file, or a reply for someone else."""
    return any(
        not isinstance(reply.audience, ToCaller)
        or any(isinstance(part, Attachment) for part in reply.parts)
        for reply in replies
    )


class SlackAdapter:
    def __init__(
        self, config: Config, dispatcher: Dispatcher, outbox: Outbox, secrets: Secrets
    ) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.secrets = secrets
        self.health = AdapterHealth(PLATFORM)
        self.client = web_client(config, secrets.slack_bot_token)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secrets.slack_signing_secret,
            # Answer within the request itself: no ack polling, and the reply rides on the ack.
            process_before_response=True,
            # `handle_http` checks the signature on the raw bytes before Bolt parses anything.
            request_verification_enabled=False,
            logger=BOLT_LOG,
        )
        self.command_prefix = f"{config.slack.command} "
        self.people = RecentPeople()
        self.users_info_budget = CallBudget(USERS_INFO_PER_MINUTE, USERS_INFO_BURST)
        self._lookups: dict[str, asyncio.Task[None]] = {}  # users.info in flight, by user
        self._recent = RecentDeliveries(PLATFORM)
        self._replies = Background("slack_send_failed")
        self._profiles = Background("slack_users_info_failed")
        self._socket_handler: Any = None
        self.app.use(self._refuse_unkeyed)
        # `/log` first: Bolt tries listeners in order, and it is by far the most sent.
        if config.slack.command != LOG_COMMAND:
            self.app.command(LOG_COMMAND)(self._on_log_command)
        self.app.command(config.slack.command)(self._on_command)
        self.app.action(re.compile(f"^{BUTTON_ACTION_PREFIX}"))(self._on_button)
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        outbox.register(PLATFORM, self)

    # -- start and stop ----------------------------------------------------------------------

    async def start(self, server: Any) -> None:
        """HTTP mode adds the events route to the shared server; Socket Mode connects out."""
        if self.config.slack.mode == "http":
            server.add_post(EVENTS_PATH, self.handle_http, PLATFORM)
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket_handler = AsyncSocketModeHandler(self.app, self.secrets.slack_app_token)
            await self._socket_handler.connect_async()
        self.health.state = "running"

    async def stop(self) -> None:
        if self._socket_handler is not None:
            await self._socket_handler.close_async()
        # A profile nobody waits for any more is not worth holding the shutdown for.
        await self._profiles.cancel()
        await self._replies.finish()
        self.health.state = "stopped"

    async def handle_http(self, request: web.Request) -> web.Response:
        """Slack's signature is checked on the raw bytes before anything is parsed: a forged
        or garbled request costs one HMAC and one log line, and gets 401."""
        body = await request.read()
        secret = self.secrets.slack_signing_secret.encode()
        if not is_signed(secret, body, request.headers, time.time()):
            log.warning("slack_request_refused", extra={"remote": request.remote})
            return web.Response(status=401)
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode(),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except Exception as error:  # Bolt's parser raises whatever the garbled body makes it
            log.warning(
                "slack_request_malformed",
                extra={"remote": request.remote, "error": type(error).__name__},
            )
            return web.Response(status=400)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def _refuse_unkeyed(
        self,
        body: dict[str, Any],
        resp: BoltResponse,
        next: Callable[[], Awaitable[None]],  # the name Bolt passes it by
    ) -> BoltResponse:
        """Bolt middleware, in both modes: a request without the ids that key its delivery is
        refused before any listener sees it, rather than colliding with another."""
        missing = missing_key(body)
        if missing is not None:
            log.warning("slack_request_unkeyed", extra={"missing": missing})
            return BoltResponse(status=400, body="")
        await next()
        return resp

    # -- incoming ----------------------------------------------------------------------------

    async def _on_command(self, ack: Any, command: dict[str, Any]) -> None:
        await self._answer_command(ack, command, command.get("text", ""))

    async def _on_log_command(self, ack: Any, command: dict[str, Any]) -> None:
        await self._answer_command(ack, command, "log " + command.get("text", ""))

    async def _answer_command(self, ack: Any, command: dict[str, Any], text: str) -> None:
        user_id = command["user_id"]
        with self.health.update():
            incoming = await self._incoming(
                user_id, command.get("channel_id", ""), text, command["trigger_id"]
            )
            replies = await self._run(incoming)
            messages = self._messages(to_caller(replies))
            if messages:
                await ack(response_type="ephemeral", **messages[0])
            else:
                await ack()
        if len(messages) > 1:
            channel = command.get("channel_id", "")
            self._replies.start(self._send_ephemerals(channel, user_id, messages[1:]))
        if _needs_follow_up(replies):
            self._replies.start(self._after_reply(user_id, replies))

    async def _on_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A pressed button sends its command as the presser; the answer is for them only."""
        await ack()
        self._replies.start(self._answer_button(body, action))

    async def _answer_button(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        press = f"press:{body['trigger_id']}"
        with self.health.update():
            incoming = await self._incoming(user_id, channel, action.get("value", ""), press)
            replies = await self._run(incoming)
            if channel:
                await self._send_ephemerals(channel, user_id, self._messages(to_caller(replies)))
        # Outside the count: an announcement may wait out a rate limit for a minute.
        await self._after_reply(user_id, replies)

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        if subtype is not None and subtype != "file_share":
            return
        self._handle_event(event, body, reply_in_channel=True)

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        self._handle_event(event, body, reply_in_channel=False)

    def _handle_event(self, event: dict[str, Any], body: dict[str, Any], reply_in_channel: bool):
        event_id = body["event_id"]
        if self._recent.seen(event_id):
            return
        # Events are acknowledged at once; the work happens after the ack.
        self._replies.start(self._answer_event(event, event_id, reply_in_channel))

    async def _answer_event(
        self, event: dict[str, Any], event_id: str, reply_in_channel: bool
    ) -> None:
        user_id, channel = event.get("user", ""), event.get("channel", "")
        text = MENTION.sub("", event.get("text", ""), count=1)
        files = event.get("files") or []
        file = self._incoming_file(files[0]) if files else None
        if file is not None and reply_in_channel:  # the DM: a file needs no command
            text = command_for_file(text)
        with self.health.update():
            incoming = await self._incoming(user_id, channel, text, event_id, file)
            replies = await self._run(incoming)
            messages = self._messages(to_caller(replies))
            if reply_in_channel:
                for message in messages:
                    await self.client.chat_postMessage(channel=channel, **message)
            else:
                await self._send_ephemerals(channel, user_id, messages)
        await self._after_reply(user_id, replies)

    async def _incoming(
        self,
        user_id: str,
        chat_id: str,
        text: str,
        delivery_id: str,
        file: IncomingFile | None = None,
    ) -> Incoming:
        person = await self._person(user_id)
        return Incoming(
            platform=PLATFORM,
            user_id=user_id,
            chat_id=chat_id,
            text=text,
            delivery_id=delivery_id,
            display_name=person.display_name,
            timezone=person.timezone,
            language=person.locale,
            file=file,
        )

    async def _person(self, user_id: str) -> SlackPerson:
        """Display name and time zone from users.info, asked once per user per process. A new
        user's command waits for it only until `PROFILE_DEADLINE_S`, then goes on without
        (the season's time zone applies); the lookup still fills the cache for the next one.
        Past Slack's rate for users.info, the command goes on at once with what the bot
        already holds (a known participant's stored name and zone), asking again later."""
        cached = self.people.get(user_id)
        if cached is not None:
            return cached
        lookup = self._lookups.get(user_id)
        if lookup is None or lookup.done():
            if not self.users_info_budget.take():
                log.debug("slack_users_info_deferred", extra={"user": user_id})
                return UNKNOWN_PERSON
            lookup = self._profiles.start(self._look_up(user_id))
            self._lookups[user_id] = lookup
        await asyncio.wait([lookup], timeout=PROFILE_DEADLINE_S)
        return self.people.get(user_id) or UNKNOWN_PERSON

    async def _look_up(self, user_id: str) -> None:
        """One users.info call into the cache; a failure leaves the cache to the next command."""
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
            user = response["user"]
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("name")
            self.people.remember(
                user_id, SlackPerson(name or None, user.get("tz"), user.get("locale"))
            )
        except Exception as error:
            log.warning(
                "slack_users_info_failed", extra={"user": user_id, "reason": _error_code(error)}
            )
        finally:
            self._lookups.pop(user_id, None)

    async def _run(self, incoming: Incoming) -> list[Reply]:
        return await self.dispatcher.answer(incoming)

    # -- outgoing ----------------------------------------------------------------------------

    def _messages(self, replies: list[Reply]) -> list[dict[str, Any]]:
        """Replies as Slack messages: one, or more when they are long; none for no reply."""
        return to_messages(replies, self.command_prefix) if replies else []

    async def _send_ephemerals(
        self, channel: str, user_id: str, messages: list[dict[str, Any]]
    ) -> None:
        for message in messages:
            await self.client.chat_postEphemeral(channel=channel, user=user_id, **message)

    async def _after_reply(self, user_id: str, replies: list[Reply]) -> None:
        """Files go to the caller's DM; announcements and notices go through the outbox."""
        for reply in replies:
            if isinstance(reply.audience, ToCaller):
                for part in reply.parts:
                    if isinstance(part, Attachment):
                        await self._upload([await self._dm_channel(user_id)], part)
            else:
                await self.outbox.deliver(reply)

    def _incoming_file(self, file: dict[str, Any]) -> IncomingFile:
        """A file shared with the bot, fetched with the bot token only if its command takes it."""
        url = file.get("url_private_download") or file.get("url_private") or ""
        return IncomingFile(
            filename=file.get("name", ""),
            declared_size=int(file.get("size") or 0),
            deadline_s=DOWNLOAD_DEADLINE_S,
            download=functools.partial(self._download, url),
        )

    async def _download(self, url: str, limit: int) -> bytes:
        """At most `limit` + 1 bytes of the file at `url`, read until the end or past the limit:
        one read would return only what has arrived so far."""
        if not self._trusted_file_url(url):
            raise FileElsewhere("not a Slack file URL")
        headers = {"Authorization": f"Bearer {self.secrets.slack_bot_token}"}
        content = bytearray()
        try:
            async with aiohttp.ClientSession(timeout=DOWNLOAD_TIMEOUT) as session:
                async with session.get(url, headers=headers) as response:
                    response.raise_for_status()
                    async for chunk in response.content.iter_chunked(DOWNLOAD_CHUNK):
                        content += chunk
                        if len(content) > limit:
                            break
        except aiohttp.ClientError as error:
            raise FileNotFetched(type(error).__name__) from error
        return bytes(content[: limit + 1])

    def _trusted_file_url(self, url: str) -> bool:
        """The bot token goes only to the API's host and its subdomains: slack.com's
        files.slack.com, GovSlack's files.slack-gov.com."""
        host = urlsplit(url).hostname or ""
        api_host = urlsplit(self.config.slack.api_url).hostname or ""
        return host == api_host or host.endswith(f".{api_host}")

    async def _dm_channel(self, user_id: str) -> str:
        response = await self.client.conversations_open(users=user_id)
        return response["channel"]["id"]

    async def _upload(self, channels: list[str], attachment: Attachment) -> None:
        """One upload, shared into every channel."""
        where = {"channel": channels[0]} if len(channels) == 1 else {"channels": channels}
        await self.client.files_upload_v2(
            **where,
            content=attachment.content,
            filename=attachment.filename,
            title=attachment.filename,
        )

    # -- the outbox's sender ------------------------------------------------------------------

    async def open_direct(self, user_id: str, files: bool = True) -> str:
        """Text goes to the user's id, which chat.postMessage takes for the app's direct
        conversation with them: no conversations.open (50 a minute) per nudge. Files need
        the conversation itself."""
        if not files:
            return user_id
        with _as_outbox_errors():
            return await self._dm_channel(user_id)

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        """The message; a ledger post carries its key as metadata, so that `was_posted` can
        find it after a time-out."""
        metadata = (
            {"event_type": POST_METADATA, "event_payload": {"post_key": reply.post_key}}
            if reply.post_key
            else None
        )
        with _as_outbox_errors():
            for number, message in enumerate(self._messages([reply]), start=1):
                try:
                    await self.client.chat_postMessage(
                        channel=chat_id, metadata=metadata, **message
                    )
                except Exception as error:
                    # After a time-out, or with part of the post already in the chat, a resend
                    # could show it twice.
                    if isinstance(error, TimeoutError) or number > 1:
                        raise MaybeSent from error
                    raise

    async def post_file(self, chat_id: str, attachment: Attachment) -> None:
        await self.share_file([chat_id], attachment)

    async def share_file(self, chat_ids: list[str], attachment: Attachment) -> None:
        """One upload into many chats: the file calls are Tier 4 (100 a minute), and fifty
        announcement channels would take them all."""
        with _as_outbox_errors():
            try:
                await self._upload(chat_ids, attachment)
            except TimeoutError as error:
                raise MaybeSent from error

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        try:
            response = await self.client.conversations_history(
                channel=chat_id, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except Exception:
            log.warning("slack_history_unavailable", extra={"channel": chat_id})
            return None
        return any(
            (message.get("metadata") or {}).get("event_payload", {}).get("post_key") == post_key
            for message in response.get("messages", [])
        )
