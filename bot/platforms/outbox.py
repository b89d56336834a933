"""Replies that leave the caller's conversation: announcements and direct notices.

Each platform adapter sends its caller's replies itself and hands the others here; the outbox
sends them to every announcement chat and every account, on whichever platform it is. Each
step (the text, then each file) is retried on its own, so a failed chart upload never posts
the text twice; a send that may have happened (a time-out) is resent only when the platform
can tell that it did not.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.config import Config
from bot.replies import Attachment, Reply, ToAnnouncementChats, ToCaller, ToParticipant

log = logging.getLogger(__name__)


class MaybeSent(Exception):
    """The platform did not answer in time: the send may or may not have happened."""


class Undeliverable(Exception):
    """The platform refused for good (the bot is not in the channel, the person blocked it):
    trying again cannot help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(Exception):
    """The platform asked to be called again after `seconds` (a rate limit)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class Sender(Protocol):
    """What the outbox needs from a platform adapter."""

    async def open_direct(self, user_id: str) -> str:
        """The chat id of the direct conversation with a user."""
        ...

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        """Everything but the files; raises MaybeSent when the outcome is unknown."""
        ...

    async def post_file(self, chat_id: str, attachment: Attachment) -> None: ...

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        """Whether a post with this ledger key is in the chat; None when it cannot tell."""
        ...


class Outbox:
    def __init__(
        self,
        config: Config,
        on_posted: Callable[[str], Awaitable[None]] | None = None,
        attempts: int = 6,
        first_backoff_s: float = 1.0,
    ) -> None:
        self.config = config
        self.senders: dict[str, Sender] = {}
        self.on_posted = on_posted
        self.attempts = attempts
        self.first_backoff_s = first_backoff_s
        self.backlog = 0  # replies being delivered now

    def register(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    async def deliver(self, reply: Reply) -> int:
        """Send one reply to its audience; returns how many chats got it. One failing chat
        does not hold back the others."""
        match reply.audience:
            case ToAnnouncementChats():
                targets = [(chat.platform, chat.chat, False) for chat in self.config.announce]
            case ToParticipant(accounts):
                targets = [(platform, user, True) for platform, user in accounts]
            case ToCaller():
                return 0
        self.backlog += 1
        try:
            sent = await asyncio.gather(
                *(self._send(platform, chat, direct, reply) for platform, chat, direct in targets)
            )
        finally:
            self.backlog -= 1
        if reply.post_key is not None and self.on_posted is not None and all(sent):
            await self.on_posted(reply.post_key)
        return sum(sent)

    async def _send(self, platform: str, target: str, direct: bool, reply: Reply) -> bool:
        sender = self.senders.get(platform)
        if sender is None:
            log.warning("no_sender_for_platform", extra={"platform": platform, "target": target})
            return False
        where = {"platform": platform, "target": target}
        chat = target
        if direct:
            opened = await self._step(lambda: sender.open_direct(target), where)
            if opened is None:
                return False
            chat = opened

        async def already_there() -> bool | None:
            return await sender.was_posted(chat, reply.post_key) if reply.post_key else None

        if await self._step(lambda: sender.post_text(chat, reply), where, already_there) is None:
            return False
        for part in reply.parts:
            if isinstance(part, Attachment):
                await self._step(lambda part=part: sender.post_file(chat, part), where)
        return True

    async def _step(
        self,
        send: Callable[[], Awaitable[object]],
        where: dict[str, str],
        already_there: Callable[[], Awaitable[bool | None]] | None = None,
    ) -> object | None:
        """One send, retried with growing pauses (the SDKs already wait out rate limits);
        the send's result, True when it may have happened, None when it surely did not."""
        for attempt in range(1, self.attempts + 1):
            try:
                result = await send()
                return True if result is None else result
            except MaybeSent:
                there = await already_there() if already_there is not None else None
                if there is not False:
                    # There, or unknowable: resending could show it twice.
                    log.warning(
                        "delivery_outcome_unknown" if there is None else "delivery_confirmed_late",
                        extra=where,
                    )
                    return True
            except Exception as error:
                log.warning(
                    "delivery_failed",
                    extra={**where, "attempt": attempt, "error": type(error).__name__},
                )
            if attempt < self.attempts:
                await asyncio.sleep(self.first_backoff_s * 2 ** (attempt - 1))
        log.error("delivery_given_up", extra=where)
        return None
