"""From a neutral incoming message to neutral replies: parse, check, run in one transaction."""

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from bot import commands as c
from bot import i18n, metrics
from bot.config import Config
from bot.handlers import activities, catalogue
from bot.handlers.batching import Batcher, NoTurn
from bot.handlers.context import Context, reply_language
from bot.handlers.registry import REFUSALS, Declaration, TakesFile, Who
from bot.i18n import N_, _
from bot.messages import FileElsewhere, FileNotFetched, Incoming
from bot.replies import Part, Reply, Text, ToCaller, drawn, say
from storage import repository as repo
from storage.database import DatabaseBusy, LoopDatabase, make_read_sessions, transaction

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PARALLEL_POSTGRESQL_BATCHES = 3
# A command that has not started within this long is answered "busy" and never runs, so the
# person knows nothing was stored. Slack gives up after 3 s: a new user's profile may take
# 0.8 s of that, this 1 s, and SQLite's writer turn 1 s more. Once started, a command runs
# to its end, bounded by the database's own time limits.
COMMAND_DEADLINE_S = 1.0
# Reading a file the size limit lets in takes seconds at most; a file that takes longer is
# hostile, and its sender is asked for it again.
READ_DEADLINE_S = 30

SORRY = N_("Something went wrong on our side and nothing was changed. Please try again.")
BUSY = N_("The challenge is very busy right now and nothing was changed. Please try again.")
NOT_FETCHED = N_("I couldn't fetch that file; please send it again.")
ELSEWHERE = N_(
    "That file is a link to somewhere else, not a file sent here, so I won't fetch it. "
    "Send the file itself."
)

Done = TypeVar("Done")


def database_away(error: BaseException) -> bool:
    """A passing failure that says nothing about the command: the server restarting or out of
    reach, no pooled connection free, or the SQLite writer's turn not granted in time."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout | DatabaseBusy):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def utc_now() -> datetime:
    return datetime.now(UTC)


def takes_file(text: str) -> bool:
    """Whether `text` is a command that takes the file sent with it (`photo Sunrise`)."""
    return _file_use(catalogue.parse(text)) is not None


def command_for_file(caption: str) -> str:
    """What a file sent in a private chat runs: its caption when that is a command (a photo's
    `photo Sunrise`, or `help`); else the caption is an upload's words (`ride yesterday`)."""
    command = catalogue.parse(caption)
    if isinstance(command, c.ParseError) and not command.under:
        return f"upload {caption}".strip()
    return caption


def _file_use(command: c.Command | c.ParseError) -> TakesFile | None:
    if isinstance(command, c.ParseError):
        return None
    return catalogue.declaration_of(command).takes_file


