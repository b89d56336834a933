"""The charity vote: admins build the ballot, open and close the vote; everyone holds one vote."""

from datetime import datetime

from rapidfuzz import process
from sqlalchemy.orm import Session

from bot import i18n
from bot.commands import (
    AdminCharityAdd,
    AdminCharityRemove,
    AdminVoteClose,
    AdminVoteOpen,
    AdminVoteWinner,
    Vote,
)
from bot.domain.names import name_key
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import REFUSALS, Who, command
from bot.handlers.teams import SUGGESTION_CUTOFF
from bot.i18n import N_, _, ngettext
from bot.replies import (
    Button,
    Buttons,
    Example,
    Heading,
    Reply,
    Table,
    Text,
    ToAnnouncementChats,
    say,
)
from storage.charity_vote import Count
from storage.models import Charity
from storage.season_store import SeasonStore


@command(
    Vote,
    "vote [CHARITY]",
    help=N_("see the charities, or vote for one"),
    example="vote WWF",
    who=Who.EVERYONE,
    writes=True,
)
def vote(ctx: Context, command: Vote) -> Reply | list[Reply]:
    if command.charity is None and command.charity_id is None:
        return show_ballot(ctx)
    return cast_vote(ctx, command)


def show_ballot(ctx: Context) -> Reply:
    state = ctx.store.outcome()
    ballot = ctx.store.charities()
    if state.vote_closed_at is not None:
        return say(closed_text(ctx.store, state.charity_id))
    if not ballot:
        return say(
            _("No charities are on the ballot yet; the admins will add them."), example="help"
        )
    lines = [f"{charity.id}. {charity.name}" for charity in ballot]
    if state.vote_opened_at is None:
        return Reply(
            (
                Heading(_("The charities on the ballot")),
                *map(Text, lines),
                Text(_("The vote is not open yet.")),
            )
        )
    mine = ctx.store.my_ballot()
    chosen = ctx.store.charity_name(mine.charity_id) if mine else None
    status = (
        _("Your vote: {charity}. You can change it until the vote closes.").format(charity=chosen)
        if chosen
        else _("You have not voted yet.")
    )
    return Reply(
        (
            Heading(_("Vote for the charity that receives the donation")),
            *map(Text, lines),
            Text(status),
            _ballot_buttons(ballot),
            Example(f"vote {ballot[0].id}", _("Or type its number or name")),
        )
    )


def cast_vote(ctx: Context, command: Vote) -> Reply:
    state = ctx.store.outcome()
    if state.vote_closed_at is not None:
        return say(closed_text(ctx.store, state.charity_id), example="totals")
    if state.vote_opened_at is None:
        return say(_("The vote is not open yet; the admins will announce it."), example="vote")
    if not ctx.caller.is_member:
        # Anyone may see the ballot; only those who joined a team may cast a vote.
        return REFUSALS[Who.MEMBERS]
    charity = _find_charity(ctx, command)
    if isinstance(charity, Reply):
        return charity
    previous = ctx.store.my_ballot()
    if previous is not None and previous.charity_id == charity.id:
        return say(_("You already voted for {charity}.").format(charity=charity.name))
    ctx.store.vote_for(charity)
    if previous is not None:
        return say(
            _("Your vote: {charity} (changed). You can change it until the vote closes.").format(
                charity=charity.name
            )
        )
    return say(
        _("Your vote: {charity}. You can change it until the vote closes.").format(
            charity=charity.name
        )
    )


