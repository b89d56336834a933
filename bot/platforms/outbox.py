"""Replies that leave the caller's conversation: announcements and direct notices.

Each platform adapter sends its caller's replies itself and hands the others here; the outbox
sends them to every announcement chat and every account, on whichever platform it is.
"""

import logging
from typing import Protocol

from bot.config import Config
from bot.replies import Reply, ToAnnouncementChats, ToCaller, ToParticipant

log = logging.getLogger(__name__)


class Sender(Protocol):
    """What the outbox needs from a platform adapter."""

    async def post_to_chat(self, chat_id: str, reply: Reply) -> None: ...

    async def send_direct(self, user_id: str, reply: Reply) -> None: ...


class Outbox:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.senders: dict[str, Sender] = {}

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
        delivered = 0
        for platform, target, direct in targets:
            sender = self.senders.get(platform)
            if sender is None:
                continue
            try:
                if direct:
                    await sender.send_direct(target, reply)
                else:
                    await sender.post_to_chat(target, reply)
                delivered += 1
            except Exception:
                log.exception("delivery_failed", extra={"platform": platform, "target": target})
        return delivered
