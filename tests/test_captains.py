"""A team's captain at work: renaming the team, handing over, taking a member off; who leads
when the captain leaves; and how the team moved since the last daily post."""

from datetime import timedelta

import pytest
from conftest import make_config, open_chat

from bot.render.plain import render
from bot.replies import Table, ToCaller, ToParticipant

ONLY_CAPTAIN = "Only your team's captain can do that."


def to(user: str) -> ToParticipant:
    return ToParticipant((("console", user),))


def told(replies, user: str) -> str:
    """The text of what `user` alone was told directly."""
    (reply,) = [r for r in replies if r.audience == to(user)]
    return render(reply)


def to_caller(replies) -> str:
    return "\n".join(render(r) for r in replies if isinstance(r.audience, ToCaller))


def standings_rows(chat, user: str) -> tuple[tuple[str, ...], ...]:
    (reply,) = chat.send(user, "/standings")
    (table,) = [part for part in reply.parts if isinstance(part, Table)]
    assert table.header[-1] == "±"
    return table.rows


@pytest.fixture
def team(chat):
    """Red Rockets: alice (captain, who created it), bob and carol."""
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("carol", "/join Red Rockets")
    return chat


# -- renaming --------------------------------------------------------------------------------


def test_the_captain_renames_the_team_and_the_members_are_told(team):
    replies = team.send("alice", "/team rename Red Rockets II")
    assert "Your team is now called Red Rockets II." in to_caller(replies)
    for member in ("bob", "carol"):
        assert "alice renamed your team Red Rockets to Red Rockets II." in told(replies, member)
    assert not [r for r in replies if r.audience == to("alice")]  # the captain is not told twice
    assert "Red Rockets II: 0 km, rank 1" in team.say("bob", "/team")
    assert "There is no team called Red Rockets." in team.say("dan", "/join Red Rockets")
    assert "Welcome to Red Rockets II!" in team.say("dan", "/join red rockets ii")


def test_a_rename_to_another_teams_name_is_refused(team):
    team.say("dan", "/newteam Blue Herons")
    refused = team.say("alice", "/team rename blue  HERONS")
    assert "There is already a team called Blue Herons." in refused
    assert "Red Rockets: 0 km" in team.say("alice", "/team")


def test_a_member_who_is_not_captain_cannot_rename_and_nothing_changes(team):
    refused = team.send("bob", "/team rename Bob's Team")
    assert [r.audience for r in refused] == [ToCaller()]  # nobody else hears of it
    assert ONLY_CAPTAIN in render(refused[0])
    assert "Red Rockets: 0 km" in team.say("carol", "/team")


# -- handing over ------------------------------------------------------------------------------


def test_the_captain_hands_over_and_can_no_longer_rename(team):
    replies = team.send("alice", "/team captain Bob")
    assert "bob is now captain of Red Rockets." in to_caller(replies)
    assert "You are now captain of Red Rockets, handed over by alice." in told(replies, "bob")
    shown = team.say("carol", "/team")
    assert "bob (captain)" in shown
    assert "alice (captain)" not in shown
    assert ONLY_CAPTAIN in team.say("alice", "/team rename Alice's Team")
    assert "Your team is now called Bob's Team." in team.say("bob", "/team rename Bob's Team")


def test_handing_over_to_the_captain_or_a_stranger_changes_nothing(team):
    assert "alice is already captain." in team.say("alice", "/team captain alice")
    refused = team.say("alice", "/team captain Zoe")
    assert "Nobody in Red Rockets is called Zoe." in refused
    assert "alice (captain)" in team.say("bob", "/team")


def test_an_admin_outside_any_team_appoints_a_captain_in_another_team(team):
    team.make_admin("ada")
    replies = team.send("ada", "/team captain carol")
    assert "carol is now captain of Red Rockets." in to_caller(replies)
    assert "You are now captain of Red Rockets, handed over by ada." in told(replies, "carol")
    assert "carol (captain)" in team.say("bob", "/team")
    assert "You're not in a team." in team.say("ada", "/team")  # ada stays out of it


def test_someone_outside_any_team_who_is_no_admin_cannot_appoint(team):
    assert ONLY_CAPTAIN in team.say("zoe", "/team captain carol")
    assert "alice (captain)" in team.say("bob", "/team")


