"""Bad input: each rule of the brief's Rules of input has a test showing the reply and that
nothing was stored; the forgiving forms it promises are shown to be read right."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.replies import Attachment, ToAnnouncementChats
from storage.models import Activity, AuditEntry, Membership, Participant, Team

LONDON = ZoneInfo("Europe/London")
SOMETHING_WENT_WRONG = "Something went wrong"


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on the season's clock (London)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def in_a_team(chat, user: str = "alice", team: str = "Red Rockets") -> str:
    """`user` in `team`, creating the team when it is new."""
    reply = chat.say(user, f"/join {team}")
    if "Welcome" not in reply:
        reply = chat.say(user, f"/newteam {team}")
    assert "Welcome" in reply or "is created" in reply
    return user


def count(chat, model) -> int:
    return chat.scalar(select(func.count()).select_from(model))


def everything_stored(chat) -> dict[str, int]:
    """How many rows of each thing a command could change: equal before and after a refusal."""
    return {
        "activities": chat.activity_count(),
        "removed activities": chat.activity_count(include_removed=True) - chat.activity_count(),
        "teams": count(chat, Team),
        "memberships": count(chat, Membership),
        "audit entries": count(chat, AuditEntry),
    }


def activities(chat) -> list[tuple[str, int, date]]:
    """(kind, metres, day) of every log not removed, oldest first."""
    with Session(chat.engine) as session:
        rows = session.scalars(
            select(Activity).where(Activity.deleted_at.is_(None)).order_by(Activity.id)
        )
        return [(a.kind, a.distance_m, a.day) for a in rows]


def refuses(chat, user: str, text: str, *reasons: str) -> str:
    """Sends `text`; checks the reply gives each reason and an example, and nothing changed."""
    before = everything_stored(chat)
    reply = chat.say(user, text)
    for reason in reasons:
        assert reason in reply
    assert "Example: /" in reply
    assert SOMETHING_WENT_WRONG not in reply
    assert everything_stored(chat) == before
    return reply


# --- distances and activities


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/log 0 km run", "'0 km' is zero"),
        ("/log 0.0001 km run", "less than a metre"),
        ("/log -5 km run", "can't be negative"),
        ("/log nan km run", "'nan' is not a distance"),
        ("/log NaN run", "'NaN' is not a distance"),
        ("/log inf km run", "'inf' is not a distance"),
        ("/log infinity run", "'infinity' is not a distance"),
        ("/log 1e3 m run", "plain number like 1000 m"),
        ("/log 1e3km run", "plain number like 1000 m"),
        ("/log 5000 km run", "more than 1,000 km in one go"),
        ("/log 12 parsecs run", "I don't know the unit 'parsecs'"),
        ("/log 12furlongs run", "I don't know the unit 'furlongs'"),
        ("/log 12.5.3 km run", "at most one decimal mark"),
        ("/log 1,234.5 m run", "at most one decimal mark"),
        ("/log km run", "needs a number right before it"),
        ("/log run", "How far did you go?"),
        ("/log 5 km", "Was it a run, a walk or a ride?"),
        ("/log", "Put a distance and an activity after 'log'"),
        ("/log 3 km run 5 km", "two distances"),
        ("/log 3 km run walk", "two activities"),
        ("/log 5 km swim", "'swim' doesn't count here: the challenge counts running, walking"),
    ],
)
def test_a_distance_or_activity_that_makes_no_sense_is_refused_and_nothing_is_stored(
    chat, text, reason
):
    in_a_team(chat)
    refuses(chat, "alice", text, reason)


@pytest.mark.parametrize(
    ("text", "kind", "metres"),
    [
        ("/log 12,5 km walk", "walk", 12500),
        ("/log 12.5 km walk", "walk", 12500),
        ("/log 5 mi run", "run", 8047),
        ("/log 3 miles run", "run", 4828),
        ("/log 12km cycle", "cycle", 12000),
        ("/log 12 km cycle", "cycle", 12000),
        ("/log 12 kms ride", "cycle", 12000),
        ("/log 12 kilometres rode", "cycle", 12000),
        ("/log 12 kilometers cycling", "cycle", 12000),
        ("/log 10k run", "run", 10000),
        ("/log 500 m jog", "run", 500),
        ("/log 500 metres hike", "walk", 500),
        ("/log 500m walking", "walk", 500),
        ("/log 3 km biking", "cycle", 3000),
        ("/log run 5 km", "run", 5000),
        ("/log walk yesterday 4km", "walk", 4000),
        ("/log 3 KM RUN", "run", 3000),
    ],
)
def test_forgiving_distances_and_activity_words_are_stored_in_whole_metres(
    chat, text, kind, metres
):
    in_a_team(chat)
    reply = chat.say("alice", text)
    assert reply.startswith("Logged #1: ")
    assert "No unit given" not in reply
    assert [(k, m) for k, m, _day in activities(chat)] == [(kind, metres)]


def test_a_number_without_a_unit_is_read_as_km_and_the_reply_says_so(chat):
    in_a_team(chat)
    reply = chat.say("alice", "/log 8 walk")
    assert "Logged #1: 8 km walk on Thu 15 Jul 2021." in reply
    assert "No unit given, so I read it as km." in reply
    reply = chat.say("alice", "/log 3.7 run")  # alone, 3.7 is a distance, not 3 July
    assert "Logged #2: 3.7 km run on Thu 15 Jul 2021." in reply
    assert "No unit given, so I read it as km." in reply
    assert activities(chat) == [("walk", 8000, date(2021, 7, 15)), ("run", 3700, date(2021, 7, 15))]


def test_a_log_of_a_few_metres_is_not_confirmed_as_zero_km(chat):
    in_a_team(chat)
    reply = chat.say("alice", "/log 4 m walk")
    assert activities(chat) in ([], [("walk", 4, date(2021, 7, 15))])
    assert not reply.startswith("Logged #1: 0 km")
    assert reply.startswith("Logged #1: ") or "Example: /" in reply


# --- days


@pytest.mark.parametrize(
    ("typed_day", "meant"),
    [
        ("", date(2021, 7, 9)),
        ("today", date(2021, 7, 9)),
        ("yesterday", date(2021, 7, 8)),
        ("wednesday", date(2021, 7, 7)),
        ("Wed", date(2021, 7, 7)),
        ("friday", date(2021, 7, 9)),  # today is a Friday: its latest occurrence is today
        ("saturday", date(2021, 7, 3)),  # last week's, never tomorrow's
        ("2021-07-03", date(2021, 7, 3)),
        ("3/7", date(2021, 7, 3)),
        ("3.7", date(2021, 7, 3)),
        ("03/07/2021", date(2021, 7, 3)),
    ],
)
def test_every_way_of_writing_a_day_logs_on_that_day(chat, clock, typed_day, meant):
    clock.now = at(2021, 7, 9)  # a Friday
    in_a_team(chat)
    reply = chat.say("alice", f"/log 5 km run {typed_day}".strip())
    assert f"Logged #1: 5 km run on {meant:%a %-d %b %Y}." in reply
    assert activities(chat) == [("run", 5000, meant)]


@pytest.mark.parametrize(
    ("now", "text", "reason"),
    [
        (at(2021, 7, 15), "/log 5 km run 2021-07-16", "Fri 16 Jul 2021 is in the future"),
        (at(2021, 7, 15), "/log 5 km run 2021-07-07", "Wed 7 Jul 2021 is more than 7 days ago"),
        (at(2021, 7, 15), "/log 5 km run 7/7", "more than 7 days ago, too late to log"),
        (at(2021, 7, 3), "/log 5 km run 2021-06-30", "Wed 30 Jun 2021 is outside the challenge"),
        (at(2021, 7, 1, 9), "/log 5 km run yesterday", "Wed 30 Jun 2021 is outside the challenge"),
        (at(2021, 9, 2), "/log 5 km run", "Thu 2 Sep 2021 is outside the challenge"),
        (at(2021, 9, 2), "/log 5 km run 2021-09-01", "which runs from 1 Jul 2021 to 31 Aug 2021"),
        (at(2021, 7, 15), "/log 5 km run 31/2", "'31/2' is not a day in the calendar"),
        (at(2021, 7, 15), "/log 5 km run 2021-02-30", "not a day in the calendar"),
        (at(2021, 7, 15), "/log 5 km run today yesterday", "two days"),
    ],
)
def test_a_day_that_cannot_be_logged_is_refused_with_the_reason(chat, clock, now, text, reason):
    clock.now = now
    in_a_team(chat)
    refuses(chat, "alice", text, reason)


def test_a_future_day_written_day_first_is_refused_as_in_the_future(chat):
    in_a_team(chat)
    refuses(chat, "alice", "/log 5 km run 16/7", "Fri 16 Jul 2021 is in the future")


def test_a_day_exactly_late_logging_days_ago_is_still_accepted(chat):
    in_a_team(chat)
    assert "Logged #1: 5 km run on Thu 8 Jul 2021." in chat.say("alice", "/log 5 km run 2021-07-08")


def test_the_seasons_last_day_can_be_logged_late_after_the_season_ended(chat, clock):
    clock.now = at(2021, 9, 2)
    in_a_team(chat)
    assert "Logged #1: 5 km run on Tue 31 Aug 2021." in chat.say("alice", "/log 5 km run 31/8")


def test_following_the_example_after_a_refused_day_logs(chat, clock):
    clock.now = at(2021, 7, 1, 9)
    in_a_team(chat)
    reply = refuses(chat, "alice", "/log 5 km run yesterday", "outside the challenge")
    example = reply.rsplit("Example: ", 1)[1].strip()
    assert chat.say("alice", example).startswith("Logged #1: ")


# --- today, in the participant's time zone


def test_today_is_the_day_in_the_participants_own_time_zone(chat, clock):
    clock.now = at(2021, 7, 15, 23, 30)  # already Friday 01:30 in Helsinki
    in_a_team(chat, "aino", "Helsinki Harriers")
    in_a_team(chat, "alice")
    reply = chat.say("aino", "/timezone Europe/Helsinki")
    assert "today for you is Fri 16 Jul 2021" in reply
    assert "Logged #1: 5 km run on Fri 16 Jul 2021." in chat.say("aino", "/log 5 km run")
    assert "Logged #2: 5 km run on Thu 15 Jul 2021." in chat.say("alice", "/log 5 km run")
    refuses(chat, "alice", "/log 5 km run 2021-07-16", "Fri 16 Jul 2021 is in the future")
    assert [day for _kind, _m, day in activities(chat)] == [date(2021, 7, 16), date(2021, 7, 15)]


def test_a_time_zone_the_platform_tells_decides_today(chat, clock):
    clock.now = at(2021, 7, 15, 23, 30)  # already Friday 07:30 in Tokyo
    in_a_team(chat, "kenji")
    reply = chat.say("kenji", "/log 5 km run", timezone="Asia/Tokyo")
    assert "Logged #1: 5 km run on Fri 16 Jul 2021." in reply
    assert activities(chat) == [("run", 5000, date(2021, 7, 16))]


def test_an_unknown_time_zone_is_refused_and_today_stays_the_seasons(chat, clock):
    clock.now = at(2021, 7, 15, 23, 30)
    in_a_team(chat)
    refuses(chat, "alice", "/timezone Mars/Olympus_Mons", "I don't know the time zone")
    alice = select(Participant.timezone).where(Participant.display_name == "alice")
    assert chat.scalar(alice) is None
    assert "on Thu 15 Jul 2021" in chat.say("alice", "/log 5 km run")


# --- plausibility


def test_a_second_walk_past_the_daily_limit_is_refused_and_says_the_limit(chat):
    in_a_team(chat)
    assert chat.say("alice", "/log 50 km walk").startswith("Logged #1: ")
    reply = refuses(chat, "alice", "/log 50 km walk", "the daily limit of 80 km for walking")
    assert "You already have 50 km that day." in reply
    assert activities(chat) == [("walk", 50000, date(2021, 7, 15))]


def test_the_limit_is_per_kind_and_per_day(chat):
    in_a_team(chat)
    assert chat.say("alice", "/log 50 km walk").startswith("Logged #1: ")
    assert chat.say("alice", "/log 50 km run").startswith("Logged #2: ")
    assert chat.say("alice", "/log 50 km walk yesterday").startswith("Logged #3: ")
    assert chat.say("alice", "/log 30 km walk").startswith("Logged #4: ")  # exactly 80 km
    assert chat.activity_count() == 4


def test_a_single_ride_over_the_cycle_limit_is_refused(chat):
    in_a_team(chat)
    refuses(chat, "alice", "/log 400.5 km ride", "the daily limit of 400 km for cycling")


# --- team names


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("A", "needs 2 to 40 characters; 'A' has 1"),
        ("   A   ", "needs 2 to 40 characters; 'A' has 1"),
        ("R" * 41, "has 41"),
        ("Red\nRockets", "line breaks"),
        ("Red\x07Rockets", "control characters"),
        ("Red\u200bRockets", "control characters"),
    ],
)
def test_a_team_name_that_breaks_the_rules_is_refused_and_no_team_is_created(chat, name, reason):
    refuses(chat, "alice", f"/newteam {name}", reason)
    assert count(chat, Team) == 0
    assert "not in a team" in chat.say("alice", "/team")


def test_a_team_name_of_40_characters_is_accepted(chat):
    name = "Marathon Maniacs of the Northern Office"[:39] + "s"
    assert len(name) == 40
    assert f"Team {name} is created" in chat.say("alice", f"/newteam {name}")
    assert chat.scalar(select(Team.name)) == name


def test_a_team_name_is_trimmed_and_its_inner_spaces_collapsed(chat):
    chat.say("alice", "/newteam   Red    Rockets  ")
    assert chat.scalar(select(Team.name)) == "Red Rockets"


def test_a_team_name_like_a_slack_ping_is_stored_verbatim(chat):
    assert "Team <!channel> is created" in chat.say("alice", "/newteam <!channel>")
    assert chat.scalar(select(Team.name)) == "<!channel>"


# --- size


def test_a_command_over_500_characters_is_refused_and_nothing_announced(chat):
    chat.make_admin("boss")
    announce = "/admin announce "
    too_long = announce + "x" * (501 - len(announce))
    refuses(chat, "boss", too_long, "That message is 501 characters long", "at most 500")
    assert not any(isinstance(r.audience, ToAnnouncementChats) for r in chat.send("boss", too_long))
    just_right = announce + "x" * (500 - len(announce))
    assert any(isinstance(r.audience, ToAnnouncementChats) for r in chat.send("boss", just_right))


def test_a_log_padded_past_500_characters_is_refused(chat):
    in_a_team(chat)
    refuses(chat, "alice", "/log 5 km run " + "very " * 100, "at most 500")


# --- commands and who may use them


@pytest.mark.parametrize(
    ("text", "meant"),
    [("/standigns", "standings"), ("/lgo 5 km run", "log"), ("/jion Red Rockets", "join")],
)
def test_an_unknown_command_gets_did_you_mean(chat, text, meant):
    in_a_team(chat)
    refuses(chat, "alice", text, "I don't know the command", f"Did you mean '{meant}'?")


def test_an_admin_removal_from_a_non_admin_is_refused_and_the_log_stays(chat):
    in_a_team(chat)
    chat.say("alice", "/log 5 km run")
    in_a_team(chat, "bob")
    refuses(chat, "bob", "/admin remove 1 duplicate", "Only the challenge admins can do that.")
    assert chat.scalar(select(Activity.deleted_at).where(Activity.id == 1)) is None
    assert "alice: 5 km" in chat.say("alice", "/me")


def test_an_export_or_announcement_from_a_non_admin_is_refused_and_sends_nothing(chat):
    in_a_team(chat)
    chat.say("alice", "/log 5 km run")
    for text in ("/admin export", "/admin announce Free cake!"):
        replies = chat.send("bob", text)
        assert not any(isinstance(part, Attachment) for reply in replies for part in reply.parts)
        assert not any(isinstance(reply.audience, ToAnnouncementChats) for reply in replies)
        refuses(chat, "bob", text, "Only the challenge admins can do that.")


def test_deleting_someone_elses_log_is_refused_and_it_stays(chat):
    in_a_team(chat)
    in_a_team(chat, "bob")
    chat.say("alice", "/log 5 km run")
    refuses(chat, "bob", "/delete 1", "You have no log #1.")
    refuses(chat, "bob", "/delete #1", "You have no log #1.")
    assert activities(chat) == [("run", 5000, date(2021, 7, 15))]


# --- every refusal shows an example


def test_deleting_a_log_twice_says_so_with_an_example(chat):
    in_a_team(chat)
    chat.say("alice", "/log 5 km run")
    chat.say("alice", "/delete 1")
    refuses(chat, "alice", "/delete 1", "#1 was already removed")


def test_joining_a_full_team_says_so_with_an_example(chat, config):
    for i in range(config.season.max_team_size):
        in_a_team(chat, f"member{i}", "Small Team")
    refuses(chat, "late", "/join Small Team", "Small Team is full")


# --- text the database must hold


def test_a_40_character_team_name_with_ligatures_is_created(chat):
    name = "\ufb03" * 40  # "ﬃ": one character, three in the compared form
    reply = chat.say("alice", f"/newteam {name}")
    assert SOMETHING_WENT_WRONG not in reply
    assert f"Team {name} is created" in reply


def test_a_long_removal_reason_is_kept_or_refused_clearly(chat):
    chat.make_admin("boss")
    in_a_team(chat)
    chat.say("alice", "/log 5 km run")
    reply = chat.say("boss", "/admin remove 1 " + "duplicate of #2, " * 15)
    assert SOMETHING_WENT_WRONG not in reply
    assert "Removed #1" in reply or "Example: /" in reply


def test_an_announcement_with_a_nul_character_is_sent_or_refused_clearly(chat):
    chat.make_admin("boss")
    reply = chat.say("boss", "/admin announce Hello\x00all")
    assert SOMETHING_WENT_WRONG not in reply
    assert "Announced" in reply or "Example: /" in reply


def test_a_participant_with_a_long_display_name_can_log(chat):
    # Telegram allows a first name and a last name of 64 characters each.
    first = "Maximiliana Theresia Leopoldina Walburga Antonia Josepha"
    last = "von Hohenzollern-Sigmaringen und Schaumburg-Lippe-Weilburg"
    assert len(first) <= 64 and len(last) <= 64
    name = f"{first} {last}"
    reply = chat.say("max", "/newteam Long Names", display_name=name)
    assert SOMETHING_WENT_WRONG not in reply
    assert "Logged #1: " in chat.say("max", "/log 5 km run", display_name=name)


# --- anything at all after /log


NUMBER = st.one_of(
    st.integers(-5, 1200).map(str),
    st.decimals(min_value=0, max_value=500, places=3).map(str),
    st.decimals(min_value=0, max_value=500, places=1).map(lambda d: str(d).replace(".", ",")),
    st.sampled_from(["nan", "inf", "-3", "1e3", ".5", "5.", "12.5.3", "99999999999"]),
)
UNIT = st.sampled_from(["", "km", "k", "kms", "mi", "miles", "m", "metres", "parsecs"])
DISTANCE = st.tuples(NUMBER, UNIT, st.booleans()).map(
    lambda p: f"{p[0]} {p[1]}" if p[2] else p[0] + p[1]
)
KIND = st.sampled_from("run ran jog walk hike cycle ride rode biking swim".split())
DAY = st.sampled_from(
    ["", "today", "yesterday", "friday", "sun", "3/7", "13.7", "2021-07-14", "2021-07-16", "31/2"]
)
A_LOG = st.tuples(DISTANCE, KIND, DAY).flatmap(st.permutations).map(" ".join)
LOG_TEXT = st.one_of(
    A_LOG,
    st.text(max_size=30),
    st.lists(st.one_of(DISTANCE, KIND, DAY, st.text(min_size=1, max_size=6)), max_size=4).map(
        " ".join
    ),
)


@pytest.fixture
def alice(chat) -> str:
    return in_a_team(chat)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=LOG_TEXT)
def test_any_text_after_log_gets_an_answer_and_stores_only_plausible_distances(
    chat, config, alice, text
):
    reply = chat.say(alice, f"/log {text}")
    assert reply.strip()
    assert SOMETHING_WENT_WRONG not in reply
    per_kind_and_day: dict[tuple[str, date], int] = {}
    for kind, metres, day in activities(chat):
        assert isinstance(metres, int)
        assert 0 < metres <= config.limits.max_metres(kind)
        assert date(2021, 7, 8) <= day <= date(2021, 7, 15)  # late_logging_days back to today
        per_kind_and_day[kind, day] = per_kind_and_day.get((kind, day), 0) + metres
    for (kind, _day), metres in per_kind_and_day.items():
        assert metres <= config.limits.max_metres(kind)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/log 10,000 m run", "10 m or 10,000 m"),
        ("/log 1 500 m run", "one number with a space in it"),
        ("/log 5 km run tomorrow", "in the future"),
        ("/log ½ km walk", "as a decimal, 0.5"),
    ],
)
def test_what_people_really_type_is_never_stored_as_a_guess(chat, text, reason):
    in_a_team(chat)
    refuses(chat, "alice", text, reason)


def test_a_half_marathon_is_logged_as_a_run(chat):
    in_a_team(chat)
    assert "21.1 km run" in chat.say("alice", "/log half marathon")
