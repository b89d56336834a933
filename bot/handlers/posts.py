"""The daily leaderboard and the final report, each claimed in the post ledger so that it is
posted once, whoever asks first: the scheduler, a second instance, or an admin."""

import dataclasses
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot import i18n
from bot.commands import AdminFinish, AdminPost
from bot.config import Config, SeasonConfig
from bot.domain.days import short_day
from bot.domain.money import Donation
from bot.domain.public_names import public_name
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.countries import top_countries_line
from bot.handlers.journey import journey_line, journey_map
from bot.handlers.registry import Who, command
from bot.handlers.standings import (
    TOP,
    competition_ranks,
    headcount,
    kinds_table,
    money_apart,
    season_so_far,
    shown_rank,
)
from bot.i18n import N_, _, ngettext
from bot.replies import (
    Button,
    Buttons,
    Chart,
    Example,
    Heading,
    LedgerPost,
    Reply,
    Table,
    Text,
    ToAnnouncementChats,
    ToParticipant,
    say,
)
from storage.season_store import SeasonStore
from storage.snapshots import TeamChange

THOUSAND_KM_M = 1_000_000
PODIUM = 3


def leaderboard_key(season_id: int, day: date) -> str:
    return f"{season_id}:leaderboard:{day.isoformat()}"


def final_report_key(season_id: int) -> str:
    return f"{season_id}:final-report"


def leaderboard_post(season_id: int, day: date) -> LedgerPost:
    return LedgerPost(
        leaderboard_key(season_id, day), "leaderboard", N_("today's leaderboard"), "admin post"
    )


def final_report_post(season_id: int) -> LedgerPost:
    return LedgerPost(
        final_report_key(season_id), "final_report", N_("the final report"), "admin finish"
    )


def claim_leaderboard(
    session: Session, config: Config, season_id: int, day: date, now: datetime
) -> Reply | None:
    """`_claim_leaderboard` for the scheduler, which holds a session rather than a store."""
    return _claim_leaderboard(SeasonStore(session, season_id, now), config, day)


def claim_final_report(
    session: Session, config: Config, season_id: int, now: datetime
) -> Reply | None:
    """`_claim_final_report` for the scheduler, which holds a session rather than a store."""
    return _claim_final_report(SeasonStore(session, season_id, now), config)


def _claim_leaderboard(store: SeasonStore, config: Config, day: date) -> Reply | None:
    """The day's leaderboard if this caller is the first to claim it, else None. Its chart is
    left undrawn: the outbox draws it once the claim has committed."""
    if not store.claim_post(leaderboard_key(store.season_id, day)):
        return None
    with i18n.using(config.languages.default):
        return _leaderboard(store, config, day)


def _claim_final_report(store: SeasonStore, config: Config) -> Reply | None:
    """The final report if this caller is the first to claim it, else None."""
    if not store.claim_post(final_report_key(store.season_id)):
        return None
    with i18n.using(config.languages.default):
        return _final_report(store, config)


def _leaderboard(store: SeasonStore, config: Config, day: date) -> Reply:
    """Day N of M: top teams and people, season km and donation so far, a chart of the
    teams and the journey's map."""
    season = config.season
    day_number = (day - season.start).days + 1
    days = (season.end - season.start).days + 1
    title = _("{season}: day {day} of {days}").format(season=season.name, day=day_number, days=days)
    teams = store.top_teams(TOP)
    bars = tuple((team.name, team.total_m / 1000) for team in teams)
    news = _team_news(store.team_changes_since(day))
    store.snapshot_teams(day)
    total_m = store.sums().total_m
    return Reply(
        (
            Heading(title),
            *_so_far(store, config),
            Text(journey_line(config, total_m)),
            *_top_tables(store, config),
            *news,
            Chart(f"leaderboard-{day.isoformat()}.png", title, bars),
            journey_map(config, total_m),
        ),
        ToAnnouncementChats(),
        post=leaderboard_post(store.season_id, day),
    )


def _final_report(store: SeasonStore, config: Config) -> Reply:
    """The season's result: km per kind, people, teams, laps of the Earth, the donation."""
    season = config.season
    sums, given = season_so_far(store, config)
    state = store.outcome()
    charity = store.charity_name(state.charity_id)
    photo_winner: tuple[Text, ...] = ()
    if state.photo_id is not None:
        entry = store.photo(state.photo_id)
        author = store.participant(entry.participant_id) if entry else None
        if entry is not None and author is not None:
            photo_winner = (
                Text(
                    _("Photo of the season: {title}, by {name}.").format(
                        title=entry.title or _("untitled"),
                        name=public_name(author, config.privacy.names),
                    )
                ),
            )
    return Reply(
        (
            Heading(_("{season}: the final result").format(season=season.name)),
            Text(_covered(sums.total_m)),
            kinds_table(sums.run_m, sums.walk_m, sums.cycle_m),
            headcount(store),
            *(Text(line) for line in _donation(given, season, charity)),
            *_top_tables(store, config),
            *photo_winner,
            *(Text(line) for line in [top_countries_line(store)] if line),
            Text(journey_line(config, sums.total_m)),
            journey_map(config, sums.total_m),
        ),
        ToAnnouncementChats(),
        post=final_report_post(store.season_id),
    )


