"""Replies that leave the caller's conversation: announcements and direct notices.

Each platform adapter sends its caller's replies itself and hands the others here; the outbox
sends them to every announcement chat and every account, on whichever platform it is.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.config import Config
from bot.replies import Reply, ToAnnouncementChats, ToCaller, ToParticipant

log = logging.getLogger(__name__)


class Sender(Protocol):
    """What the outbox needs from a platform adapter."""

    async def post_to_chat(self, chat_id: str, reply: Reply) -> None: ...

    async def send_direct(self, user_id: str, reply: Reply) -> None: ...


class Outbox:
    def __init__(
        self,
        config: Config,
        on_posted: Callable[[str], Awaitable[None]] | None = None,
        attempts: int = 3,
        first_backoff_s: float = 1.0,
    ) -> None:
        self.config = config
        self.senders: dict[str, Sender] = {}
        self.on_posted = on_posted
        self.attempts = attempts
        self.first_backoff_s = first_backoff_s

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
        sent = await asyncio.gather(
            *(self._send(platform, target, direct, reply) for platform, target, direct in targets)
        )
        if reply.post_key is not None and self.on_posted is not None:
            await self.on_posted(reply.post_key)
        return sum(sent)

    async def _send(self, platform: str, target: str, direct: bool, reply: Reply) -> bool:
        """One chat, retried with growing pauses; the SDKs already wait out rate limits."""
        sender = self.senders.get(platform)
        if sender is None:
            log.warning("no_sender_for_platform", extra={"platform": platform, "target": target})
            return False
        for attempt in range(1, self.attempts + 1):
            try:
                if direct:
                    await sender.send_direct(target, reply)
                else:
                    await sender.post_to_chat(target, reply)
                return True
            except Exception as error:
                log.warning(
                    "delivery_failed",
                    extra={
                        "platform": platform,
                        "target": target,
                        "attempt": attempt,
                        "error": type(error).__name__,
                    },
                )
                if attempt < self.attempts:
                    await asyncio.sleep(self.first_backoff_s * 2 ** (attempt - 1))
        log.error("delivery_given_up", extra={"platform": platform, "target": target})
        return False