class Dispatcher:
    """Runs one command for one caller; safe to call from many threads at once."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        season_id: int,
        clock: Clock = utc_now,
        extra_admins: set[tuple[str, str]] | None = None,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.season_id = season_id
        self.clock = clock
        self.read_sessions = make_read_sessions(sessions.kw["bind"])
        # Admins known outside config.toml: the console's `/as NAME admin`.
        self.extra_admins = extra_admins if extra_admins is not None else set()
        self._log_writer: _LogWriter | None = None
        # Told after every command that may have changed what people see (the web board).
        self.listeners: list[Callable[[], None]] = []

    def is_admin(self, platform: str, user_id: str) -> bool:
        return (platform, user_id) in self.extra_admins or self.config.is_admin(platform, user_id)

    async def answer(self, incoming: Incoming) -> list[Reply]:
        """What the adapters call: a file sent with a command that takes one is fetched
        first; logs arriving together are written in one transaction; any other command runs
        on its own in a worker thread. Always replies: a command without a turn by its
        deadline, or meeting an unreachable database, is "busy"."""
        started = time.perf_counter()
        # The language the platform tells; the caller's own choice is read with their data.
        language = reply_language(None, incoming, self.config)
        with i18n.using(language):
            command = catalogue.parse(incoming.text, language)
            kind = _kind(command)
            replies = await self._answer(incoming, command, kind)
            # Drawn after the transaction; the outbox draws what goes to the chats.
            replies = [
                await drawn(reply) if isinstance(reply.audience, ToCaller) else reply
                for reply in replies
            ]
        if self.listeners and _writes(command):
            for listener in self.listeners:
                listener()
        metrics.COMMANDS.labels(kind, _outcome(command, replies)).inc()
        metrics.COMMAND_SECONDS.labels(kind).observe(time.perf_counter() - started)
        return replies

    async def _answer(
        self, incoming: Incoming, command: c.Command | c.ParseError, kind: str
    ) -> list[Reply]:
        try:
            incoming = await self._with_file(incoming, command)
            if not isinstance(command, c.ParseError) and catalogue.declaration_of(command).batched:
                replies = await self._log_writer_here().batches.submit(
                    (incoming, command), COMMAND_DEADLINE_S
                )
            else:
                replies = await _in_worker(
                    lambda: self._handle_parsed(incoming, command), COMMAND_DEADLINE_S
                )
        except FileElsewhere:
            log.warning("file_elsewhere", extra={"platform": incoming.platform})
            replies = [say(_(ELSEWHERE))]
        except FileNotFetched as error:
            log.warning(
                "file_not_fetched", extra={"platform": incoming.platform, "reason": str(error)}
            )
            replies = [say(_(NOT_FETCHED))]
        except NoTurn:
            log.warning("command_deadline_passed", extra={"kind": kind})
            replies = [say(_(BUSY))]
        except Exception:
            log.exception("command_failed", extra={"kind": kind})
            replies = [say(_(SORRY))]
        return replies

    async def _with_file(self, incoming: Incoming, command: c.Command | c.ParseError) -> Incoming:
        """The message with its file's bytes when its command takes a file, fetched on the
        event loop and read in a worker thread, before any transaction; as it is otherwise,
        nothing fetched."""
        use = _file_use(command)
        if incoming.file is None or use is None:
            return incoming
        fetched = await incoming.file.fetch(use.max_bytes(self.config))
        if use.read is not None and fetched.content is not None:
            try:
                async with asyncio.timeout(READ_DEADLINE_S):
                    reading = await asyncio.to_thread(use.read, fetched.content, self.config)
            except TimeoutError as error:
                raise FileNotFetched(f"not read within {READ_DEADLINE_S} s") from error
            fetched = replace(fetched, reading=reading)
        return replace(incoming, fetched=fetched)

    def _log_writer_here(self) -> "_LogWriter":
        loop = asyncio.get_running_loop()
        if self._log_writer is None or self._log_writer.loop is not loop:
            self._log_writer = self._new_log_writer(loop)
        return self._log_writer

    def _new_log_writer(self, loop: asyncio.AbstractEventLoop) -> "_LogWriter":
        """SQLite has one writer at a time, in a worker thread. PostgreSQL writes on the loop
        itself, a batch while others wait on their round trips, the participants' row locks
        keeping each person's logs in order."""
        engine = self.sessions.kw["bind"]
        if engine.dialect.name != "postgresql":
            return _LogWriter(loop, Batcher(lambda logs: asyncio.to_thread(self.log_many, logs)))
        database = LoopDatabase(engine.url, PARALLEL_POSTGRESQL_BATCHES)

        async def write(logs: list[activities.LogRequest]) -> list[list[Reply]]:
            try:
                return await database.run(lambda sessions: self.log_many(logs, sessions))
            except Exception as error:
                if not database_away(error):
                    raise
                # No connection to be had (the server restarting): nothing was written.
                return _busy([incoming for incoming, _log in logs], error, self.config)

        batches: Batcher[activities.LogRequest, list[Reply]] = Batcher(
            write, parallel=PARALLEL_POSTGRESQL_BATCHES
        )
        return _LogWriter(loop, batches, database)

    async def close(self) -> None:
        """Let go of the connections the event loop's log writer holds."""
        if self._log_writer is not None and self._log_writer.database is not None:
            await self._log_writer.database.close()
        self._log_writer = None

    def _handle_parsed(self, incoming: Incoming, command: c.Command | c.ParseError) -> list[Reply]:
        admin = self.is_admin(incoming.platform, incoming.user_id)
        if isinstance(command, c.ParseError):
            language = self._chosen_language(incoming)
            if language != i18n.language():
                # Read again as its reader reads: a word may mean something else to them.
                with i18n.using(language):
                    return self._handle_parsed(incoming, catalogue.parse(incoming.text, language))
            if catalogue.only_for_admins(command.under) and not admin:
                # `help` hides the admin commands from others; a mistake must not list them.
                return [REFUSALS[Who.ADMINS]]
            return [say(command.message, example=command.example)]
        declaration = catalogue.declaration_of(command)
        if declaration.who is Who.ADMINS and not admin:
            # Refused before anything is stored: an admin command from others has no effect.
            with i18n.using(self._chosen_language(incoming)):
                return [REFUSALS[Who.ADMINS]]
        if declaration.batched:  # a log only its reader's own language could read
            return self.log_many([(incoming, command)])[0]
        return self._guarded(incoming, lambda: self._run(incoming, declaration, command, admin))

    def _chosen_language(self, incoming: Incoming) -> str:
        """The language of someone refused before their data is read: their own choice, or
        the platform's when the database cannot say."""
        try:
            with transaction(self.read_sessions) as session:
                chosen = repo.chosen_language(session, incoming.platform, incoming.user_id)
        except Exception as error:
            if not database_away(error):
                raise
            chosen = None
        return reply_language(chosen, incoming, self.config)

    def log_many(
        self,
        requests: list[activities.LogRequest],
        sessions: Callable[[], Session] | None = None,
    ) -> list[list[Reply]]:
        """Logs in one transaction (of `sessions`, or the dispatcher's own); if that fails
        for one caller's data, each on its own, so that one caller's trouble is not everyone's.
        A database that is away answers them all "busy" at once: a retry one by one would
        only wait again, each in turn."""
        sessions = sessions or self.sessions
        if len(requests) > 1:
            try:
                return self._write_logs(sessions, requests)
            except Exception as error:
                if database_away(error):
                    return _busy([incoming for incoming, _log in requests], error, self.config)
                # The error's class only: its text carries the SQL and people's values.
                log.info(
                    "log_batch_split",
                    extra={"size": len(requests), "error": type(error).__name__},
                )
        return [self._guarded_log(sessions, request) for request in requests]

    def _guarded_log(
        self, sessions: Callable[[], Session], request: activities.LogRequest
    ) -> list[Reply]:
        """One log on its own; an apology in its sender's language when it fails."""
        incoming = request[0]
        with i18n.using(reply_language(None, incoming, self.config)):
            return self._guarded(incoming, lambda: self._write_logs(sessions, [request])[0])

    def _write_logs(
        self, sessions: Callable[[], Session], requests: list[activities.LogRequest]
    ) -> list[list[Reply]]:
        now = self.clock()
        with transaction(sessions) as session:
            return activities.log_activities(session, self.config, self.season_id, now, requests)

    def _guarded(self, incoming: Incoming, run: Callable[[], list[Reply]]) -> list[Reply]:
        """A command's replies, or a polite apology; never an exception or a trace in chat."""
        try:
            return run()
        except IntegrityError:
            # A concurrent request created the same row first (a team name, an account):
            # running again sees it and answers accordingly.
            try:
                return run()
            except Exception:
                log.exception("command_failed", extra={"platform": incoming.platform})
                return [say(_(SORRY))]
        except Exception as error:
            if database_away(error):
                return _busy([incoming], error, self.config)[0]
            log.exception("command_failed", extra={"platform": incoming.platform})
            return [say(_(SORRY))]

    def _run(
        self, incoming: Incoming, declaration: Declaration, command: c.Command, admin: bool
    ) -> list[Reply]:
        now = self.clock()
        if not declaration.writes:
            # A known caller's read takes no write lock; a newcomer is recorded first.
            with transaction(self.read_sessions) as session:
                participant = repo.known_participant(
                    session, incoming.platform, incoming.user_id, incoming.display_name or ""
                )
                if participant is not None:
                    return self._call(
                        session, incoming, participant, declaration, command, admin, now
                    )
        with transaction(self.sessions) as session:
            if declaration.writes and not repo.claim_delivery(session, incoming.delivery_key, now):
                log.info("repeated_delivery", extra={"key": incoming.delivery_key})
                return []
            participant = repo.account_participant(
                session,
                incoming.platform,
                incoming.user_id,
                incoming.display_name or "",
                now,
            )
            return self._call(session, incoming, participant, declaration, command, admin, now)

    def _call(
        self,
        session: Session,
        incoming: Incoming,
        participant: Any,
        declaration: Declaration,
        command: c.Command,
        admin: bool,
        now: datetime,
    ) -> list[Reply]:
        """The permission check, then the handler."""
        context = Context(
            session=session,
            config=self.config,
            season_id=self.season_id,
            incoming=incoming,
            participant=participant,
            now=now,
            is_admin=admin,
        )
        if context.language != i18n.language():
            # The caller's own choice differs from the platform's: read as they read.
            again = catalogue.parse(incoming.text, context.language)
            command = again if type(again) is type(command) else command
        with i18n.using(context.language):
            refusal = declaration.refusal(context.caller)
            if refusal is not None:
                return [refusal]
            result = declaration.handler(context, command)
        return result if isinstance(result, list) else [result]


