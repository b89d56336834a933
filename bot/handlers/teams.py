"""Creating, joining, leaving and looking at teams."""

from collections.abc import Callable

from rapidfuzz import process

from bot.commands import Join, Leave, NewTeam, TeamCaptain, TeamInfo, TeamRemove, TeamRename
from bot.domain.names import name_key
from bot.domain.public_names import public_name
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.i18n import N_, _
from bot.replies import Example, Heading, Reply, Table, Text, say
from storage.models import Team
from storage.repository import MemberRow

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
def leave_team(ctx: Context, _command: Leave) -> Reply | list[Reply]:
    team = ctx.team
    if team is None:
        return say(_("You're not in a team."), example="join Red Rockets")
    was_captain = team.captain_id == ctx.participant.id
    ctx.store.leave(team)
    lines = [_("You left {team}. The km you logged stay with the team.").format(team=team.name)]
    if not (was_captain and team.captain_id is not None):
        return say(*lines)
    captain = ctx.store.participant(team.captain_id)
    new = ctx.name_of(captain, captain.id) if captain else _("Another member")
    lines.append(_("{name} is now captain.").format(name=new))
    # The team hears who leads it now: the member with the most km for it.
    told = _tell_team(
        ctx,
        team,
        lambda: _("{name} left {team}; {captain} is now captain.").format(
            name=_me_to_others(ctx), team=team.name, captain=new
        ),
    )
    return [say(*lines), *told]


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
    rank = ctx.store.team_rank(team)
    parts = [
        Heading(
            _("{team}: {km}, rank {rank}").format(
                team=team.name, km=figures.km(team.total_m), rank=rank
            )
        ),
        Table((_("member"), _("km")), rows, right_aligned=frozenset({1}), marked_row=mine),
    ]
    parts += _race(ctx, team, rank)
    former_m = team.total_m - sum(member.total_m for member in members)
    if former_m > 0:
        parts.append(Text(_("Former members contributed {km}.").format(km=figures.km(former_m))))
    return Reply(tuple(parts))


def _race(ctx: Context, team: Team, rank: int) -> list[Text]:
    """How the team moved since the last daily post, and how far the team above is."""
    lines = []
    before = ctx.store.ranks_before(ctx.today, [team.id]).get(team.id)
    if before is not None and team.total_m:
        lines.append(
            _("Since the last daily post: {moved}.").format(moved=figures.movement(before, rank)[1])
        )
    above = ctx.store.team_above(team)
    if above is not None:
        lines.append(
            _("{km} behind {team}.").format(
                km=figures.km(above.total_m - team.total_m), team=above.name
            )
        )
    elif team.total_m:
        lines.append(_("In the lead!"))
    return [Text(" ".join(lines))] if lines else []


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


# -- the captain's tools ---------------------------------------------------------------------


@command(
    TeamRename,
    "team rename NAME",
    help=N_("captains: rename your team"),
    example="team rename Red Rockets II",
    who=Who.CAPTAINS,
    writes=True,
)
def rename_team(ctx: Context, command: TeamRename) -> Reply | list[Reply]:
    team = ctx.team
    if team is None:
        return say(_("You're not in a team."), example="team")
    key = name_key(command.name)
    other = ctx.store.team(key)
    if other is not None and other.id != team.id:
        return say(
            _("There is already a team called {team}.").format(team=other.name),
            example="team rename Red Rockets II",
        )
    old = team.name
    ctx.store.rename_team(team, command.name, key)
    ctx.store.audit("team rename", f"{old} -> {team.name}")
    told = _tell_team(
        ctx,
        team,
        lambda: _("{name} renamed your team {old} to {new}.").format(
            name=_me_to_others(ctx), old=old, new=team.name
        ),
    )
    return [say(_("Your team is now called {team}.").format(team=team.name)), *told]


