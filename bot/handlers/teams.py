"""Creating, joining, leaving and looking at teams."""

from rapidfuzz import process

from bot.commands import Join, Leave, NewTeam, TeamInfo
from bot.domain.names import name_key
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.replies import Example, Heading, Reply, Table, Text, say

# How alike (0 to 100) a typed name must be to a team's or a charity's to be suggested.
SUGGESTION_CUTOFF = 60


@command(
    NewTeam,
    "newteam NAME",
    help="create a team and captain it",
    example="newteam Red Rockets",
    who=Who.EVERYONE,
    writes=True,
)
def new_team(ctx: Context, command: NewTeam) -> Reply:
    current = ctx.team
    if current is not None:
        return say(
            f"You're already in {current.name}. Leave it first, then create the new team.",
            example="leave",
        )
    key = name_key(command.name)
    existing = ctx.store.team(key)
    if existing is not None:
        return say(
            f"There is already a team called {existing.name}.", example=f"join {existing.name}"
        )
    team = ctx.store.create_team(command.name, key)
    return Reply(
        (
            Text(f"Team {team.name} is created, and you are its captain."),
            Example(f"join {team.name}", label="Teammates join with"),
        )
    )


@command(
    Join,
    "join NAME",
    help="join a team",
    example="join Red Rockets",
    who=Who.EVERYONE,
    writes=True,
)
def join_team(ctx: Context, command: Join) -> Reply:
    team = ctx.store.team(name_key(command.name), lock=True)
    if team is None:
        return _no_such_team(ctx, command.name, verb="join")
    current = ctx.team
    if current is not None and current.id == team.id:
        return say(f"You're already in {team.name}.", example="team")
    if current is not None:
        return say(
            f"You're in {current.name}. Leave it first (your km stay with it), "
            f"then join {team.name}.",
            example="leave",
        )
    limit = ctx.config.season.max_team_size
    if team.member_count >= limit:
        return say(
            f"{team.name} is full: it has {team.member_count} of {limit} members. "
            "Join another team, or start your own.",
            example="newteam My Team",
        )
    ctx.store.join(team)
    return say(
        f"Welcome to {team.name}! You are member {team.member_count} of {limit}.",
        example="log 5km run",
    )


@command(
    Leave,
    "leave",
    help="leave your team (your km stay with it)",
    example="leave",
    who=Who.EVERYONE,
    writes=True,
)
def leave_team(ctx: Context, _command: Leave) -> Reply:
    team = ctx.team
    if team is None:
        return say("You're not in a team.", example="join Red Rockets")
    was_captain = team.captain_id == ctx.participant.id
    ctx.store.leave(team)
    lines = [f"You left {team.name}. The km you logged stay with the team."]
    if was_captain and team.captain_id is not None:
        captain = ctx.store.participant(team.captain_id)
        new = ctx.name_of(captain, captain.id) if captain else "Another member"
        lines.append(f"{new} is now captain.")
    return say(*lines)


@command(
    TeamInfo,
    "team [NAME]",
    help="a team's members and their km",
    example="team Red Rockets",
    who=Who.EVERYONE,
    writes=False,
)
def show_team(ctx: Context, command: TeamInfo) -> Reply:
    if command.name is None:
        team = ctx.team
        if team is None:
            return say(
                "You're not in a team. Name one to see it, or join one.",
                example="team Red Rockets",
            )
    else:
        team = ctx.store.team(name_key(command.name))
        if team is None:
            return _no_such_team(ctx, command.name, verb="team")
    members = ctx.store.members(team)
    rows = tuple(
        (
            ctx.name_of(member.person, member.participant_id)
            + (" (captain)" if member.is_captain else ""),
            figures.km_number(member.total_m),
        )
        for member in members
    )
    mine = next((i for i, m in enumerate(members) if m.participant_id == ctx.participant.id), None)
    parts = [
        Heading(f"{team.name}: {figures.km(team.total_m)}, rank {ctx.store.team_rank(team)}"),
        Table(("member", "km"), rows, right_aligned=frozenset({1}), marked_row=mine),
    ]
    former_m = team.total_m - sum(member.total_m for member in members)
    if former_m > 0:
        parts.append(Text(f"Former members contributed {figures.km(former_m)}."))
    return Reply(tuple(parts))


def _no_such_team(ctx: Context, typed: str, verb: str) -> Reply:
    """Never creates a team: offers the closest names instead."""
    names = ctx.store.team_names()
    matches = process.extract(
        typed, names, processor=name_key, score_cutoff=SUGGESTION_CUTOFF, limit=3
    )
    if not matches:
        return say(
            f"There is no team called {typed}. Check the spelling, or create it.",
            example=f"newteam {typed}",
        )
    best = matches[0][0]
    others = ", ".join(name for name, _score, _i in matches[1:])
    lines = [f"There is no team called {typed}. Did you mean {best}?"]
    if others:
        lines.append(f"Also close: {others}.")
    return say(*lines, example=f"{verb} {best}")
