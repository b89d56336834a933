"""Creating, joining, leaving and looking at teams."""

from rapidfuzz import process

from bot.commands import Join, Leave, NewTeam, TeamInfo
from bot.domain.names import name_key
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.i18n import N_, _
from bot.replies import Example, Heading, Reply, Table, Text, say

# How alike (0 to 100) a typed name must be to a team's or a charity's to be suggested.
SUGGESTION_CUTOFF = 60


@command(
    NewTeam,
    "newteam NAME",
    help=N_("create a team and captain it"),
    example="newteam Red Rockets",
    who=Who.EVERYONE,
    writes=True,
)
def new_team(ctx: Context, command: NewTeam) -> Reply:
    current = ctx.team
    if current is not None:
        return say(
            _("You're already in {team}. Leave it first, then create the new team.").format(
                team=current.name
            ),
            example="leave",
        )
    key = name_key(command.name)
    existing = ctx.store.team(key)
    if existing is not None:
        return say(
            _("There is already a team called {team}.").format(team=existing.name),
            example=f"join {existing.name}",
        )
    team = ctx.store.create_team(command.name, key)
    return Reply(
        (
            Text(_("Team {team} is created, and you are its captain.").format(team=team.name)),
            Example(f"join {team.name}", label=_("Teammates join with")),
        )
    )


@command(
    Join,
    "join NAME",
    help=N_("join a team"),
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
        return say(_("You're already in {team}.").format(team=team.name), example="team")
    if current is not None:
        return say(
            _(
                "You're in {current}. Leave it first (your km stay with it), then join {team}."
            ).format(current=current.name, team=team.name),
            example="leave",
        )
    limit = ctx.config.season.max_team_size
    if team.member_count >= limit:
        return say(
            _(
                "{team} is full: it has {count} of {limit} members. "
                "Join another team, or start your own."
            ).format(team=team.name, count=team.member_count, limit=limit),
            example="newteam My Team",
        )
    ctx.store.join(team)
    return say(
        _("Welcome to {team}! You are member {count} of {limit}.").format(
            team=team.name, count=team.member_count, limit=limit
        ),
        example="log 5km run",
    )


@command(
    Leave,
    "leave",
    help=N_("leave your team (your km stay with it)"),
    example="leave",
    who=Who.EVERYONE,
    writes=True,
)
def leave_team(ctx: Context, _command: Leave) -> Reply:
    team = ctx.team
    if team is None:
        return say(_("You're not in a team."), example="join Red Rockets")
    was_captain = team.captain_id == ctx.participant.id
    ctx.store.leave(team)
    lines = [_("You left {team}. The km you logged stay with the team.").format(team=team.name)]
    if was_captain and team.captain_id is not None:
        captain = ctx.store.participant(team.captain_id)
        new = ctx.name_of(captain, captain.id) if captain else _("Another member")
        lines.append(_("{name} is now captain.").format(name=new))
    return say(*lines)


@command(
    TeamInfo,
    "team [NAME]",
    help=N_("a team's members and their km"),
    example="team Red Rockets",
    who=Who.EVERYONE,
    writes=False,
)
def show_team(ctx: Context, command: TeamInfo) -> Reply:
    if command.name is None:
        team = ctx.team
        if team is None:
            return say(
                _("You're not in a team. Name one to see it, or join one."),
                example="team Red Rockets",
            )
    else:
        team = ctx.store.team(name_key(command.name))
        if team is None:
            return _no_such_team(ctx, command.name, verb="team")
    members = ctx.store.members(team)
    rows = tuple(
        (
            _("{name} (captain)").format(name=ctx.name_of(member.person, member.participant_id))
            if member.is_captain
            else ctx.name_of(member.person, member.participant_id),
            figures.km_number(member.total_m),
        )
        for member in members
    )
    mine = next((i for i, m in enumerate(members) if m.participant_id == ctx.participant.id), None)
    parts = [
        Heading(
            _("{team}: {km}, rank {rank}").format(
                team=team.name, km=figures.km(team.total_m), rank=ctx.store.team_rank(team)
            )
        ),
        Table((_("member"), _("km")), rows, right_aligned=frozenset({1}), marked_row=mine),
    ]
    former_m = team.total_m - sum(member.total_m for member in members)
    if former_m > 0:
        parts.append(Text(_("Former members contributed {km}.").format(km=figures.km(former_m))))
    return Reply(tuple(parts))


def _no_such_team(ctx: Context, typed: str, verb: str) -> Reply:
    """Never creates a team: offers the closest names instead."""
    names = ctx.store.team_names()
    matches = process.extract(
        typed, names, processor=name_key, score_cutoff=SUGGESTION_CUTOFF, limit=3
    )
    if not matches:
        return say(
            _("There is no team called {typed}. Check the spelling, or create it.").format(
                typed=typed
            ),
            example=f"newteam {typed}",
        )
    best = matches[0][0]
    others = ", ".join(name for name, _score, _i in matches[1:])
    lines = [
        _("There is no team called {typed}. Did you mean {best}?").format(typed=typed, best=best)
    ]
    if others:
        lines.append(_("Also close: {others}.").format(others=others))
    return say(*lines, example=f"{verb} {best}")
