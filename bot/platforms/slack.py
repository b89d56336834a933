"""Slack: the real Bolt AsyncApp over HTTP (`POST /slack/events`) or Socket Mode.

Translates slash commands, direct messages and mentions to neutral messages, and neutral
replies to Block Kit. Decides nothing about the challenge.
"""

import asyncio
import dataclasses
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Config
from bot.domain.images import MAX_BYTES
from bot.handlers.dispatch import Dispatcher
from bot.messages import Incoming, IncomingImage
from bot.platforms.outbox import MaybeSent, Outbox
from bot.render.slack import BUTTON_ACTION_PREFIX, to_messages
from bot.replies import Attachment, Reply, ToCaller, to_caller

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
LOG_COMMAND = "/log"
MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")
SEEN_EVENTS = 10_000
POST_METADATA = "challenge_post"
HISTORY_LOOKBACK = 20

log = logging.getLogger(__name__)
# Bolt logs a refused request with its body (users' words) at INFO; we log the refusal ourselves.
BOLT_LOG = logging.getLogger("slack_bolt")
BOLT_LOG.setLevel(logging.WARNING)


@dataclass(frozen=True)
class SlackSecrets:
    """From the environment only; never logged."""

    bot_token: str
    signing_secret: str
    app_token: str | None = None

    def __repr__(self) -> str:
        return "SlackSecrets(***)"


