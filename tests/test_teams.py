"""Creating, joining and leaving teams, as employees would."""

from sqlalchemy import func, select

from storage.models import Team


def team_count(chat) -> int:
    return chat.scalar(select(func.count()).select_from(Team))


def test_creating_a_team_makes_the_creator_its_captain(chat):
    reply = chat.say("alice", "/newteam Red Rockets")
    assert "Team Red Rockets is created, and you are its captain." in reply
    assert "/join Red Rockets" in reply
    assert "alice (captain)" in chat.say("alice", "/team")


def test_team_names_are_unique_ignoring_case_accents_and_spaces(chat):
    chat.say("alice", "/newteam Équipe Rouge")
    reply = chat.say("bob", "/newteam  equipe   ROUGE ")
    assert "There is already a team called Équipe Rouge." in reply
    assert "Example: /join Équipe Rouge" in reply
    assert team_count(chat) == 1
    assert "Welcome to Équipe Rouge" in chat.say("bob", "/join EQUIPE rouge")


def test_a_misspelled_join_suggests_the_team_and_never_creates_one(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("carol", "/newteam Blue Bears")
    reply = chat.say("bob", "/join red rockts")
    assert "There is no team called red rockts. Did you mean Red Rockets?" in reply
    assert "Example: /join Red Rockets" in reply
    assert team_count(chat) == 2
    assert "not in a team" in chat.say("bob", "/team")


def test_joining_an_unknown_team_with_nothing_close_offers_to_create_it(chat):
    chat.say("alice", "/newteam Red Rockets")
    reply = chat.say("bob", "/join Zebras")
    assert "There is no team called Zebras." in reply
    assert "/newteam Zebras" in reply
    assert team_count(chat) == 1


def test_a_full_team_refuses_new_members(chat, config):
    chat.say("captain", "/newteam Small Team")
    for i in range(1, config.season.max_team_size):
        assert "Welcome" in chat.say(f"member{i}", "/join Small Team")
    reply = chat.say("late", "/join Small Team")
    assert "Small Team is full: it has 12 of 12 members." in reply
    assert "not in a team" in chat.say("late", "/team")


def test_one_team_at_a_time(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/newteam Blue Bears")
    reply = chat.say("alice", "/join Blue Bears")
    assert "You're in Red Rockets. Leave it first" in reply
    assert "You're already in Red Rockets." in chat.say("alice", "/newteam Green Goats")
    assert team_count(chat) == 2


def test_leaving_keeps_the_km_with_the_team_and_hands_over_the_captaincy(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("alice", "/log 10 km run")
    reply = chat.say("alice", "/leave")
    assert "You left Red Rockets. The km you logged stay with the team." in reply
    assert "bob is now captain." in reply
    team = chat.say("bob", "/team")
    assert "Red Rockets: 10 km" in team
    assert "bob (captain)" in team
    assert "Former members contributed 10 km." in team
    assert "Join a team first" in chat.say("alice", "/log 5 km run")


def test_a_name_with_markup_is_kept_as_plain_text(chat):
    reply = chat.say("alice", "/newteam <!channel> <b>x</b>")
    assert "Team <!channel> <b>x</b> is created" in reply


def test_undo_after_changing_teams_names_the_team_the_log_counted_for(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 5 km run")
    chat.say("alice", "/leave")
    chat.say("alice", "/newteam Blue Bears")
    chat.say("alice", "/log 3 km walk")
    chat.say("alice", "/undo")
    reply = chat.say("alice", "/undo")
    assert "Removed #1: 5 km run" in reply
    assert "Red Rockets: nothing logged yet." in reply
    assert "Blue Bears" not in reply
    assert "You: nothing logged this season." in reply
    assert "rank" not in reply
