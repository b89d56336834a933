"""How numbers read in replies: kilometres, money, dates."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_percent

from bot import i18n
from bot.domain.days import long_day
from bot.domain.kinds import ActivityKind
from bot.i18n import N_, _, ngettext

EARTH_CIRCUMFERENCE_KM = Decimal(40075)
_KINDS = {
    ActivityKind.RUN: N_("run"),
    ActivityKind.WALK: N_("walk"),
    ActivityKind.CYCLE: N_("cycle"),
}


def km(metres: int) -> str:
    """One rule everywhere: under 1 km in metres (`500 m`), else km to one decimal, a whole
    number without it (`12 km`, `12.5 km`, `264,497 km`; in German `12,5 km`)."""
    if 0 < abs(metres) < 1000:
        return f"{i18n.decimal(metres)} m"
    return f"{i18n.decimal(Decimal(_tenths(metres)) / 10, '#,##0.#')} km"


def km_number(metres: int) -> str:
    """Kilometres for a table column, to the same tenth as `km`, always with its decimal."""
    return km_tenths(_tenths(metres))


def km_tenths(tenths: int) -> str:
    """Tenths of a km for a table column: `94.2`."""
    return i18n.decimal(Decimal(tenths) / 10, "#,##0.0")


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
    return i18n.money(amount, currency)


def kind(value: str) -> str:
    """An activity's kind as the reader says it: `run`, in German `Lauf`."""
    return _(_KINDS[ActivityKind(value)])


def number(value: int) -> str:
    """A count with the locale's grouping: `1,500`, in German `1.500`."""
    return i18n.decimal(value)


def day(value: date) -> str:
    return long_day(value)


def around_the_earth(metres: int) -> str:
    """`6.6 times around the Earth`, or `3% of the way around the Earth`; "" for nothing."""
    laps = Decimal(metres) / 1000 / EARTH_CIRCUMFERENCE_KM
    if laps >= 1:
        laps = laps.quantize(Decimal("0.1"), ROUND_HALF_UP)
        return _("{laps} times around the Earth").format(laps=i18n.decimal(laps, "#,##0.0"))
    percent = (laps * 100).quantize(Decimal(1), ROUND_HALF_UP)
    if not percent:
        return ""
    return _("{percent} of the way around the Earth").format(percent=_percent(percent))


def share(part: int, whole: int) -> str:
    if whole <= 0:
        return _percent(Decimal(0))
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP)
    return _percent(percent)


def _percent(percent: Decimal) -> str:
    """`12%`; in German `12 %`."""
    return format_percent(percent / 100, locale=i18n.language())


def size(size_bytes: int) -> str:
    """`812 KB`, `2.4 MB`: a file's size, never `0 KB`."""
    if size_bytes < 1024 * 1024:
        return f"{i18n.decimal(max(1, round(size_bytes / 1024)))} KB"
    return f"{i18n.decimal(Decimal(size_bytes) / (1024 * 1024), '#,##0.0')} MB"


def duration(seconds: int) -> str:
    """A time spent, as a stopwatch shows it: `28:05`, `1:52:10`."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def pace(metres: int, seconds: int, kind: str) -> str:
    """How fast, as people of that sport say it: minutes per km on foot (`5:18 /km`), km/h on
    a bike (`27.3 km/h`)."""
    if ActivityKind(kind) is ActivityKind.CYCLE:
        return f"{speed_kmh(Decimal(metres) * Decimal('3.6') / max(seconds, 1))} km/h"
    per_km = round(seconds * 1000 / max(metres, 1))
    return f"{duration(per_km)} /km"


def speed_kmh(kmh: Decimal) -> str:
    """A speed to one decimal, without the unit: `27.3`."""
    return i18n.decimal(kmh.quantize(Decimal("0.1"), ROUND_HALF_UP), "#,##0.0")


def movement(rank_before: int | None, rank: int) -> tuple[str, str]:
    """How a team moved since the last daily post: an arrow (▲2, ▼1, =; "" for a team it
    did not show) and the same in words, so that nothing is told by colour alone."""
    if rank_before is None:
        return "", _("new")
    if rank < rank_before:
        places = rank_before - rank
        return f"▲{places}", ngettext("up {count} place", "up {count} places", places).format(
            count=places
        )
    if rank > rank_before:
        places = rank - rank_before
        return f"▼{places}", ngettext("down {count} place", "down {count} places", places).format(
            count=places
        )
    return "=", _("no change")