@dataclass(frozen=True)
class SlackPerson:
    display_name: str | None
    timezone: str | None


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
        self, config: Config, dispatcher: Dispatcher, outbox: Outbox, secrets: SlackSecrets
    ) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.secrets = secrets
        self.client = web_client(config, secrets.bot_token)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secrets.signing_secret,
            # Answer within the request itself: no ack polling, and the reply rides on the ack.
            process_before_response=True,
            logger=BOLT_LOG,
        )
        self.command_prefix = f"{config.slack.command} "
        self.people: dict[str, SlackPerson] = {}
        self._seen_events: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._socket_handler: Any = None
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
            return
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self._socket_handler = AsyncSocketModeHandler(self.app, self.secrets.app_token)
        await self._socket_handler.connect_async()

    async def stop(self) -> None:
        if self._socket_handler is not None:
            await self._socket_handler.close_async()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def handle_http(self, request: web.Request) -> web.Response:
        response = await self.app.async_dispatch(await to_bolt_request(request))
        if response.status == 401:
            log.warning("slack_request_refused", extra={"remote": request.remote})
        return await to_aiohttp_response(response)

    # -- incoming ----------------------------------------------------------------------------

    async def _on_command(self, ack: Any, command: dict[str, Any]) -> None:
        await self._answer_command(ack, command, command.get("text", ""))

    async def _on_log_command(self, ack: Any, command: dict[str, Any]) -> None:
        await self._answer_command(ack, command, "log " + command.get("text", ""))

    async def _answer_command(self, ack: Any, command: dict[str, Any], text: str) -> None:
        user_id = command["user_id"]
        incoming = await self._incoming(
            user_id, command.get("channel_id", ""), text, command.get("trigger_id", "")
        )
        replies = await self._run(incoming)
        messages = self._messages(to_caller(replies))
        if messages:
            await ack(response_type="ephemeral", **messages[0])
        else:
            await ack()
        if len(messages) > 1:
            channel = command.get("channel_id", "")
            self._later(self._send_ephemerals(channel, user_id, messages[1:]))
        if _needs_follow_up(replies):
            self._later(self._after_reply(user_id, replies))

    async def _on_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A pressed button sends its command as the presser; the answer is for them only."""
        await ack()
        self._later(self._answer_button(body, action))

    async def _answer_button(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        press = body.get("trigger_id") or action.get("action_ts", "")
        incoming = await self._incoming(user_id, channel, action.get("value", ""), f"press:{press}")
        replies = await self._run(incoming)
        if channel:
            await self._send_ephemerals(channel, user_id, self._messages(to_caller(replies)))
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
        event_id = body.get("event_id") or event.get("client_msg_id") or event.get("ts", "")
        if self._seen(event_id):
            log.info("repeated_slack_event", extra={"event_id": event_id})
            return
        # Events are acknowledged at once; the work happens after the ack.
        self._later(self._answer_event(event, event_id, reply_in_channel))

    async def _answer_event(
        self, event: dict[str, Any], event_id: str, reply_in_channel: bool
    ) -> None:
        user_id, channel = event.get("user", ""), event.get("channel", "")
        text = MENTION.sub("", event.get("text", ""), count=1)
        incoming = await self._incoming(user_id, channel, text, event_id)
        if event.get("files") and text.strip().lower().lstrip("/").startswith("photo"):
            image = await self._download(event["files"][0])
            incoming = dataclasses.replace(incoming, image=image)
        replies = await self._run(incoming)
        messages = self._messages(to_caller(replies))
        if reply_in_channel:
            for message in messages:
                await self.client.chat_postMessage(channel=channel, **message)
        else:
            await self._send_ephemerals(channel, user_id, messages)
        await self._after_reply(user_id, replies)

    def _seen(self, event_id: str) -> bool:
        """Slack retries an event it thinks was lost; in-process memory of recent ids."""
        if event_id in self._seen_events:
            return True
        self._seen_events[event_id] = None
        if len(self._seen_events) > SEEN_EVENTS:
            self._seen_events.popitem(last=False)
        return False

    async def _incoming(self, user_id: str, chat_id: str, text: str, delivery_id: str) -> Incoming:
        person = await self._person(user_id)
        return Incoming(
            platform=PLATFORM,
            user_id=user_id,
            chat_id=chat_id,
            text=text,
            delivery_id=delivery_id,
            display_name=person.display_name,
            timezone=person.timezone,
        )

    async def _person(self, user_id: str) -> SlackPerson:
        """Display name and time zone from users.info, asked once per user per process."""
        cached = self.people.get(user_id)
        if cached is not None:
            return cached
        try:
            response = await self.client.users_info(user=user_id)
            user = response["user"]
            profile = user.get("profile", {})
            name = profile.get("display_name") or profile.get("real_name") or user.get("name")
            person = SlackPerson(name or None, user.get("tz"))
        except Exception as error:
            reason = getattr(getattr(error, "response", None), "get", lambda _k: None)("error")
            log.warning(
                "slack_users_info_failed",
                extra={"user": user_id, "reason": reason or type(error).__name__},
            )
            return SlackPerson(None, None)
        self.people[user_id] = person
        return person

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
                        await self._upload(await self._dm_channel(user_id), part)
            else:
                await self.outbox.deliver(reply)

    def _later(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guarded(work: Any) -> None:
        try:
            await work
        except Exception:
            log.exception("slack_send_failed")

    async def _download(self, file: dict[str, Any]) -> IncomingImage:
        """A file shared with the bot, fetched with the bot token; not fetched if too big."""
        size = int(file.get("size") or 0)
        url = file.get("url_private_download") or file.get("url_private") or ""
        if size > MAX_BYTES or not self._trusted_file_url(url):
            return IncomingImage(None, size, file.get("name", ""))
        headers = {"Authorization": f"Bearer {self.secrets.bot_token}"}
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers=headers) as response:
                response.raise_for_status()
                content = await response.content.read(MAX_BYTES + 1)
        return IncomingImage(content, max(size, len(content)), file.get("name", ""))

    def _trusted_file_url(self, url: str) -> bool:
        """The bot token goes only to Slack's own hosts (or the configured API host)."""
        host = urlsplit(url).hostname or ""
        return host == urlsplit(self.config.slack.api_url).hostname or host.endswith(".slack.com")

    async def _dm_channel(self, user_id: str) -> str:
        response = await self.client.conversations_open(users=user_id)
        return response["channel"]["id"]

    async def _upload(self, channel: str, attachment: Attachment) -> None:
        await self.client.files_upload_v2(
            channel=channel,
            content=attachment.content,
            filename=attachment.filename,
            title=attachment.filename,
        )

    # -- the outbox's sender ------------------------------------------------------------------

    async def open_direct(self, user_id: str) -> str:
        return await self._dm_channel(user_id)

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        """The message; a ledger post carries its key as metadata, so that `was_posted` can
        find it after a time-out."""
        metadata = (
            {"event_type": POST_METADATA, "event_payload": {"post_key": reply.post_key}}
            if reply.post_key
            else None
        )
        for number, message in enumerate(self._messages([reply]), start=1):
            try:
                await self.client.chat_postMessage(channel=chat_id, metadata=metadata, **message)
            except Exception as error:
                # After a time-out, or with part of the post already in the chat, a resend
                # could show it twice.
                if isinstance(error, TimeoutError) or number > 1:
                    raise MaybeSent from error
                raise

    async def post_file(self, chat_id: str, attachment: Attachment) -> None:
        try:
            await self._upload(chat_id, attachment)
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