@command(
    AdminPost,
    "admin post",
    help=N_("post today's leaderboard now (once a day)"),
    example="admin post",
    who=Who.ADMINS,
    writes=True,
)
def post_leaderboard_now(ctx: Context, _command: AdminPost) -> list[Reply]:
    season = ctx.config.season
    today = ctx.now.astimezone(season.timezone).date()
    if not season.start <= today <= season.end:
        return [say(_("The challenge is not running today, so there is no leaderboard to post."))]
    reply = _claim_leaderboard(ctx.store, ctx.config, today)
    if reply is None:
        return [say(_already(_("Today's leaderboard"), ctx, leaderboard_key(ctx.season_id, today)))]
    ctx.store.audit("post", today.isoformat())
    return _posting(ctx, reply, leaderboard_post(ctx.season_id, today))


@command(
    AdminFinish,
    "admin finish",
    help=N_("post the final report now (once)"),
    example="admin finish",
    who=Who.ADMINS,
    writes=True,
)
def post_final_report_now(ctx: Context, command: AdminFinish) -> list[Reply]:
    due = ctx.config.schedule.final_report_at(ctx.config.season)
    if (
        not command.confirmed
        and ctx.now < due
        and ctx.store.post_claimed_at(final_report_key(ctx.season_id)) is None
    ):
        return [_confirm_early_finish(ctx, due)]
    reply = _claim_final_report(ctx.store, ctx.config)
    if reply is None:
        return [say(_already(_("The final report"), ctx, final_report_key(ctx.season_id)))]
    ctx.store.audit("finish", "final report")
    return _posting(ctx, reply, final_report_post(ctx.season_id))


def _confirm_early_finish(ctx: Context, due: datetime) -> Reply:
    """Before it is due, the final report is posted only when asked twice: it ends the
    challenge for good."""
    local = due.astimezone(ctx.zone)
    return Reply(
        (
            Text(
                _(
                    "The final report is due on {day} at {time}. "
                    "Posting it now ends the challenge: from then on nobody can log or remove "
                    "km, and the donation is announced as it stands today."
                ).format(day=figures.day(local.date()), time=f"{local:%H:%M}")
            ),
            Buttons((Button(_("Post the final report now"), "admin finish confirm"),)),
        )
    )


def season_over(store: SeasonStore) -> Reply | None:
    """Why logs can no longer change, once the final report has gone out; else None."""
    if store.post_claimed_at(final_report_key(store.season_id)) is None:
        return None
    return season_over_reply()


def season_over_reply() -> Reply:
    return say(
        _(
            "The challenge is over: the final report has gone out, so logs can no longer be "
            "added or removed."
        ),
        example="totals",
    )


def _posting(ctx: Context, reply: Reply, post: LedgerPost) -> list[Reply]:
    """The admin is told now that the post is on its way, and later, by a direct message
    from the outbox, where it arrived."""
    post = dataclasses.replace(
        post,
        report_to=((ctx.incoming.platform, ctx.incoming.user_id),),
        language=ctx.language,
    )
    return [
        say(
            _("Posting {post} to the announcement chats now; I'll tell you how it went.").format(
                post=_(post.name)
            )
        ),
        dataclasses.replace(reply, post=post),
    ]


def delivery_notice(
    post: LedgerPost, reached: int, chats: int, missed: list[str], recorded: bool = True
) -> Reply:
    """What the admin who asked for a post learns once it went: where it arrived, and, when
    it arrived nowhere, whether it may be posted again. `missed` says why, chat by chat;
    `recorded` is False when the ledger could not be updated."""
    with i18n.using(post.language):
        return Reply(_notice(post, reached, chats, missed, recorded), ToParticipant(post.report_to))


def _notice(
    post: LedgerPost, reached: int, chats: int, missed: list[str], recorded: bool
) -> tuple[Text | Example, ...]:
    name = _(post.name)
    why = f" ({'; '.join(missed)})" if missed else ""
    if reached == 0 and recorded:
        return (
            Text(
                _(
                    "{post} reached no chat{why}; nothing was recorded, so it can be posted again."
                ).format(post=_capitalised(name), why=why)
            ),
            Example(post.command, _("Try again")),
        )
    if reached == 0:
        return (
            Text(
                _(
                    "{post} reached no chat{why}, and the database could not be updated, "
                    "so it still counts as posted."
                ).format(post=_capitalised(name), why=why)
            ),
        )
    posted = ngettext(
        "Posted {post} to {reached} of {count} chat{why}.",
        "Posted {post} to {reached} of {count} chats{why}.",
        chats,
    )
    return (Text(posted.format(post=name, reached=reached, count=chats, why=why)),)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _already(what: str, ctx: Context, key: str) -> str:
    claimed = ctx.store.post_claimed_at(key)
    local = claimed.astimezone(ctx.zone) if claimed else None
    when = f"{short_day(local.date())} {local:%H:%M}" if local else _("earlier")
    return _("{post} was already posted ({when}); it is never posted twice.").format(
        post=what, when=when
    )


