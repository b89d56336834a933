"""One person on both platforms: `link` gives a one-time code, `link CODE` on the other
platform joins the two accounts into one participant."""

from bot.commands import Link
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.i18n import N_, _
from bot.replies import Button, Buttons, Reply, Text, ToParticipant, say

PLATFORM_NAMES = {"slack": "Slack", "telegram": "Telegram", "console": "console"}


@command(
    Link,
    "link [CODE]",
    help=N_("one person on Slack and Telegram: join your two accounts"),
    example="link",
    who=Who.EVERYONE,
    writes=True,
)
def link_accounts(ctx: Context, command: Link) -> Reply | list[Reply]:
    if command.code is None:
        code = ctx.store.new_link_code(ctx.incoming.platform)
        return say(
            _(
                "Your code is {code}. Within 10 minutes, send link {code} to me on your other "
                "platform, and your two accounts become one. It works once."
            ).format(code=code),
            example=f"link {code}",
        )
    owner = ctx.store.link_code_owner(command.code)
    if owner is None:
        return say(
            _(
                "That code is unknown or has expired. Send link on your other platform for a "
                "new one."
            ),
            example="link",
        )
    if owner.participant_id == ctx.participant.id or owner.platform == ctx.incoming.platform:
        return say(
            _("Send this code to me on your other platform, not here."),
            example=f"link {command.code}",
        )
    keep, gone = owner.participant_id, ctx.participant.id
    kept_team, gone_team = ctx.store.team_of(keep), ctx.team
    two_teams = kept_team is not None and gone_team is not None and kept_team.id != gone_team.id
    if two_teams and command.keep_team not in (kept_team.id, gone_team.id):
        return Reply(
            (
                Text(
                    _(
                        "Your accounts are in two teams: {first} and {second}. Which one do "
                        "you stay in? The km you logged stay with each team."
                    ).format(first=kept_team.name, second=gone_team.name)
                ),
                Buttons(
                    tuple(
                        Button(team.name, f"link {command.code} keep {team.id}")
                        for team in (kept_team, gone_team)
                    )
                ),
            )
        )
    ctx.store.use_link_code(command.code)
    staying = command.keep_team if two_teams else None
    ctx.store.merge_into(keep, staying)
    ctx.store.audit("link", f"{gone} -> {keep}")
    total = ctx.store.totals_of(keep)
    team = ctx.store.team_of(keep)
    accounts = ctx.store.accounts_of(keep)
    platforms = ", ".join(sorted({PLATFORM_NAMES.get(p, p) for p, _id in accounts}))
    lines = [
        _("Linked: your accounts on {platforms} are one participant now.").format(
            platforms=platforms
        ),
        _("You: {km} this season, in {team}.").format(km=figures.km(total), team=team.name)
        if team
        else _("You: {km} this season.").format(km=figures.km(total)),
    ]
    elsewhere = tuple(account for account in accounts if account[0] != ctx.incoming.platform)
    told = [Reply((Text(lines[0]),), ToParticipant(elsewhere))] if elsewhere else []
    return [say(*lines), *told]
