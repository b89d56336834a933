"""The charity vote: admins build the ballot, open and close the vote; everyone holds one vote."""

from datetime import datetime

from rapidfuzz import process
from sqlalchemy.orm import Session

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
    help="see the charities, or vote for one",
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
        return say(_closed_text(ctx.store, state.charity_id))
    if not ballot:
        return say("No charities are on the ballot yet; the admins will add them.", example="help")
    lines = [f"{charity.id}. {charity.name}" for charity in ballot]
    if state.vote_opened_at is None:
        return Reply(
            (
                Heading("The charities on the ballot"),
                *map(Text, lines),
                Text("The vote is not open yet."),
            )
        )
    mine = ctx.store.my_ballot()
    chosen = ctx.store.charity_name(mine.charity_id) if mine else None
    status = (
        f"Your vote: {chosen}. You can change it until the vote closes."
        if chosen
        else ("You have not voted yet.")
    )
    return Reply(
        (
            Heading("Vote for the charity that receives the donation"),
            *map(Text, lines),
            Text(status),
            _ballot_buttons(ballot),
            Example(f"vote {ballot[0].id}", "Or type its number or name"),
        )
    )


def cast_vote(ctx: Context, command: Vote) -> Reply:
    state = ctx.store.outcome()
    if state.vote_closed_at is not None:
        return say(_closed_text(ctx.store, state.charity_id), example="totals")
    if state.vote_opened_at is None:
        return say("The vote is not open yet; the admins will announce it.", example="vote")
    if not ctx.caller.is_member:
        # Anyone may see the ballot; only those who joined a team may cast a vote.
        return REFUSALS[Who.MEMBERS]
    charity = _find_charity(ctx, command)
    if isinstance(charity, Reply):
        return charity
    previous = ctx.store.my_ballot()
    if previous is not None and previous.charity_id == charity.id:
        return say(f"You already voted for {charity.name}.")
    ctx.store.vote_for(charity)
    changed = " (changed)" if previous is not None else ""
    return say(f"Your vote: {charity.name}{changed}. You can change it until the vote closes.")


def _find_charity(ctx: Context, command: Vote) -> Charity | Reply:
    ballot = ctx.store.charities()
    if command.charity_id is not None:
        found = next((c for c in ballot if c.id == command.charity_id), None)
        return found or say(
            f"There is no charity {command.charity_id} on the ballot; vote shows the numbers.",
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
            f"{command.charity} is not on the ballot. The charities: {', '.join(names)}.",
            example=f"vote {names[0]}" if names else "vote",
        )
    return say(
        f"{command.charity} is not on the ballot. Did you mean {match[0]}?",
        example=f"vote {match[0]}",
    )


@command(
    AdminCharityAdd,
    "admin charity add NAME",
    help="put a charity on the ballot",
    example="admin charity add WWF",
    who=Who.ADMINS,
    writes=True,
)
def add_charity(ctx: Context, command: AdminCharityAdd) -> Reply:
    state = ctx.store.locked_outcome()
    if state.vote_opened_at is not None:
        return say("The vote has been opened; the ballot can't change now.", example="vote")
    key = name_key(command.name)
    existing = ctx.store.charity(key)
    if existing is not None and existing.removed_at is None:
        return say(f"{existing.name} is already on the ballot.", example="vote")
    charity = ctx.store.add_charity(command.name, key)
    ctx.store.audit("charity_add", charity.name)
    count = len(ctx.store.charities())
    return say(
        f"Added {charity.name}; the ballot has {figures.count(count, 'charity', 'charities')}.",
        example="admin vote open",
    )


@command(
    AdminCharityRemove,
    "admin charity remove NAME",
    help="take a charity off the ballot",
    example="admin charity remove WWF",
    who=Who.ADMINS,
    writes=True,
)
def remove_charity(ctx: Context, command: AdminCharityRemove) -> Reply:
    state = ctx.store.locked_outcome()
    if state.vote_opened_at is not None:
        return say("The vote has been opened; the ballot can't change now.", example="vote")
    charity = ctx.store.charity(name_key(command.name))
    if charity is None or charity.removed_at is not None:
        return say(f"{command.name} is not on the ballot.", example="vote")
    charity.removed_at = ctx.now
    ctx.store.audit("charity_remove", charity.name)
    return say(f"Removed {charity.name} from the ballot.", example="vote")