# -- taking a member off --------------------------------------------------------------------


def test_a_removed_member_is_told_and_their_km_stay_with_the_team(team):
    team.say("alice", "/log 10 km run")
    team.say("bob", "/log 7 km walk")
    replies = team.send("alice", "/team remove Bob")
    assert "bob is no longer in Red Rockets; their km stay with the team." in to_caller(replies)
    assert (
        "alice took you off Red Rockets. The km you logged stay with the team; join another "
        "team to go on logging."
    ) in told(replies, "bob")
    shown = team.say("carol", "/team")
    assert "Red Rockets: 17 km, rank 1" in shown
    assert "bob" not in shown
    assert "Former members contributed 7 km." in shown
    (row,) = standings_rows(team, "carol")
    assert row[1:5] == ("Red Rockets", "17.0", "2", "8.5")
    assert "Join a team first" in team.say("bob", "/log 5 km run")
    assert "17 km" in team.say("carol", "/team")
    assert "Team Blue Herons is created" in team.say("bob", "/newteam Blue Herons")
    assert "bob (captain)" in team.say("bob", "/team")  # free to start afresh


def test_removing_a_misspelled_name_suggests_the_member(team):
    refused = team.say("alice", "/team remove Bobb")
    assert "Nobody in Red Rockets is called Bobb." in refused
    assert "Did you mean bob?" in refused
    assert "Example: /team remove bob" in refused
    assert "bob" in team.say("carol", "/team")
    assert "Welcome" not in team.say("bob", "/log 1 km run")
    assert "1 km" in team.say("bob", "/me")


def test_the_captain_cannot_remove_themselves_but_can_leave(team):
    refused = team.say("alice", "/team remove alice")
    assert "To leave your team yourself, use leave." in refused
    assert "Example: /leave" in refused
    assert "alice (captain)" in team.say("alice", "/team")


def test_a_member_who_is_not_captain_cannot_remove_anyone(team):
    assert ONLY_CAPTAIN in team.say("bob", "/team remove carol")
    assert "carol" in team.say("alice", "/team")


# -- when the captain leaves -----------------------------------------------------------------


def test_the_member_with_the_most_km_for_the_team_takes_over_from_a_leaving_captain(team):
    # bob has been in the team longest, but carol did more for it.
    team.say("bob", "/log 5 km run")
    team.say("carol", "/log 20 km cycle")
    replies = team.send("alice", "/leave")
    mine = to_caller(replies)
    assert "You left Red Rockets. The km you logged stay with the team." in mine
    assert "carol is now captain." in mine
    for member in ("bob", "carol"):
        assert "alice left Red Rockets; carol is now captain." in told(replies, member)
    assert "carol (captain)" in team.say("bob", "/team")
    assert "Your team is now called Carol's Crew." in team.say("carol", "/team rename Carol's Crew")
    assert ONLY_CAPTAIN in team.say("bob", "/team rename Bob's Band")


