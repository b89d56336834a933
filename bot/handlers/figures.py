"""How numbers read in replies: kilometres, money, dates."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.days import long_day

EARTH_CIRCUMFERENCE_KM = Decimal(40075)


def km(metres: int) -> str:
    """`12 km`, `12.5 km`, `8.05 km`, `264,497 km`: at most two decimals, no trailing zeros;
    a distance too short to show in km is shown in metres (`4 m`)."""
    if 0 < abs(metres) < 5:
        return f"{metres} m"
    # Whole tens of metres, half away from zero: exact in integers.
    tens = (abs(metres) + 5) // 10
    sign = "-" if metres < 0 and tens else ""
    text = f"{tens // 100:,}.{tens % 100:02d}".rstrip("0").rstrip(".")
    return f"{sign}{text} km"


def km_number(metres: int) -> str:
    """Kilometres for a table column, one decimal."""
    value = (Decimal(metres) / 1000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value:,.1f}"


def money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,}"


def day(value: date) -> str:
    return long_day(value)


def times_around_earth(metres: int) -> str:
    laps = (Decimal(metres) / 1000 / EARTH_CIRCUMFERENCE_KM).quantize(Decimal("0.01"))
    return f"{laps}"


def share(part: int, whole: int) -> str:
    if whole <= 0:
        return "0%"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP)
    return f"{percent}%"


def count(number: int, noun: str) -> str:
    """`1 team`, `2 teams`, `1,500 participants`."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