async def _in_worker(work: Callable[[], Done], deadline_s: float) -> Done:
    """`work()` in a worker thread, if one takes it within `deadline_s`; else NoTurn, and it
    never runs. Once begun it runs to its end."""
    lock = threading.Lock()
    begun = withdrawn = False

    def unless_withdrawn() -> Done | None:
        nonlocal begun
        with lock:
            if withdrawn:
                return None
            begun = True
        return work()

    def withdraw() -> bool:
        nonlocal withdrawn
        with lock:
            withdrawn = not begun
            return withdrawn

    running = asyncio.ensure_future(asyncio.to_thread(unless_withdrawn))
    try:
        return await asyncio.wait_for(asyncio.shield(running), deadline_s)  # type: ignore[return-value]
    except TimeoutError:
        if withdraw():
            raise NoTurn() from None
        return await running  # type: ignore[return-value]
    except asyncio.CancelledError:
        withdraw()  # nobody is left to answer: unless it has begun, it never runs
        raise


def _busy(incomings: list[Incoming], error: BaseException, config: Config) -> list[list[Reply]]:
    """A "busy" reply for each message that met a database away, in the language its
    platform tells (its sender's own choice is in the database); one warning for all."""
    log.warning(
        "database_unavailable", extra={"error": type(error).__name__, "commands": len(incomings)}
    )
    metrics.DATABASE_ERRORS.labels(type(error).__name__).inc()
    replies = []
    for incoming in incomings:
        with i18n.using(reply_language(None, incoming, config)):
            replies.append([say(_(BUSY))])
    return replies