def test_km_done_for_another_team_do_not_make_the_next_captain(chat):
    chat.say("carol", "/newteam Blue Herons")
    chat.say("carol", "/log 50 km run")  # for Blue Herons
    chat.say("carol", "/leave")
    chat.say("alice", "/newteam Red Rockets")
    chat.say("carol", "/join Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("bob", "/log 3 km walk")
    assert "bob is now captain." in chat.say("alice", "/leave")


def test_a_captain_leaving_alone_leaves_nobody_to_tell(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 4 km run")
    replies = chat.send("alice", "/leave")
    assert [r.audience for r in replies] == [ToCaller()]
    assert "now captain" not in render(replies[0])


# -- how the team moved since the last daily post ----------------------------------------------


@pytest.fixture
def race(chat):
    """Three teams posted on day 1 as 1 Red Rockets, 2 Blue Herons, 3 Green Gazelles; on day 2
    the Green Gazelles pass the Blue Herons."""
    chat.make_admin("ada")
    for team, user, km in (
        ("Red Rockets", "alice", 30),
        ("Blue Herons", "bob", 20),
        ("Green Gazelles", "carol", 10),
    ):
        chat.say(user, f"/newteam {team}")
        chat.say(user, f"/log {km} km run")
    assert "Posting today's leaderboard" in chat.say("ada", "/admin post")
    chat.clock.now += timedelta(days=1)
    chat.say("carol", "/log 15 km cycle")  # 25 km, past Blue Herons' 20
    return chat


def test_a_team_that_overtook_another_sees_it_went_up_and_the_gap_to_the_team_above(race):
    assert "Since the last daily post: up 1 place. 5 km behind Red Rockets." in race.say(
        "carol", "/team"
    )
    assert "Since the last daily post: down 1 place. 5 km behind Green Gazelles." in race.say(
        "bob", "/team"
    )
    assert "Since the last daily post: no change. In the lead!" in race.say("alice", "/team")


def test_standings_show_each_teams_movement_in_the_last_column(race):
    rows = standings_rows(race, "ada")
    assert [(row[1], row[-1]) for row in rows] == [
        ("Red Rockets", "="),
        ("Green Gazelles", "▲1"),
        ("Blue Herons", "▼1"),
    ]


def test_on_the_day_of_the_first_post_there_is_no_movement_yet(chat):
    chat.make_admin("ada")
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 30 km run")
    chat.say("bob", "/newteam Blue Herons")
    chat.say("bob", "/log 20 km run")
    chat.say("ada", "/admin post")
    shown = chat.say("bob", "/team")
    assert "Since the last daily post" not in shown
    assert "10 km behind Red Rockets." in shown
    assert [row[-1] for row in standings_rows(chat, "bob")] == ["", ""]


def test_a_team_created_after_the_last_post_is_new(race):
    race.say("dan", "/newteam Gold Geckos")
    race.say("dan", "/log 100 km run")
    shown = race.say("dan", "/team")
    assert "In the lead!" in shown
    assert "Since the last daily post" not in shown  # it was in no post to move from
    rows = standings_rows(race, "dan")
    assert (rows[0][1], rows[0][-1]) == ("Gold Geckos", "")
    assert "Since the last daily post: down 1 place." in race.say("alice", "/team")


# -- what teammates are told of someone else's name -----------------------------------------


def test_with_first_initial_names_teammates_are_told_only_the_initial(
    database_url, tmp_path, clock
):
    config = make_config(database_url, tmp_path, privacy={"names": "first_initial"})
    with open_chat(config, clock) as chat:
        chat.say("anna", "/newteam Red Rockets", display_name="Anna Keller")
        chat.say("ben", "/join Red Rockets", display_name="Ben Ortiz")
        assert "Anna K. (captain)" in chat.say("ben", "/team", display_name="Ben Ortiz")
        replies = chat.send("anna", "/team rename Red Rockets II", display_name="Anna Keller")
        assert told(replies, "ben") == "Anna K. renamed your team Red Rockets to Red Rockets II."


def test_a_hidden_captain_is_not_named_to_the_team(team):
    team.say("alice", "/hide")
    assert "alice" not in team.say("bob", "/team")  # as the team sees her
    replies = team.send("alice", "/team rename Red Rockets II")
    assert "alice" not in told(replies, "bob")


# -- an admin naming someone in another team ------------------------------------------------


@pytest.fixture
def emile(chat):
    chat.make_admin("ada")
    chat.say("emile", "/newteam Blue Herons", display_name="Émile Zola")
    chat.say("xavier", "/join Blue Herons", display_name="Xavier")
    return chat


def test_a_captain_may_type_a_teammates_name_without_its_accent(emile):
    reply = emile.say("emile", "/team captain xavier", display_name="Émile Zola")
    assert "Xavier is now captain of Blue Herons." in reply
    back = emile.say("xavier", "/team captain emile  zola", display_name="Xavier")
    assert "Émile Zola is now captain of Blue Herons." in back


def test_an_admin_may_type_the_name_without_its_accent_as_a_captain_may(emile):
    reply = emile.say("ada", "/team captain emile zola")
    assert "Xavier is now captain" not in reply
    assert "Émile Zola is already captain." in reply


def test_an_admin_may_type_the_name_exactly_as_shown(emile):
    assert "Émile Zola is already captain." in emile.say("ada", "/team captain Émile Zola")