def _donation(given: Donation, season: SeasonConfig, charity: str | None) -> list[str]:
    """Who gives what to whom, saying nothing of a charity no vote chose; bonuses and pledges
    each apart, then their sum."""
    if not given.total:
        return [_("No km were logged, so there is no donation this time.")]
    rate = figures.money(season.donation_per_km, season.currency)
    if not (given.bonuses or given.pledges):
        gift = figures.money(given.per_km, season.currency)
        if charity:
            return [
                _(
                    "The company donates {amount} ({rate} per km) to {charity}. Thank you all!"
                ).format(amount=gift, rate=rate, charity=charity)
            ]
        return [
            _("The company donates {amount} ({rate} per km). Thank you all!").format(
                amount=gift, rate=rate
            )
        ]
    total = figures.money(given.total, season.currency)
    sum_line = (
        _("Together that is {amount} for {charity}. Thank you all!").format(
            amount=total, charity=charity
        )
        if charity
        else _("Together that is {amount} for charity. Thank you all!").format(amount=total)
    )
    return [*money_apart(season, given), sum_line]


def _covered(metres: int) -> str:
    around = figures.around_the_earth(metres)
    if around:
        return _("Together we covered {km}: {around}.").format(km=figures.km(metres), around=around)
    return _("Together we covered {km}.").format(km=figures.km(metres))


def _team_news(changes: list[TeamChange]) -> tuple[Heading | Text, ...]:
    """Teams that passed a thousand km, or climbed into the top three, since the last post."""
    lines = []
    for change in sorted(changes, key=lambda c: (c.rank, c.name)):
        thousands = change.total_m // THOUSAND_KM_M
        if thousands > change.total_before_m // THOUSAND_KM_M:
            lines.append(
                _("{team} passed {km}!").format(
                    team=change.name, km=figures.km(thousands * THOUSAND_KM_M)
                )
            )
        if change.total_m and change.rank <= PODIUM < change.rank_before:
            lines.append(
                _("{team} climbed into the top three, to rank {rank}!").format(
                    team=change.name, rank=change.rank
                )
            )
    if not lines:
        return ()
    return (Heading(_("Team news")), *(Text(line) for line in lines[:TOP]))


def _so_far(store: SeasonStore, config: Config) -> tuple[Text, ...]:
    """The season's km and the donation, its kinds of money apart when there is more than
    the company's gift per km."""
    season = config.season
    sums, given = season_so_far(store, config)
    around = figures.around_the_earth(sums.total_m)
    km, money = figures.km(sums.total_m), figures.money(given.total, season.currency)
    if around:
        line = _("{km} so far, {amount} for charity, {around}.").format(
            km=km, amount=money, around=around
        )
    else:
        line = _("{km} so far, {amount} for charity.").format(km=km, amount=money)
    apart = money_apart(season, given) if given.bonuses or given.pledges else []
    return tuple(Text(text) for text in (line, *apart))


def _top_tables(store: SeasonStore, config: Config) -> tuple[Heading | Table | Text, ...]:
    teams = store.top_teams(TOP)
    people = store.top_people(TOP)
    if not teams:
        return (Text(_("No teams yet.")),)
    team_ranks = competition_ranks([team.total_m for team in teams])
    people_ranks = competition_ranks([person.total_m for person in people])
    return (
        Heading(_("Top teams")),
        Table(
            ("#", _("team"), _("km"), _("km/member")),
            tuple(
                (
                    shown_rank(rank, team.total_m),
                    team.name,
                    figures.km_number(team.total_m),
                    figures.km_number(
                        team.total_m // team.member_count if team.member_count else 0
                    ),
                )
                for rank, team in zip(team_ranks, teams, strict=True)
            ),
            right_aligned=frozenset({0, 2, 3}),
        ),
        Heading(_("Top people")),
        Table(
            ("#", _("name"), _("team"), _("km")),
            tuple(
                (
                    shown_rank(rank, p.total_m),
                    public_name(p.person, config.privacy.names),
                    p.team_name or "-",
                    figures.km_number(p.total_m),
                )
                for rank, p in zip(people_ranks, people, strict=True)
            ),
            right_aligned=frozenset({0, 3}),
        ),
    )
