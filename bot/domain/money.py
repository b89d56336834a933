"""The donation: the company's gift per km (rounded down to whole units), its bonuses, and
the employees' own pledges (to the cent), all in Decimal."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

WHOLE_UNITS = Decimal(1)
CENTS = Decimal("0.01")
# The most one person may pledge: a typo must not promise a month's salary.
MAX_FIXED_PLEDGE = Decimal(1000)
MAX_PLEDGE_PER_KM = Decimal(1)


def donation(total_m: int, per_km: Decimal, cap: Decimal | None = None) -> Decimal:
    """The amount owed for `total_m` metres, never above `cap` when one is set."""
    amount = (Decimal(total_m) / 1000 * per_km).quantize(WHOLE_UNITS, rounding=ROUND_DOWN)
    return min(amount, cap) if cap is not None else amount


def pledged(fixed: Decimal | None, per_km: Decimal | None, own_m: int) -> Decimal:
    """What one person's pledge comes to: the fixed amount, or so much per km of their own
    logs, to the cent (rounded down: never more than they promised)."""
    if fixed is not None:
        return fixed
    if per_km is None:
        return Decimal(0)
    return (Decimal(own_m) / 1000 * per_km).quantize(CENTS, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Donation:
    """The three kinds of money, shown apart, and their sum."""

    per_km: Decimal  # the company's gift for the km
    bonuses: Decimal  # the company's bonuses for the km reached
    pledges: Decimal  # the employees' own

    @property
    def company(self) -> Decimal:
        return self.per_km + self.bonuses

    @property
    def total(self) -> Decimal:
        return self.company + self.pledges


def season_donation(
    total_m: int,
    per_km: Decimal,
    cap: Decimal | None,
    bonuses: Iterable[tuple[int, Decimal]],
    pledges: Decimal,
) -> Donation:
    """The season's donation at `total_m`: `bonuses` are (km, amount) pairs, each earned once
    the season reaches its km."""
    earned = sum((amount for km, amount in bonuses if total_m >= km * 1000), Decimal(0))
    return Donation(donation(total_m, per_km, cap), earned, pledges)
