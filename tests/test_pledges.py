"""Employees' pledges and the journey through the dispatcher, on both databases: the three
kinds of money shown apart, pledges to the cent, and the route's stops."""

import asyncio
import json
from datetime import timedelta

import pytest

from bot import map_worker, replies
from bot.domain.journey import Route, Stop
from bot.handlers.journey import journey_map
from bot.replies import Attachment, JourneyMap, Reply


@pytest.fixture
def members(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.make_admin("ada")
    return chat


def test_a_fixed_pledge_and_one_per_km_are_shown_apart_from_the_companys_gift(members):
    members.say("alice", "/log 42 km cycle")
    members.say("bob", "/log 8 km run")
    assert members.say("alice", "/pledge 20").startswith("Your pledge: EUR 20.")
    per_km = members.say("bob", "/pledge 0.05 per km")
    assert per_km.startswith("Your pledge: EUR 0.05 per km of your own logs, EUR 0.40 so far.")
    totals = members.say("carol", "/totals")
    assert "Donation so far: EUR 25.40." in totals
    assert "From the company: EUR 5 at EUR 0.10 per km." in totals
    assert "Employees' pledges: EUR 20.40." in totals
    assert "Your pledge: EUR 0.05 per km of your own logs, EUR 0.40 so far." in members.say(
        "bob", "/me"
    )


def test_a_per_km_pledge_is_rounded_down_to_the_cent(members):
    members.say("bob", "/log 3.333 km walk")
    assert "EUR 0.24 so far" in members.say("bob", "/pledge 0.073 per km")  # 0.2433


def test_a_new_pledge_replaces_the_old_and_off_withdraws_it(members):
    members.say("alice", "/pledge 20")
    again = members.say("alice", "/pledge 35.50")
    assert "Your pledge: EUR 35.50." in again and "It replaces your earlier pledge." in again
    assert members.say("alice", "/pledge off") == ("Your pledge is withdrawn.\nExample: /pledge 20")
    assert "You have not pledged anything." in members.say("alice", "/pledge")
    assert "You have no pledge to withdraw." in members.say("alice", "/pledge off")


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1,000", "Is '1,000' a thousand or more? Write it without a separator, like 1000."),
        ("5000", "A pledge must be more than 0 and at most 1,000; I got '5000'."),
        ("2 per km", "A pledge must be more than 0 and at most 1; I got '2 per km'."),
        ("12.3456", "A pledge has at most 2 decimal places; I got '12.3456'."),
        ("lots", "A pledge is an amount, like 20, or an amount per km of your own logs"),
    ],
)
def test_a_pledge_that_cannot_be_meant_is_refused_and_nothing_is_stored(members, typed, expected):
    assert expected in members.say("alice", f"/pledge {typed}")
    assert "You have not pledged anything." in members.say("alice", "/pledge")


def test_newcomers_cannot_pledge_but_see_nothing_stored(chat):
    assert chat.say("zoe", "/pledge 20").startswith("Join a team first")


def test_admin_pledges_lists_every_pledge_for_payroll_and_their_total(members):
    members.say("bob", "/log 10 km run")
    members.say("alice", "/pledge 20")
    members.say("bob", "/pledge 0.10 per km")
    members.say("bob", "/hide")
    listing = members.say("ada", "/admin pledges")
    assert "2 pledges" in listing
    assert "alice" in listing and "bob" in listing  # payroll needs the name, hidden or not
    assert "Employees' pledges in all: EUR 21." in listing
    assert members.say("alice", "/admin pledges") == (
        "Only the challenge admins can do that.\nExample: /help"
    )


def test_mydata_holds_the_pledge_and_forgetme_withdraws_it(members):
    members.say("alice", "/pledge 0.05 per km")
    (reply,) = members.send("alice", "/mydata")
    (attachment,) = [part for part in reply.parts if isinstance(part, Attachment)]
    (pledge,) = json.loads(attachment.content)["pledges"]
    assert pledge["per_km"] == "0.0500" and pledge["fixed"] is None
    members.say("alice", "/forgetme confirm")
    assert "Employees' pledges" not in members.say("ada", "/totals")
    assert "Nobody has pledged anything yet." in members.say("ada", "/admin pledges")