@command(
    AdminVoteOpen,
    "admin vote open",
    help="announce the vote, with buttons",
    example="admin vote open",
    who=Who.ADMINS,
    writes=True,
)
def open_vote(ctx: Context, _command: AdminVoteOpen) -> list[Reply]:
    state = ctx.store.locked_outcome()
    if state.vote_opened_at is not None:
        return [say("The vote was already opened; it opens once.", example="admin vote close")]
    ballot = ctx.store.charities()
    if len(ballot) < 2:
        return [
            say(
                "Add at least two charities before opening the vote.",
                example="admin charity add WWF",
            )
        ]
    state.vote_opened_at = ctx.now
    ctx.store.audit("vote_open")
    announcement = Reply(
        (
            Heading("Vote for our charity!"),
            Text(
                f"The company donates {ctx.config.season.currency} "
                f"{ctx.config.season.donation_per_km} for every km we log to one charity: "
                "you choose which. Press a button (or type vote NAME); you can change your "
                "vote until the vote closes."
            ),
            _ballot_buttons(ballot),
        ),
        ToAnnouncementChats(),
    )
    return [announcement, say("The vote is open and announced.")]


@command(
    AdminVoteClose,
    "admin vote close",
    help="close it and announce the counts",
    example="admin vote close",
    who=Who.ADMINS,
    writes=True,
)
def close_vote_command(ctx: Context, _command: AdminVoteClose) -> list[Reply]:
    replies = _close(ctx.store)
    if not replies:
        reason = "was already closed" if ctx.store.outcome().vote_closed_at else "is not open"
        return [say(f"The vote {reason}.", example="vote")]
    ctx.store.audit("vote_close")
    return [*replies, say("The vote is closed and the result announced.")]


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
        ("charity", "votes"),
        tuple((row.charity.name, str(row.votes)) for row in counts),
        right_aligned=frozenset({1}),
    )
    if len(leaders) == 1 and counts[0].votes > 0:
        state.charity_id = leaders[0].id
        verdict = Text(f"{leaders[0].name} wins and receives the donation. Thank you for voting!")
    else:
        tied = " and ".join(charity.name for charity in leaders)
        verdict = Text(f"It's a tie between {tied}; the admins will settle it.")
    return [Reply((Heading("The charity vote is closed"), table, verdict), ToAnnouncementChats())]


@command(
    AdminVoteWinner,
    "admin vote winner NAME",
    help="settle a tie",
    example="admin vote winner WWF",
    who=Who.ADMINS,
    writes=True,
)
def settle_winner(ctx: Context, command: AdminVoteWinner) -> list[Reply]:
    state = ctx.store.locked_outcome()
    if state.vote_closed_at is None:
        return [
            say(
                "Close the vote first; the winner comes from the count.", example="admin vote close"
            )
        ]
    if state.charity_id is not None:
        winner = ctx.store.charity_name(state.charity_id)
        return [say(f"{winner} already won the vote; there is no tie to settle.", example="vote")]
    tied = _leaders(ctx.store.vote_counts())
    charity = next((c for c in tied if c.name_key == name_key(command.name)), None)
    if charity is None:
        names = ", ".join(c.name for c in tied)
        return [
            say(
                f"{command.name} is not one of the tied charities: {names}.",
                example=f"admin vote winner {tied[0].name}" if tied else "vote",
            )
        ]
    state.charity_id = charity.id
    ctx.store.audit("vote_winner", charity.name)
    return [
        Reply(
            (Text(f"The tie is settled: {charity.name} receives the donation."),),
            ToAnnouncementChats(),
        ),
        say(f"{charity.name} is the winner, announced."),
    ]


def _leaders(counts: list[Count]) -> list[Charity]:
    """The charities with the most votes (several when tied); counts are sorted, most first."""
    return [row.charity for row in counts if row.votes == counts[0].votes] if counts else []


def _ballot_buttons(ballot: list[Charity]) -> Buttons:
    return Buttons(tuple(Button(charity.name, f"vote #{charity.id}") for charity in ballot))


def _closed_text(store: SeasonStore, charity_id: int | None) -> str:
    winner = store.charity_name(charity_id)
    if winner is None:
        return "The vote is closed; the admins are settling a tie."
    return f"The vote is closed: {winner} receives the donation."
