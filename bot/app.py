"""The running bot: one asyncio process serving every enabled platform over one database."""

import asyncio
import gc
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bot.config import Config
from bot.handlers.dispatch import Clock, Dispatcher, utc_now
from bot.health import BotHealth, DatabaseProbe
from bot.platforms.credentials import Secrets
from bot.platforms.outbox import Outbox
from bot.platforms.web import WebServer
from bot.schedule import PostSchedule
from bot.startup import open_challenge
from storage import repository as repo
from storage.database import transaction

log = logging.getLogger(__name__)

# The collector looks at young objects after this many more were made than freed (Python's
# default is 700): a busy bot makes thousands a second that live for one request only.
YOUNG_OBJECTS_PER_COLLECTION = 10_000


@dataclass
class RunningBot:
    config: Config
    dispatcher: Dispatcher
    engine: Engine
    server: WebServer
    outbox: Outbox
    schedule: PostSchedule
    adapters: list[Any] = field(default_factory=list)
    board: Any = None  # the web board, when [web] is enabled
    collector_thresholds: tuple[int, int, int] = field(default_factory=gc.get_threshold)

    async def stop(self) -> None:
        """Stop taking updates, let the commands in flight finish, stop the scheduler,
        close the database."""
        await self.server.stop()
        if self.board is not None:
            await self.board.stop()
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter_stop_failed")
        await self.schedule.stop()
        await self.dispatcher.close()
        self.engine.dispose()
        gc.unfreeze()
        gc.set_threshold(*self.collector_thresholds)
        log.info("bot_stopped")


async def start_bot(
    config: Config,
    secrets: Secrets,
    clock: Clock = utc_now,
    outbox_backoff_s: float = 2.0,
    start_schedule: bool = True,
) -> RunningBot:
    """Open the database, start the enabled platforms and (unless told not to yet, so that
    a console can take its place in the outbox first) the scheduled posts."""
    dispatcher, engine = await asyncio.to_thread(open_challenge, config, clock)

    async def record_post(key: str, reached: bool) -> None:
        await asyncio.to_thread(_record_post, dispatcher, key, reached)

    outbox = Outbox(config, record_post=record_post, first_backoff_s=outbox_backoff_s)
    server = WebServer(config.server.host, config.server.port)
    schedule = PostSchedule(config, dispatcher.sessions, dispatcher.season_id, outbox, clock)
    outbox.unreachable.append(schedule.stop_reminders_of)
    bot = RunningBot(config, dispatcher, engine, server, outbox, schedule)
    if config.slack.enabled:
        from bot.platforms.slack import SlackAdapter

        bot.adapters.append(SlackAdapter(config, dispatcher, outbox, secrets))
    if config.telegram.enabled:
        from bot.platforms.telegram import TelegramAdapter

        bot.adapters.append(TelegramAdapter(config, dispatcher, outbox, secrets))
    if config.web.enabled:
        from bot.platforms.board import BoardSite

        secrets.check_board_key(config)
        bot.board = BoardSite(config, dispatcher, secrets.board_key)
        bot.board.add_routes(server)
        dispatcher.listeners.append(bot.board.changed)
    server.health = BotHealth(
        adapters=[adapter.health for adapter in bot.adapters],
        database=DatabaseProbe(engine),
        next_runs=schedule.next_runs,
        backlog=lambda: outbox.backlog,
    )
    try:
        started = []
        for adapter in bot.adapters:
            await adapter.start(server)
            started.append(adapter)
        if bot.board is not None:
            await bot.board.start()
        # Any platform means a deployment: serve /healthz even when nothing else is on HTTP.
        if bot.adapters or bot.board is not None:
            await server.start()
    except BaseException:
        bot.adapters = started
        await bot.stop()
        raise
    if start_schedule:
        schedule.start()
    _settle_heap()
    log.info("bot_started", extra={"platforms": [type(a).__name__ for a in bot.adapters]})
    return bot


def _settle_heap() -> None:
    """What start-up made lives as long as the bot (SQLAlchemy's, Bolt's and matplotlib's
    objects): frozen, it is no longer walked by every full collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *gc.get_threshold()[1:])


def _record_post(dispatcher: Dispatcher, key: str, reached: bool) -> None:
    """A post that reached a chat is recorded as sent; one that reached none gives its claim
    back, so that it may be posted again."""
    with transaction(dispatcher.sessions) as session:
        if reached:
            repo.mark_post_sent(session, key, dispatcher.clock())
        else:
            repo.release_post(session, key)
