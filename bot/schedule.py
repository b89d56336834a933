"""Scheduled posts: the daily leaderboard and the final report, each exactly once; the
journey's stops passed and the bonuses reached, looked for every 15 s and each announced
once; the erasure of everyone's personal data `[privacy] retention_days` after the season,
once; and the hourly forgetting of platform deliveries too old to come again.

APScheduler runs the jobs in the bot's event loop. Every post is claimed in the database's
post ledger before it is sent, so a restart, a second instance or an admin's manual post never
repeats one; a post missed while the bot was down is made late, within `catch_up_hours`.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot import i18n
from bot.background import Background
from bot.config import Config
from bot.handlers.dispatch import Clock
from bot.handlers.journey import claim_journey_news
from bot.handlers.posts import claim_final_report, claim_leaderboard
from bot.handlers.privacy import claim_erasure
from bot.handlers.reminders import claim_reminders
from bot.handlers.vote import close_vote
from bot.metrics import POSTS
from bot.platforms.outbox import Outbox
from bot.replies import Reply
from storage import media, reminders
from storage import repository as repo
from storage.database import transaction

log = logging.getLogger(__name__)
# Slack retries an event for about an hour, Telegram keeps an update for 24 hours: a delivery
# older than this will not come again, so its record can go.
DELIVERY_MEMORY = timedelta(days=2)
# How often the season's km are looked at for a stop passed or a bonus reached: two cheap
# queries, and the news reads as news.
JOURNEY_EVERY_S = 15
# Reminders due in one minute go out over this many seconds of it.
REMINDERS_SPREAD_S = 50


class PostSchedule:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        season_id: int,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.season_id = season_id
        self.outbox = outbox
        self.clock = clock
        self.zone = config.season.timezone
        self.scheduler = AsyncIOScheduler(timezone=self.zone)
        self._beside = Background("catch_up_failed")
        self.reminders_spread_s = REMINDERS_SPREAD_S

    # -- when ------------------------------------------------------------------------------------

    @property
    def catch_up(self) -> timedelta:
        return timedelta(hours=self.config.schedule.catch_up_hours)

    def leaderboard_due(self, day: date) -> datetime:
        return datetime.combine(day, self.config.schedule.daily_leaderboard, tzinfo=self.zone)

    def latest_leaderboard_day(self, now: datetime) -> date | None:
        """The season day whose leaderboard time is the latest one not after `now`."""
        day = now.astimezone(self.zone).date()
        if self.leaderboard_due(day) > now:
            day -= timedelta(days=1)
        season = self.config.season
        return day if season.start <= day <= season.end else None

    def final_report_due(self) -> datetime:
        return self.config.schedule.final_report_at(self.config.season)

    # -- start and stop --------------------------------------------------------------------------

    def start(self) -> None:
        """Declare the jobs, then make any post missed while the bot was down."""
        season, daily = self.config.season, self.config.schedule.daily_leaderboard
        grace = int(self.catch_up.total_seconds())
        self.scheduler.add_job(
            self.post_leaderboard,
            CronTrigger(
                hour=daily.hour,
                minute=daily.minute,
                second=daily.second,
                start_date=datetime.combine(season.start, time(0), tzinfo=self.zone),
                end_date=datetime.combine(season.end, time(23, 59, 59), tzinfo=self.zone),
                timezone=self.zone,
            ),
            id="daily_leaderboard",
            misfire_grace_time=grace,
            coalesce=True,
            max_instances=1,
        )
        # A moment already past is left to catch_up_missed(), which knows the catch-up window.
        now = self.clock()
        if self.final_report_due() > now:
            self.scheduler.add_job(
                self.post_final_report,
                DateTrigger(run_date=self.final_report_due()),
                id="final_report",
                misfire_grace_time=grace,
            )
        vote_closes = self.config.schedule.vote_closes
        if vote_closes is not None and vote_closes > now:
            self.scheduler.add_job(
                self.close_vote,
                DateTrigger(run_date=vote_closes),
                id="vote_close",
                misfire_grace_time=None,  # closing late is still right; never skip it
            )
        erase_at = self.config.privacy.erase_at(self.config.season)
        if erase_at is not None and erase_at > now:
            self.scheduler.add_job(
                self.erase_personal_data,
                DateTrigger(run_date=erase_at),
                id="erase_personal_data",
                misfire_grace_time=None,  # erasing late is still right; never skip it
            )
        self.scheduler.add_job(
            self.announce_journey,
            IntervalTrigger(seconds=JOURNEY_EVERY_S),
            id="journey_news",
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.send_reminders,
            CronTrigger(second=0, timezone=self.zone),
            id="reminders",
            misfire_grace_time=30,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.forget_old_deliveries,
            IntervalTrigger(hours=1),
            id="forget_deliveries",
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()
        self._beside.start(self.catch_up_missed())

    async def stop(self) -> None:
        """Stop the jobs, and cancel and wait for the work started beside them."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self._beside.cancel()

    def next_runs(self) -> dict[str, str | None]:
        """Each job's next run time (ISO 8601), None for a job that will not run again."""
        runs: dict[str, str | None] = {}
        for job in self.scheduler.get_jobs():
            next_run = getattr(job, "next_run_time", None)  # unset until the scheduler starts
            runs[job.id] = next_run.isoformat() if next_run is not None else None
        return runs

    # -- the jobs --------------------------------------------------------------------------------

    async def catch_up_missed(self) -> None:
        """Posts whose time passed less than `catch_up_hours` ago; the ledger skips made ones."""
        now = self.clock()
        day = self.latest_leaderboard_day(now)
        if day is not None and now - self.leaderboard_due(day) <= self.catch_up:
            await self.post_leaderboard()
        vote_closes = self.config.schedule.vote_closes
        if vote_closes is not None and vote_closes <= now:
            await self.close_vote()
        final_due = self.final_report_due()
        if final_due <= now <= final_due + self.catch_up:
            await self.post_final_report()
        erase_at = self.config.privacy.erase_at(self.config.season)
        if erase_at is not None and erase_at <= now:
            await self.erase_personal_data()
        await self.announce_journey()

    async def post_leaderboard(self) -> bool:
        """Today's leaderboard (the latest due), unless it was already posted."""
        now = self.clock()
        day = self.latest_leaderboard_day(now)
        if day is None or now - self.leaderboard_due(day) > self.catch_up:
            return False
        return await self._post(
            "leaderboard",
            lambda session: claim_leaderboard(session, self.config, self.season_id, day, now),
        )

    async def post_final_report(self) -> bool:
        now = self.clock()
        if now > self.final_report_due() + self.catch_up:
            return False
        return await self._post(
            "final_report",
            lambda session: claim_final_report(session, self.config, self.season_id, now),
        )

    async def close_vote(self) -> bool:
        """Close the charity vote at `schedule.vote_closes`, if an admin has not already."""
        now = self.clock()
        with i18n.using(self.config.languages.default):  # an announcement
            replies = await asyncio.to_thread(
                self._in_transaction,
                lambda session: close_vote(session, self.season_id, now) or None,
            )
        for reply in replies or []:
            await self.outbox.deliver(reply)
        return bool(replies)

    async def erase_personal_data(self) -> int | None:
        """Erase everyone's personal data once the retention time is over, unless it was
        already done (the post ledger remembers); how many people, None when done before."""
        now = self.clock()
        erase_at = self.config.privacy.erase_at(self.config.season)
        if erase_at is None or now < erase_at:
            return None
        erased = await asyncio.to_thread(
            self._in_transaction, lambda session: claim_erasure(session, self.season_id, now)
        )
        if erased is None:
            log.info("personal_data_already_erased")
            return None
        for sha256, media_type in erased.images:  # the erasure is committed: now the files
            media.remove(self.config.photos.media_dir, sha256, media_type)
        log.info("personal_data_erased", extra={"people": erased.people})
        return erased.people

    async def announce_journey(self) -> int:
        """Announce the stops passed and the bonuses reached since the last look, each once
        (the post ledger remembers); how many announcements reached a chat."""
        now = self.clock()
        news = await asyncio.to_thread(
            self._in_transaction,
            lambda session: claim_journey_news(session, self.config, self.season_id, now),
        )
        reached = 0
        for reply in news:
            reached += await self.outbox.deliver(reply) > 0
        return reached

    async def send_reminders(self) -> int:
        """The reminders due this minute, each claimed once; sent spread over the minute, so
        that thousands due at 19:30 stay within the platforms' rate limits. How many."""
        now = self.clock()
        due = await asyncio.to_thread(
            self._in_transaction,
            lambda session: claim_reminders(session, self.config, self.season_id, now),
        )
        gap = self.reminders_spread_s / max(len(due), 1)
        for index, reply in enumerate(due):
            self._beside.start(self._deliver_after(index * gap, reply))
        if due:
            log.info("reminders_due", extra={"count": len(due)})
        return len(due)

    async def _deliver_after(self, seconds: float, reply: Reply) -> None:
        await asyncio.sleep(seconds)
        await self.outbox.deliver(reply)

    async def stop_reminders_of(self, platform: str, user_id: str) -> None:
        """Someone blocked the bot: their reminders stop, for good."""
        await asyncio.to_thread(
            self._in_transaction,
            lambda session: reminders.stop_account(session, platform, user_id),
        )
        log.info("reminders_stopped_unreachable", extra={"platform": platform})

    async def forget_old_deliveries(self) -> int:
        """Drop the records of deliveries older than `DELIVERY_MEMORY`; how many went."""
        before = self.clock() - DELIVERY_MEMORY
        forgotten = await asyncio.to_thread(
            self._in_transaction, lambda session: repo.forget_deliveries(session, before)
        )
        log.info("deliveries_forgotten", extra={"count": forgotten})
        return forgotten

    async def _post(self, kind: str, claim: Callable[[Session], Reply | None]) -> bool:
        """Claim the post, then (the claim committed) draw and send it; whether it reached a
        chat. One that reached none gives its claim back (see the outbox)."""
        reply = await asyncio.to_thread(self._in_transaction, claim)
        if reply is None:
            POSTS.labels(kind, "skipped").inc()
            log.info("post_already_made", extra={"kind": kind})
            return False
        chats = await self.outbox.deliver(reply)
        if chats:
            log.info("post_made", extra={"kind": kind, "chats": chats})
        return chats > 0

    def _in_transaction(self, work: Callable[[Session], Any]) -> Any:
        """Run a claim, a close or a clean-up in its own transaction."""
        with transaction(self.sessions) as session:
            return work(session)
