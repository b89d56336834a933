"""How figures read in replies: one precision, proper plurals, no zero that says nothing."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot import i18n
from bot.handlers import figures


def test_distances_read_in_metres_under_a_km_and_else_km_to_one_decimal() -> None:
    assert [figures.km(m) for m in (0, 1, 999, 1_000, 1_050, 10_000, 94_180, 264_497_000)] == [
        "0 km",
        "1 m",
        "999 m",
        "1 km",
        "1.1 km",
        "10 km",
        "94.2 km",
        "264,497 km",
    ]


@given(st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=5))
def test_parts_rounded_to_tenths_add_up_to_their_total_rounded(parts: list[int]) -> None:
    tenths = figures.tenths_adding_up(parts)
    assert sum(tenths) == (sum(parts) + 50) // 100
    assert all(abs(t * 100 - m) < 100 for t, m in zip(tenths, parts, strict=True))


def test_plurals_sizes_and_the_earth_read_as_people_write_them() -> None:
    assert i18n.ngettext("{count} team", "{count} teams", 1).format(count=1) == "1 team"
    assert i18n.ngettext("{count} team", "{count} teams", 3).format(count=3) == "3 teams"
    assert figures.size(300) == "1 KB" and figures.size(2_500_000) == "2.4 MB"
    assert figures.around_the_earth(0) == ""
    assert figures.around_the_earth(405_500) == "1% of the way around the Earth"
    assert figures.around_the_earth(264_497_000) == "6.6 times around the Earth"


def test_a_new_team_says_once_how_teammates_join(chat) -> None:
    reply = chat.say("alice", "/newteam Red Rockets")
    assert "Teammates join with: /join Red Rockets" in reply
    assert "Join:" not in reply


def test_figures_read_as_the_readers_locale_writes_them() -> None:
    with i18n.using("de"):
        assert figures.km(12_500) == "12,5 km" and figures.km(264_497_000) == "264.497 km"
        assert figures.km(500) == "500 m" and figures.km_number(94_240) == "94,2"
        assert figures.money(Decimal(26449), "EUR") == "26.449\xa0€"
        assert figures.day(date(2021, 7, 5)) == "Mo., 5. Juli 2021"
        assert figures.around_the_earth(264_497_000) == "6,6-mal um die Erde"
        assert figures.share(1, 8) == "13\xa0%"
        assert i18n.ngettext("{count} team", "{count} teams", 1).format(count=1) == "1 Team"
