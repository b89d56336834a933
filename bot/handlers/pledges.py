"""Employees' own pledges on top of the company's gift, and the list payroll needs."""

from decimal import Decimal

from bot.commands import AdminPledges, SetPledge
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.posts import season_over
from bot.handlers.registry import Who, command
from bot.handlers.standings import pledge_line
from bot.i18n import N_, _, ngettext
from bot.replies import Heading, Reply, Table, Text, say


@command(
    SetPledge,
    "pledge AMOUNT [per km]",
    help=N_("pledge your own money too: a fixed amount, or an amount per km you log"),
    example="pledge 0.05 per km",
    who=Who.MEMBERS,
    writes=True,
)
def set_pledge(ctx: Context, command: SetPledge) -> Reply:
    mine = ctx.store.my_pledge()
    if command.amount is None and not command.off:
        if mine is None:
            return say(
                _("You have not pledged anything. The company gives {rate} per km.").format(
                    rate=_money(ctx, ctx.config.season.donation_per_km)
                ),
                example="pledge 0.05 per km",
            )
        return say(pledge_line(ctx.config.season, mine), example="pledge off")
    if (over := season_over(ctx.store)) is not None:
        return over
    if command.off:
        if not ctx.store.withdraw_pledge():
            return say(_("You have no pledge to withdraw."), example="pledge 20")
        return say(_("Your pledge is withdrawn."), example="pledge 20")
    fixed = None if command.per_km else command.amount
    per_km = command.amount if command.per_km else None
    ctx.store.pledge(fixed, per_km)
    made = ctx.store.my_pledge()
    assert made is not None
    lines = [pledge_line(ctx.config.season, made)]
    if mine is not None:
        lines.append(_("It replaces your earlier pledge."))
    lines.append(_("Thank you! Withdraw it any time before the final report with 'pledge off'."))
    return say(*lines)


@command(
    AdminPledges,
    "admin pledges",
    help=N_("every pledge and the employees' total, for payroll"),
    example="admin pledges",
    who=Who.ADMINS,
    writes=False,
)
def list_pledges(ctx: Context, _command: AdminPledges) -> Reply:
    rows = ctx.store.pledges()
    if not rows:
        return say(_("Nobody has pledged anything yet."), example="admin announce Pledge too!")
    total = sum((row.amount for row in rows), Decimal(0))
    table = tuple(
        (
            # Payroll needs the name itself, hidden or not.
            row.person.display_name,
            _("{rate} per km").format(rate=_money(ctx, row.pledge.per_km))
            if row.pledge.per_km is not None
            else _("fixed amount"),
            figures.km(row.own_m),
            _money(ctx, row.amount),
        )
        for row in rows
    )
    return Reply(
        (
            Heading(
                ngettext("{count} pledge", "{count} pledges", len(rows)).format(
                    count=figures.number(len(rows))
                )
            ),
            Table(
                (_("name"), _("pledge"), _("km"), _("amount")),
                table,
                right_aligned=frozenset({2, 3}),
            ),
            Text(_("Employees' pledges in all: {amount}.").format(amount=_money(ctx, total))),
        )
    )


def _money(ctx: Context, amount: Decimal | None) -> str:
    return figures.money(amount or Decimal(0), ctx.config.season.currency)
