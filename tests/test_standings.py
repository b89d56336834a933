"""me, standings and totals: what employees and captains see."""

from decimal import Decimal

import pytest

from bot.domain.money import donation


def test_standings_rank_teams_and_mark_the_callers_team_even_outside_the_top_ten(chat):
    for i in range(12):
        chat.say(f"captain{i}", f"/newteam Team {i:02d}")
        chat.say(f"captain{i}", f"/log {i + 1} km run")
    table = chat.say("captain0", "/standings")
    lines = table.splitlines()
    assert lines[1].split() == ["#", "team", "km", "members", "km/member", "±"]
    assert lines[2].split() == ["1", "Team", "11", "12.0", "1", "12.0"]
    assert len(lines[2:]) == 11
    assert lines[-1].split() == [">", "12", "Team", "00", "1.0", "1", "1.0"]


def test_equal_totals_share_a_rank(chat):
    chat.say("a", "/newteam Alpha")
    chat.say("b", "/newteam Beta")
    chat.say("c", "/newteam Gamma")
    chat.say("a", "/log 5 km run")
    chat.say("b", "/log 5 km run")
    chat.say("c", "/log 3 km run")
    rows = [line.split()[:2] for line in chat.say("c", "/standings").splitlines()[2:]]
    assert rows == [["1", "Alpha"], ["1", "Beta"], [">", "3"]]


def test_people_standings_list_individuals_with_their_team(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("alice", "/log 10 km run")
    chat.say("bob", "/log 30 km cycle")
    lines = chat.say("alice", "/standings people").splitlines()
    assert lines[2].split() == ["1", "bob", "Red", "Rockets", "30.0"]
    assert lines[3].split() == [">", "2", "alice", "Red", "Rockets", "10.0"]


def test_me_shows_km_per_kind_days_rank_and_share_of_the_team(chat, clock):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("alice", "/log 10 km run")
    chat.say("alice", "/log 5 km walk yesterday")
    chat.say("alice", "/log 15 km cycle yesterday")
    chat.say("bob", "/log 70 km cycle")
    reply = chat.say("alice", "/me")
    assert "alice: 30 km" in reply
    assert [line.split() for line in reply.splitlines()[2:6]] == [
        ["run", "10.0"],
        ["walk", "5.0"],
        ["cycle", "15.0"],
        ["total", "30.0"],
    ]
    assert "Days active: 2. Rank 2 of 2." in reply
    assert "Your share of Red Rockets: 30% (30 km of 100 km)." in reply


def test_counts_include_those_who_have_not_logged_yet(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("carol", "/newteam Blue Bears")
    chat.say("dave", "/newteam Green Geckos")
    chat.say("alice", "/log 10 km run")
    chat.say("carol", "/log 10 km run")
    assert "Days active: 0. Rank 3 of 4." in chat.say("bob", "/me")
    assert "Rank 1 of 4." in chat.say("alice", "/me")
    assert "4 participants in 3 teams." in chat.say("erin", "/totals")


def test_me_after_moving_team_shows_the_share_of_the_current_team_only(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/newteam Blue Bears")
    chat.say("alice", "/log 10 km run")
    chat.say("alice", "/leave")
    reply = chat.say("alice", "/me")
    assert "alice: 10 km" in reply
    assert "Your share" not in reply
    chat.say("alice", "/join Blue Bears")
    chat.say("alice", "/log 5 km run")
    chat.say("bob", "/log 15 km run")
    assert "Your share of Blue Bears: 25% (5 km of 20 km)." in chat.say("alice", "/me")


def test_me_before_joining_points_to_join(chat):
    assert "Example: /join Red Rockets" in chat.say("newcomer", "/me")


def test_totals_show_the_season_the_donation_and_laps_of_the_earth(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/newteam Blue Bears")
    chat.say("alice", "/log 99 km run")
    chat.say("bob", "/log 305 km cycle")
    chat.say("bob", "/log 1,5 km walk")
    reply = chat.say("carol", "/totals")
    assert "Summer Challenge 2021: 405.5 km so far" in reply
    assert "2 participants in 2 teams." in reply
    assert "Donation so far: EUR 40 at EUR 0.10 per km." in reply
    assert "That's 1% of the way around the Earth." in reply


@pytest.mark.parametrize(
    ("km", "rate", "cap", "expected"),
    [
        (264_497, "0.10", None, "26449"),
        (264_497, "0.10", "20000", "20000"),
        (0, "0.10", None, "0"),
        (9, "0.10", None, "0"),
        (1000, "0.25", None, "250"),
    ],
)
def test_the_donation_is_decimal_rounded_down_to_whole_units_and_capped(km, rate, cap, expected):
    amount = donation(km * 1000, Decimal(rate), Decimal(cap) if cap else None)
    assert isinstance(amount, Decimal)
    assert amount == Decimal(expected)


def test_the_2021_edition_donates_eur_26449():
    """264,497 km at EUR 0.10 per km: EUR 26,449, not 26,449.70 and not 26,450."""
    assert donation(264_497_000, Decimal("0.10")) == Decimal("26449")


def test_the_kinds_in_me_add_up_to_the_total_it_shows(chat):
    chat.say("alice", "/newteam Red Rockets")
    for kind in ("run", "walk", "cycle"):
        chat.say("alice", f"/log 1.05 km {kind}")  # each 1.1 alone, 3.2 together
    reply = chat.say("alice", "/me")
    assert "3.2 km" in reply
    rows = {
        line.split()[0]: line.split()[-1]
        for line in reply.splitlines()
        if line.split() and line.split()[0] in ("run", "walk", "cycle", "total")
    }
    shown = [Decimal(rows[kind]) for kind in ("run", "walk", "cycle")]
    assert sum(shown) == Decimal(rows["total"]) == Decimal("3.2")


def test_a_team_or_person_with_nothing_logged_is_not_ranked(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/newteam Blue Bears")
    chat.say("alice", "/log 5 km run")
    rows = [line.split() for line in chat.say("alice", "/standings").splitlines()]
    assert [">", "1", "Red", "Rockets", "5.0", "1", "5.0"] in rows
    assert ["-", "Blue", "Bears", "0.0", "1", "0.0"] in rows
    people = [line.split() for line in chat.say("bob", "/standings people").splitlines()]
    assert [">", "-", "bob", "Blue", "Bears", "0.0"] in people


def test_people_standings_show_the_top_ten_and_five_either_side_of_the_caller(chat):
    chat.say("p01", "/newteam Red Rockets")
    for number in range(1, 25):
        user = f"p{number:02d}"
        if number > 1:
            chat.say(user, "/join Red Rockets" if number <= 12 else "/newteam Team " + user)
        chat.say(user, f"/log {100 - number} km cycle")  # p01 first, p24 last
    lines = chat.say("p18", "/standings people").splitlines()
    ranks = [line.split()[0].lstrip(">") or line.split()[1] for line in lines[2:-1]]
    assert ranks == [*map(str, range(1, 11)), "…", *map(str, range(13, 24))]
    (mine,) = [line for line in lines if line.startswith(">")]
    assert "p18" in mine and "82.0" in mine
    assert lines[-1] == "24 people are ranked."
    top = chat.say("p03", "/standings people").splitlines()
    assert "…" not in "\n".join(top) and len(top) == 2 + 10 + 1  # heading, header, rows, count