def _writes(command: c.Command | c.ParseError) -> bool:
    return not isinstance(command, c.ParseError) and catalogue.declaration_of(command).writes


def _kind(command: c.Command | c.ParseError) -> str:
    """The command's kind for metrics and logs: never its text."""
    return "unparsed" if isinstance(command, c.ParseError) else type(command).__name__.lower()


def _outcome(command: c.Command | c.ParseError, replies: list[Reply]) -> str:
    said = {part for reply in replies for part in reply.parts}
    if said & _in_every_language(BUSY):
        return "busy"
    if said & (_in_every_language(SORRY) | _in_every_language(NOT_FETCHED)):
        return "failed"
    if isinstance(command, c.ParseError) or said & _every_refusal():
        return "refused"
    return "ok" if replies else "repeated"


@cache
def _in_every_language(message: str) -> frozenset[Text]:
    """The reply line `message` makes in every shipped language, to tell an outcome by."""
    return frozenset(Text(i18n.translations(code).gettext(message)) for code in i18n.SHIPPED)


@cache
def _every_refusal() -> frozenset[Part]:
    """The first line of every refusal in every shipped language, to tell an outcome by."""
    lines = set()
    for code in i18n.SHIPPED:
        with i18n.using(code):
            lines.update(refusal.parts[0] for refusal in REFUSALS.values())
    return frozenset(lines)


@dataclass(frozen=True)
class _LogWriter:
    """Where one event loop's logs are batched, and the connections they are written on."""

    loop: asyncio.AbstractEventLoop
    batches: Batcher[activities.LogRequest, list[Reply]]
    database: LoopDatabase | None = None