def _find_charity(ctx: Context, command: Vote) -> Charity | Reply:
    ballot = ctx.store.charities()
    if command.charity_id is not None:
        found = next((c for c in ballot if c.id == command.charity_id), None)
        return found or say(
            _("There is no charity {id} on the ballot; vote shows the numbers.").format(
                id=command.charity_id
            ),
            example="vote",
        )
    key = name_key(command.charity or "")
    found = next((c for c in ballot if c.name_key == key), None)
    if found is not None:
        return found
    names = [c.name for c in ballot]
    match = process.extractOne(
        command.charity or "", names, processor=name_key, score_cutoff=SUGGESTION_CUTOFF
    )
    if match is None:
        return say(
            _("{typed} is not on the ballot. The charities: {names}.").format(
                typed=command.charity, names=", ".join(names)
            ),
            example=f"vote {names[0]}" if names else "vote",
        )
    return say(
        _("{typed} is not on the ballot. Did you mean {best}?").format(
            typed=command.charity, best=match[0]
        ),
        example=f"vote {match[0]}",
    )


@command(
    AdminCharityAdd,
    "admin charity add NAME",
    help=N_("put a charity on the ballot"),
    example="admin charity add WWF",
    who=Who.ADMINS,
    writes=True,
)
def add_charity(ctx: Context, command: AdminCharityAdd) -> Reply:
    state = ctx.store.locked_outcome()
    if state.vote_opened_at is not None:
        return say(_("The vote has been opened; the ballot can't change now."), example="vote")
    key = name_key(command.name)
    existing = ctx.store.charity(key)
    if existing is not None and existing.removed_at is None:
        return say(
            _("{charity} is already on the ballot.").format(charity=existing.name), example="vote"
        )
    charity = ctx.store.add_charity(command.name, key)
    ctx.store.audit("charity_add", charity.name)
    count = len(ctx.store.charities())
    return say(
        ngettext(
            "Added {charity}; the ballot has {count} charity.",
            "Added {charity}; the ballot has {count} charities.",
            count,
        ).format(charity=charity.name, count=figures.number(count)),
        example="admin vote open",
    )


@command(
    AdminCharityRemove,
    "admin charity remove NAME",
    help=N_("take a charity off the ballot"),
    example="admin charity remove WWF",
    who=Who.ADMINS,
    writes=True,
)
def remove_charity(ctx: Context, command: AdminCharityRemove) -> Reply:
    state = ctx.store.locked_outcome()
    if state.vote_opened_at is not None:
        return say(_("The vote has been opened; the ballot can't change now."), example="vote")
    charity = ctx.store.charity(name_key(command.name))
    if charity is None or charity.removed_at is not None:
        return say(
            _("{charity} is not on the ballot.").format(charity=command.name), example="vote"
        )
    charity.removed_at = ctx.now
    ctx.store.audit("charity_remove", charity.name)
    return say(_("Removed {charity} from the ballot.").format(charity=charity.name), example="vote")


@command(
    AdminVoteOpen,
    "admin vote open",
    help=N_("announce the vote, with buttons"),
    example="admin vote open",
    who=Who.ADMINS,
    writes=True,
)
def open_vote(ctx: Context, _command: AdminVoteOpen) -> list[Reply]:
    state = ctx.store.locked_outcome()
    if state.vote_opened_at is not None:
        return [say(_("The vote was already opened; it opens once."), example="admin vote close")]
    ballot = ctx.store.charities()
    if len(ballot) < 2:
        return [
            say(
                _("Add at least two charities before opening the vote."),
                example="admin charity add WWF",
            )
        ]
    state.vote_opened_at = ctx.now
    ctx.store.audit("vote_open")
    season = ctx.config.season
    with i18n.using(ctx.config.languages.default):
        announcement = Reply(
            (
                Heading(_("Vote for our charity!")),
                Text(
                    _(
                        "The company donates {rate} for every km we log to one charity: "
                        "you choose which. Press a button (or type vote NAME); you can change "
                        "your vote until the vote closes."
                    ).format(rate=figures.money(season.donation_per_km, season.currency))
                ),
                _ballot_buttons(ballot),
            ),
            ToAnnouncementChats(),
        )
    return [announcement, say(_("The vote is open and announced."))]