def test_journey_shows_the_stop_passed_the_next_and_a_map(members):
    members.say("alice", "/log 12 km cycle")
    (reply,) = members.send("bob", "/journey")
    text = "\n".join(getattr(part, "text", "") for part in reply.parts)
    assert "Around Europe" in text
    assert "12 km so far: past London, 331.5 km to Paris." in text
    # Drawn after the transaction, as a PNG the platform sends as a picture.
    (picture,) = [part for part in reply.parts if isinstance(part, Attachment)]
    assert picture.media_type == "image/png" and picture.content.startswith(b"\x89PNG")
    assert not any(isinstance(part, JourneyMap) for part in reply.parts)


def test_a_map_drawn_a_moment_ago_serves_the_next_journey_but_not_a_stop_passed(
    members, monkeypatch
):
    drawn = []
    draw = map_worker.draw

    def counted(*args):
        drawn.append(args)
        return draw(*args)

    monkeypatch.setattr(map_worker, "draw", counted)
    monkeypatch.setattr(replies, "_recent_maps", {})
    members.say("alice", "/log 12 km cycle")
    first = members.send("bob", "/journey")
    members.say("alice", "/log 3 km run")
    (second,) = members.send("alice", "/journey")
    # The line is exact; the map is the one drawn a moment ago, drawn once.
    assert "15 km so far" in "\n".join(getattr(part, "text", "") for part in second.parts)
    assert len(drawn) == 1
    assert [p.content for p in first[0].parts if isinstance(p, Attachment)] == [
        p.content for p in second.parts if isinstance(p, Attachment)
    ]
    # A map that must show the moment itself is drawn anew.
    asyncio.run(replies.drawn(Reply((journey_map(members.dispatcher.config, 15_000),))))
    assert len(drawn) == 2
    monkeypatch.setattr(replies, "RECENT_MAP_S", 0.0)
    members.send("bob", "/journey")
    assert len(drawn) == 3


def test_the_daily_post_tells_the_team_news_since_yesterday(members):
    members.say("carol", "/newteam Blue Herons")
    for team, user in (("Green Gazelles", "dan"), ("Gold Geckos", "eve")):
        members.say(user, f"/newteam {team}")
        members.say(user, "/log 30 km cycle")
    members.say("alice", "/log 200 km cycle")
    members.say("carol", "/log 20 km run")
    first = members.say("ada", "/admin post")
    assert "Team news" not in first  # nothing to compare with yet
    members.clock.now += timedelta(days=1)
    members.say("carol", "/log 90 km run")
    members.say("carol", "/log 100 km cycle")
    members.say("alice", "/log 400 km cycle")
    members.say("bob", "/log 400 km cycle")
    second = members.say("ada", "/admin post")
    assert "Team news" in second
    assert "Red Rockets passed 1,000 km!" in second
    assert "Blue Herons climbed into the top three, to rank 2!" in second


def test_the_route_places_km_stop_by_stop_and_lap_after_lap():
    route = Route((Stop("A", 0.0, 0.0), Stop("B", 0.0, 1.0), Stop("C", 1.0, 1.0)), loop=True)
    leg_m = route.legs_m[0]
    assert 111_000 < leg_m < 111_400  # a degree of the equator
    assert route.place(0).arrivals == 0 and route.place(0).next == 1
    halfway = route.place(leg_m // 2)
    assert halfway.passed == 0 and abs(halfway.position[1] - 0.5) < 0.001
    second_lap = route.place(route.length_m + leg_m + 5)
    assert (second_lap.lap, second_lap.passed, second_lap.next) == (2, 1, 2)
    assert second_lap.arrivals == 4 and route.arrival_stop(4).name == "B"
    line = Route(route.stops, loop=False)
    end = line.place(line.length_m + 1)
    assert (end.next, end.passed, end.arrivals) == (None, 2, 2)
