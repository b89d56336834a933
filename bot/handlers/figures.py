"""How numbers read in replies: kilometres, money, dates."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.days import long_day

EARTH_CIRCUMFERENCE_KM = Decimal(40075)


def km(metres: int) -> str:
    """One rule everywhere: under 1 km in metres (`500 m`), else km to one decimal, a whole
    number without it (`12 km`, `12.5 km`, `264,497 km`)."""
    if 0 < abs(metres) < 1000:
        return f"{metres:,} m"
    tenths = _tenths(metres)
    whole, tenth = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{whole:,}.{tenth} km" if tenth else f"{sign}{whole:,} km"


def km_number(metres: int) -> str:
    """Kilometres for a table column, to the same tenth as `km`, always with its decimal."""
    return km_tenths(_tenths(metres))


def km_tenths(tenths: int) -> str:
    """Tenths of a km for a table column: `94.2`."""
    whole, tenth = divmod(abs(tenths), 10)
    return f"{'-' if tenths < 0 else ''}{whole:,}.{tenth}"


def tenths_adding_up(parts_m: list[int]) -> list[int]:
    """Each part in tenths of a km, rounded so that they add up to their total rounded: the
    rows of a table sum to the total it shows (largest remainders get the spare tenths)."""
    total = _tenths(sum(parts_m))
    floors = [metres // 100 for metres in parts_m]
    spare = total - sum(floors)
    by_remainder = sorted(range(len(parts_m)), key=lambda i: -(parts_m[i] % 100))
    for index in by_remainder[: max(spare, 0)]:
        floors[index] += 1
    return floors


def _tenths(metres: int) -> int:
    """Whole tenths of a km, half away from zero: exact in integers."""
    tenths = (abs(metres) + 50) // 100
    return -tenths if metres < 0 else tenths


def money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,}"


def day(value: date) -> str:
    return long_day(value)


def around_the_earth(metres: int) -> str:
    """`6.6 times around the Earth`, or `3% of the way around the Earth`; "" for nothing."""
    laps = Decimal(metres) / 1000 / EARTH_CIRCUMFERENCE_KM
    if laps >= 1:
        return f"{laps.quantize(Decimal('0.1'), ROUND_HALF_UP)} times around the Earth"
    percent = (laps * 100).quantize(Decimal(1), ROUND_HALF_UP)
    return f"{percent}% of the way around the Earth" if percent else ""


def share(part: int, whole: int) -> str:
    if whole <= 0:
        return "0%"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP)
    return f"{percent}%"


def count(number: int, noun: str, plural: str = "") -> str:
    """`1 team`, `2 teams`, `1,500 participants`, `3 charities` (given its plural)."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {plural or noun + 's'}"


def size(size_bytes: int) -> str:
    """`812 KB`, `2.4 MB`: a file's size, never `0 KB`."""
    if size_bytes < 1024 * 1024:
        return f"{max(1, round(size_bytes / 1024)):,} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"
