"""Replies that leave the caller's conversation: announcements and direct notices.

Each platform adapter sends its caller's replies itself and hands the others here; the outbox
draws their charts and maps, then sends them to every announcement chat and every account, on
whichever platform it is. Each step (the text, then each file) is retried on its own, so a
failed chart upload never posts the text twice; a send that may have happened (a time-out) is
resent only when the platform can tell that it did not; a chat that refuses for good is not
tried again. A ledger post is recorded as sent once it reached a chat, or given back when it
reached none, and the admin who asked for it is told which.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.config import Config
from bot.handlers.posts import delivery_notice
from bot.metrics import OUTBOX_SENDS, POSTS
from bot.replies import (
    Attachment,
    LedgerPost,
    Reply,
    ToAnnouncementChats,
    ToCaller,
    ToParticipant,
    drawn,
)

log = logging.getLogger(__name__)
Result = TypeVar("Result")
# A platform asking for a longer pause still gets its retry after this long: a post an hour
# late is worse than one more refusal.
LONGEST_WAIT_S = 60.0


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

    async def open_direct(self, user_id: str, files: bool = True) -> str:
        """The chat id of the direct conversation with a user; `files` when files go there
        too (Slack posts text to a user's id, but files only into an opened conversation)."""
        ...

    async def post_text(self, chat_id: str, reply: Reply) -> None:
        """Everything but the files; raises MaybeSent when the outcome is unknown,
        Undeliverable when the platform refuses for good, RetryLater when rate limited."""
        ...

    async def post_file(self, chat_id: str, attachment: Attachment) -> None: ...

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        """Whether a post with this ledger key is in the chat; None when it cannot tell."""
        ...


@dataclass(frozen=True)
class Arrival:
    """How one reply went to one chat or account."""

    platform: str
    target: str
    reached: bool
    why_not: str = ""

    def describe(self) -> str:
        return f"{self.platform.capitalize()} {self.target}: {self.why_not}"


class NotSent(Exception):
    """A step that did not happen, and why; `for_good` when no later try can help."""

    def __init__(self, why: str, for_good: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.for_good = for_good


class Outbox:
    def __init__(
        self,
        config: Config,
        record_post: Callable[[str, bool], Awaitable[None]] | None = None,
        attempts: int = 3,
        first_backoff_s: float = 1.0,
    ) -> None:
        """`record_post(key, reached)` records a ledger post as sent, or gives its claim
        back when it reached no chat. The SDKs already retry what they can, so a step gets
        only `attempts` more."""
        self.config = config
        self.senders: dict[str, Sender] = {}
        self.record_post = record_post
        self.attempts = attempts
        self.first_backoff_s = first_backoff_s
        self.backlog = 0  # replies being delivered now
        # Told of a person whose direct chat refuses for good (they blocked the bot).
        self.unreachable: list[Callable[[str, str], Awaitable[None]]] = []

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
            reply = await drawn(reply)
            platforms = dict.fromkeys(platform for platform, _chat, _direct in targets)
            done = await asyncio.gather(
                *(
                    self._deliver_on(platform, [t for t in targets if t[0] == platform], reply)
                    for platform in platforms
                )
            )
        finally:
            self.backlog -= 1
        arrivals = [arrival for arrivals_on_platform in done for arrival in arrivals_on_platform]
        if reply.post is not None:
            await self._settle(reply.post, arrivals)
        return sum(arrival.reached for arrival in arrivals)

    async def _send(
        self, platform: str, target: str, direct: bool, reply: Reply, with_files: bool
    ) -> tuple[Arrival, str | None]:
        """The text to one chat or account; how it went, and the chat it reached.
        `with_files` when files follow it there."""
        sender = self.senders.get(platform)
        if sender is None:
            log.warning("no_sender_for_platform", extra={"platform": platform, "target": target})
            return Arrival(platform, target, False, "not connected"), None
        where = {"platform": platform, "target": target}

        async def already_there() -> bool | None:
            return await sender.was_posted(chat, reply.post_key) if reply.post_key else None

        try:
            chat = target
            if direct:
                opened = await self._step(lambda: sender.open_direct(target, with_files), where)
                if opened is None:
                    return Arrival(platform, target, False, "no direct chat"), None
                chat = opened
            await self._step(lambda: sender.post_text(chat, reply), where, already_there)
        except NotSent as failure:
            if direct and failure.for_good:
                await self._tell_unreachable(platform, target)
            return Arrival(platform, target, False, failure.why), None
        return Arrival(platform, target, True), chat

    async def _deliver_on(
        self, platform: str, targets: list[tuple[str, str, bool]], reply: Reply
    ) -> list[Arrival]:
        """One platform's share of a reply, apace of the others: each chat's text, then its
        files. A platform that shares one upload into many chats (Slack) gets each file once
        for all the chats the text reached, so that fifty channels cost two uploads, not a
        hundred; if that fails, each chat is tried on its own."""
        files = [part for part in reply.parts if isinstance(part, Attachment)]
        sender = self.senders.get(platform)
        share = getattr(sender, "share_file", None)
        if not files or share is None or len(targets) < 2:
            return list(
                await asyncio.gather(
                    *(self._send_with_files(target, reply, files) for target in targets)
                )
            )
        sent = await asyncio.gather(*(self._send(*target, reply, True) for target in targets))
        chats = [chat for _arrival, chat in sent if chat]
        where = {"platform": platform, "target": f"{len(chats)} chats"}
        while files and len(chats) > 1:
            try:
                await self._step(lambda part=files[0]: share(chats, part), where)
            except NotSent:
                log.warning("shared_file_failed_trying_each_chat", extra=where)
                break
            files = files[1:]
        if files:
            await asyncio.gather(*(self._files_to_chat(platform, chat, files) for chat in chats))
        return [arrival for arrival, _chat in sent]

    async def _send_with_files(
        self, target: tuple[str, str, bool], reply: Reply, files: list[Attachment]
    ) -> Arrival:
        arrival, chat = await self._send(*target, reply, bool(files))
        if chat is not None and files:
            await self._files_to_chat(arrival.platform, chat, files)
        return arrival

    async def _files_to_chat(self, platform: str, chat: str, files: list[Attachment]) -> None:
        sender = self.senders[platform]
        where = {"platform": platform, "target": chat}
        for part in files:
            try:
                await self._step(lambda part=part: sender.post_file(chat, part), where)
            except NotSent as failure:
                if failure.for_good:
                    break

    async def _tell_unreachable(self, platform: str, user_id: str) -> None:
        for listener in self.unreachable:
            try:
                await listener(platform, user_id)
            except Exception:
                log.exception("unreachable_not_recorded", extra={"platform": platform})

    async def _step(
        self,
        send: Callable[[], Awaitable[Result]],
        where: dict[str, str],
        already_there: Callable[[], Awaitable[bool | None]] | None = None,
    ) -> Result | None:
        """One send, retried after a pause (the platform's own, for a rate limit; else a
        growing one); its result, None when it may have happened. Raises NotSent when it
        surely did not."""
        platform = where["platform"]
        why = ""
        for attempt in range(1, self.attempts + 1):
            pause = self.first_backoff_s * 2 ** (attempt - 1)
            try:
                result = await send()
                OUTBOX_SENDS.labels(platform, "sent").inc()
                return result
            except Undeliverable as refusal:
                OUTBOX_SENDS.labels(platform, "undeliverable").inc()
                log.warning("delivery_undeliverable", extra={**where, "reason": refusal.reason})
                raise NotSent(refusal.reason, for_good=True) from refusal
            except RetryLater as limit:
                why = "rate limited"
                pause = min(max(limit.seconds, 0.0), LONGEST_WAIT_S)
                log.warning(
                    "delivery_rate_limited",
                    extra={**where, "attempt": attempt, "retry_after_s": limit.seconds},
                )
            except MaybeSent:
                there = await already_there() if already_there is not None else None
                if there is not False:
                    # There, or unknowable: resending could show it twice.
                    log.warning(
                        "delivery_outcome_unknown" if there is None else "delivery_confirmed_late",
                        extra=where,
                    )
                    OUTBOX_SENDS.labels(platform, "sent").inc()
                    return None
                why = "timed out"
            except Exception as error:
                why = type(error).__name__
                log.warning("delivery_failed", extra={**where, "attempt": attempt, "error": why})
            if attempt < self.attempts:
                OUTBOX_SENDS.labels(platform, "retried").inc()
                await asyncio.sleep(pause)
        OUTBOX_SENDS.labels(platform, "failed").inc()
        log.error("delivery_given_up", extra={**where, "attempts": self.attempts, "error": why})
        raise NotSent(f"{why}, {self.attempts} tries")

    async def _settle(self, post: LedgerPost, arrivals: list[Arrival]) -> None:
        """Record the post as sent, or give its claim back when it reached no chat; then
        tell the admin who asked for it."""
        reached = sum(arrival.reached for arrival in arrivals)
        missed = [arrival.describe() for arrival in arrivals if not arrival.reached]
        recorded = True
        if self.record_post is not None:
            try:
                await self.record_post(post.key, reached > 0)
            except Exception:
                log.exception("post_not_recorded", extra={"key": post.key, "chats": reached})
                recorded = False
        POSTS.labels(post.kind, "made" if reached else "failed").inc()
        if not reached:
            log.error("post_reached_no_chat", extra={"kind": post.kind, "key": post.key})
        if post.report_to:
            await self.deliver(delivery_notice(post, reached, len(arrivals), missed, recorded))