@command(
    AdminVoteClose,
    "admin vote close",
    help=N_("close it and announce the counts"),
    example="admin vote close",
    who=Who.ADMINS,
    writes=True,
)
def close_vote_command(ctx: Context, _command: AdminVoteClose) -> list[Reply]:
    with i18n.using(ctx.config.languages.default):
        replies = _close(ctx.store)
    if not replies:
        if ctx.store.outcome().vote_closed_at:
            return [say(_("The vote was already closed."), example="vote")]
        return [say(_("The vote is not open."), example="vote")]
    ctx.store.audit("vote_close")
    return [*replies, say(_("The vote is closed and the result announced."))]


def close_vote(session: Session, season_id: int, now: datetime) -> list[Reply]:
    """`_close` for the scheduler (at `schedule.vote_closes`), which holds a session rather
    than a store."""
    return _close(SeasonStore(session, season_id, now))


def _close(store: SeasonStore) -> list[Reply]:
    """Close an open vote and announce the counts; nothing if it is not open."""
    state = store.locked_outcome()
    if state.vote_opened_at is None or state.vote_closed_at is not None:
        return []
    state.vote_closed_at = store.now
    counts = store.vote_counts()
    leaders = _leaders(counts)
    table = Table(
        (_("charity"), _("votes")),
        tuple((row.charity.name, figures.number(row.votes)) for row in counts),
        right_aligned=frozenset({1}),
    )
    if len(leaders) == 1 and counts[0].votes > 0:
        state.charity_id = leaders[0].id
        verdict = Text(
            _("{charity} wins and receives the donation. Thank you for voting!").format(
                charity=leaders[0].name
            )
        )
    else:
        tied = _(" and ").join(charity.name for charity in leaders)
        verdict = Text(_("It's a tie between {tied}; the admins will settle it.").format(tied=tied))
    heading = Heading(_("The charity vote is closed"))
    return [Reply((heading, table, verdict), ToAnnouncementChats())]


@command(
    AdminVoteWinner,
    "admin vote winner NAME",
    help=N_("settle a tie"),
    example="admin vote winner WWF",
    who=Who.ADMINS,
    writes=True,
)
def settle_winner(ctx: Context, command: AdminVoteWinner) -> list[Reply]:
    state = ctx.store.locked_outcome()
    if state.vote_closed_at is None:
        return [
            say(
                _("Close the vote first; the winner comes from the count."),
                example="admin vote close",
            )
        ]
    if state.charity_id is not None:
        winner = ctx.store.charity_name(state.charity_id)
        return [
            say(
                _("{charity} already won the vote; there is no tie to settle.").format(
                    charity=winner
                ),
                example="vote",
            )
        ]
    tied = _leaders(ctx.store.vote_counts())
    charity = next((c for c in tied if c.name_key == name_key(command.name)), None)
    if charity is None:
        names = ", ".join(c.name for c in tied)
        return [
            say(
                _("{typed} is not one of the tied charities: {names}.").format(
                    typed=command.name, names=names
                ),
                example=f"admin vote winner {tied[0].name}" if tied else "vote",
            )
        ]
    state.charity_id = charity.id
    ctx.store.audit("vote_winner", charity.name)
    with i18n.using(ctx.config.languages.default):
        settled = _("The tie is settled: {charity} receives the donation.")
    return [
        Reply((Text(settled.format(charity=charity.name)),), ToAnnouncementChats()),
        say(_("{charity} is the winner, announced.").format(charity=charity.name)),
    ]


def _leaders(counts: list[Count]) -> list[Charity]:
    """The charities with the most votes (several when tied); counts are sorted, most first."""
    return [row.charity for row in counts if row.votes == counts[0].votes] if counts else []


def _ballot_buttons(ballot: list[Charity]) -> Buttons:
    return Buttons(tuple(Button(charity.name, f"vote #{charity.id}") for charity in ballot))


def closed_text(store: SeasonStore, charity_id: int | None) -> str:
    winner = store.charity_name(charity_id)
    if winner is None:
        return _("The vote is closed; the admins are settling a tie.")
    return _("The vote is closed: {charity} receives the donation.").format(charity=winner)