@command(
    TeamCaptain,
    "team captain PERSON",
    help=N_("captains: hand the captaincy to a teammate"),
    example="team captain Alice",
    who=Who.CAPTAINS,
    writes=True,
)
def hand_over(ctx: Context, command: TeamCaptain) -> Reply | list[Reply]:
    found = _teammate(ctx, command.person, "team captain")
    if isinstance(found, Reply):
        return found
    team, member = found
    name = ctx.name_of(member.person, member.participant_id)
    if member.is_captain:
        return say(_("{name} is already captain.").format(name=name), example="team")
    ctx.store.make_captain(team, member.participant_id)
    ctx.store.audit("team captain", str(member.participant_id))
    told = ctx.tell(
        member.participant_id,
        lambda: _("You are now captain of {team}, handed over by {name}.").format(
            team=team.name, name=_me_to_others(ctx)
        ),
    )
    return [say(_("{name} is now captain of {team}.").format(name=name, team=team.name)), *told]


@command(
    TeamRemove,
    "team remove PERSON",
    help=N_("captains: take a member off your team (their km stay with it)"),
    example="team remove Bob",
    who=Who.CAPTAINS,
    writes=True,
)
def remove_member(ctx: Context, command: TeamRemove) -> Reply | list[Reply]:
    found = _teammate(ctx, command.person, "team remove")
    if isinstance(found, Reply):
        return found
    team, member = found
    if member.participant_id == ctx.participant.id:
        return say(_("To leave your team yourself, use leave."), example="leave")
    if member.is_captain and not ctx.is_admin:
        return say(_("A captain cannot be removed; hand over first."), example="team captain")
    name = ctx.name_of(member.person, member.participant_id)
    ctx.store.remove_from_team(team, member.participant_id)
    ctx.store.audit("team remove", str(member.participant_id))
    told = ctx.tell(
        member.participant_id,
        lambda: _(
            "{name} took you off {team}. The km you logged stay with the team; join another "
            "team to go on logging."
        ).format(name=_me_to_others(ctx), team=team.name),
    )
    return [
        say(
            _("{name} is no longer in {team}; their km stay with the team.").format(
                name=name, team=team.name
            )
        ),
        *told,
    ]


def _teammate(ctx: Context, typed: str, words: str) -> tuple[Team, MemberRow] | Reply:
    """The member of the caller's team that `typed` names (an admin outside it may name
    anyone in a team), or why there is none or more than one."""
    team = ctx.team
    if team is None and ctx.is_admin:
        team = ctx.store.team_of_member_named(
            name_key(typed), lambda person: public_name(person, ctx.config.privacy.names)
        )
    if team is None:
        return say(_("You're not in a team."), example="team")
    members = ctx.store.members(team)
    wanted = name_key(typed)
    exact = [m for m in members if name_key(ctx.name_of(m.person, m.participant_id)) == wanted]
    if len(exact) == 1:
        return team, exact[0]
    names = [ctx.name_of(m.person, m.participant_id) for m in members]
    close = [
        name
        for name, _score, _i in process.extract(
            typed, names, processor=name_key, limit=3, score_cutoff=SUGGESTION_CUTOFF
        )
    ]
    if len(exact) > 1:
        return say(
            _("More than one member of {team} is called {typed}.").format(
                team=team.name, typed=typed
            ),
            example="team",
        )
    lines = [_("Nobody in {team} is called {typed}.").format(team=team.name, typed=typed)]
    if close:
        lines.append(_("Did you mean {names}?").format(names=", ".join(close)))
    return say(*lines, example=f"{words} {close[0] if close else names[0]}")


def _me_to_others(ctx: Context) -> str:
    """The caller's name as teammates see it: hidden, or shortened, as elsewhere."""
    return public_name(ctx.participant, ctx.config.privacy.names)


def _tell_team(ctx: Context, team: Team, text: Callable[[], str]) -> list[Reply]:
    """The same message to every other member, each in their own language."""
    return [
        reply
        for member in ctx.store.members(team)
        if member.participant_id != ctx.participant.id
        for reply in ctx.tell(member.participant_id, text)
    ]
