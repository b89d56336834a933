"""Where people are: each person's country, shown in the reader's language, and the countries
ranked by km and by km per participant, as employees would use them."""

import json
from datetime import datetime

import pytest
from conftest import LONDON

from bot.render.plain import render
from bot.replies import Attachment, Heading, Table, ToAnnouncementChats


def tables(reply) -> list[Table]:
    return [part for part in reply.parts if isinstance(part, Table)]


def headings(reply) -> list[str]:
    return [part.text for part in reply.parts if isinstance(part, Heading)]


@pytest.fixture
def nations(chat):
    """Two Germans (10 and 20 km) and a French person (25 km), in two teams."""
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("claire", "/newteam Blue Herons")
    for user, country, km in (("alice", "DE", 10), ("bob", "germany", 20), ("claire", "FR", 25)):
        chat.say(user, f"/country {country}")
        chat.say(user, f"/log {km} km run")
    return chat


def test_setting_showing_and_clearing_a_country(chat):
    assert "You have not set your country." in chat.say("alice", "/country")
    set_reply = chat.say("alice", "/country DE")
    assert "Your country is now Germany (DE)." in set_reply
    assert "/standings countries" in set_reply
    assert "Your country: Germany (DE)." in chat.say("alice", "/country")
    assert "Your country is cleared." in chat.say("alice", "/country off")
    assert "You have not set your country." in chat.say("alice", "/country")


@pytest.mark.parametrize("typed", ["de", "Germany", "Deutschland", "allemagne", "  GERMANY "])
def test_a_country_can_be_named_by_code_or_in_any_shipped_language(chat, typed):
    assert "Your country is now Germany (DE)." in chat.say("alice", f"/country {typed}")
    assert "Your country: Germany (DE)." in chat.say("alice", "/country")


def test_a_misspelled_country_is_refused_with_a_suggestion_and_nothing_changes(chat):
    chat.say("alice", "/country FR")
    refused = chat.say("alice", "/country Germny")
    assert "I don't know the country 'Germny'; use its two-letter code." in refused
    assert "Did you mean 'Germany (DE)'?" in refused
    assert "Example: /country DE" in refused
    assert "Your country: France (FR)." in chat.say("alice", "/country")


def test_a_country_nothing_like_any_other_is_refused_with_an_example(chat):
    refused = chat.say("alice", "/country Qwxzy")
    assert "I don't know the country 'Qwxzy'" in refused
    assert "Did you mean" not in refused
    assert "Example: /country DE" in refused
    assert "You have not set your country." in chat.say("alice", "/country")


def test_a_german_reader_sees_the_country_named_in_german(chat):
    chat.say("anna", "/language de")
    assert "Deutschland (DE)" in chat.say("anna", "/country DE")
    assert "Deutschland (DE)" in chat.say("anna", "/country")
    # The same stored code reads in English for someone who reads English.
    chat.say("bert", "/country deutschland")
    assert "Germany (DE)" in chat.say("bert", "/country")


def test_a_german_reader_gets_the_suggestion_in_german(chat):
    chat.say("anna", "/language de")
    refused = chat.say("anna", "/country Germny")
    assert "Deutschland (DE)" in refused
    assert "Germany (DE)" not in refused


def test_countries_are_ranked_by_km_and_by_km_per_participant(nations):
    (reply,) = nations.send("bob", "/standings countries")
    assert headings(reply) == ["Countries by km", "Countries by km per participant"]
    by_km, per_person = tables(reply)
    assert by_km.header == ("#", "country", "km", "people")
    assert by_km.rows == (
        ("1", "Germany (DE)", "30.0", "2"),
        ("2", "France (FR)", "25.0", "1"),
    )
    assert per_person.rows == (
        ("1", "France (FR)", "25.0", "1"),
        ("2", "Germany (DE)", "15.0", "2"),
    )
    # Bob's own country is marked in both tables, wherever it stands.
    assert (by_km.marked_row, per_person.marked_row) == (0, 1)


def test_the_callers_country_is_marked_and_a_caller_without_one_has_no_mark(nations):
    (french,) = nations.send("claire", "/standings countries")
    assert [t.marked_row for t in tables(french)] == [1, 0]
    (nobody,) = nations.send("zoe", "/standings countries")
    assert [t.marked_row for t in tables(nobody)] == [None, None]


def test_equal_countries_share_a_rank(nations):
    nations.say("claire", "/log 5 km walk")  # France 30 km too
    (reply,) = nations.send("alice", "/standings countries")
    by_km, _per_person = tables(reply)
    assert [row[0] for row in by_km.rows] == ["1", "1"]
    assert {row[1] for row in by_km.rows} == {"Germany (DE)", "France (FR)"}


def test_a_german_reader_sees_the_country_standings_in_german(nations):
    nations.say("alice", "/language de")
    text = nations.say("alice", "/standings countries")
    assert "Deutschland (DE)" in text and "Frankreich (FR)" in text
    assert "Germany" not in text


def test_country_standings_before_anyone_sets_a_country(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 5 km run")
    reply = chat.say("alice", "/standings countries")
    assert "Nobody has set a country yet." in reply
    assert "Example: /country DE" in reply


def test_a_cleared_country_leaves_the_ranking(nations):
    nations.say("claire", "/country off")
    (reply,) = nations.send("alice", "/standings countries")
    by_km, per_person = tables(reply)
    assert by_km.rows == (("1", "Germany (DE)", "30.0", "2"),)
    assert per_person.rows == (("1", "Germany (DE)", "15.0", "2"),)


def test_the_final_report_names_the_top_countries(nations):
    nations.make_admin("ada")
    nations.clock.now = datetime(2021, 9, 9, 18, 0, tzinfo=LONDON)  # past the late window
    replies = nations.send("ada", "/admin finish confirm")
    (report,) = [r for r in replies if r.audience == ToAnnouncementChats()]
    assert "Top countries: Germany (DE) 30 km, France (FR) 25 km." in render(report)


def test_the_final_report_without_countries_has_no_country_line(chat):
    chat.make_admin("ada")
    chat.say("alice", "/newteam Red Rockets")
    chat.say("alice", "/log 5 km run")
    chat.clock.now = datetime(2021, 9, 9, 18, 0, tzinfo=LONDON)
    replies = chat.send("ada", "/admin finish confirm")
    (report,) = [r for r in replies if r.audience == ToAnnouncementChats()]
    text = render(report)
    assert "the final result" in text
    assert "Top countries" not in text


def test_mydata_holds_the_country_and_forgetme_clears_it(nations):
    (reply,) = nations.send("alice", "/mydata")
    (attachment,) = [part for part in reply.parts if isinstance(part, Attachment)]
    assert json.loads(attachment.content)["participant"]["country"] == "DE"
    nations.say("alice", "/forgetme confirm")
    (after,) = nations.send("bob", "/standings countries")
    by_km, _per_person = tables(after)
    # Alice's km stay with her team, but not with a country she is no longer tied to.
    assert by_km.rows[0] == ("1", "France (FR)", "25.0", "1")
    assert by_km.rows[1] == ("2", "Germany (DE)", "20.0", "1")
