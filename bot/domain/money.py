"""The donation: kilometres times the rate, in Decimal, rounded down to whole units."""

from decimal import ROUND_DOWN, Decimal

WHOLE_UNITS = Decimal(1)


def donation(total_m: int, per_km: Decimal, cap: Decimal | None = None) -> Decimal:
    """The amount owed for `total_m` metres, never above `cap` when one is set."""
    amount = (Decimal(total_m) / 1000 * per_km).quantize(WHOLE_UNITS, rounding=ROUND_DOWN)
    return min(amount, cap) if cap is not None else amount
