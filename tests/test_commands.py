"""The command grammar, as a participant types it."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import (
    MAX_COMMAND_LENGTH,
    AdminAnnounce,
    AdminExport,
    AdminRemove,
    Command,
    Delete,
    Help,
    Join,
    Leave,
    Log,
    Me,
    NewTeam,
    ParseError,
    SetTimezone,
    Standings,
    TeamInfo,
    Totals,
    Undo,
    Vote,
)
from bot.domain.days import DayMonth, ExactDate, RelativeDay, Weekday
from bot.domain.kinds import ActivityKind
from bot.handlers.catalogue import parse

RUN, WALK, CYCLE = ActivityKind.RUN, ActivityKind.WALK, ActivityKind.CYCLE
TODAY, YESTERDAY = RelativeDay(0), RelativeDay(1)


def refusal(text: str) -> ParseError:
    """The ParseError for `text`, after checking that its example parses."""
    result = parse(text)
    assert isinstance(result, ParseError), result
    assert result.message and result.example
    assert not result.example.startswith("/")
    assert not isinstance(parse(result.example), ParseError), result.example
    return result


# --- the brief's examples


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/log 12km cycle", Log(12_000, CYCLE, TODAY, unit_assumed=False)),
        ("/log run 5 mi", Log(8_047, RUN, TODAY, unit_assumed=False)),
        ("/log 12,5 km walk yesterday", Log(12_500, WALK, YESTERDAY, unit_assumed=False)),
        (
            "/log 10k run 2021-07-03",
            Log(10_000, RUN, ExactDate(date(2021, 7, 3)), unit_assumed=False),
        ),
        ("/help", Help()),
        ("/newteam Red Rockets", NewTeam("Red Rockets")),
        ("/join red rockets", Join("red rockets")),
        ("/leave", Leave()),
        ("/undo", Undo()),
        ("/me", Me()),
        ("/standings", Standings(people=False)),
        ("/standings people", Standings(people=True)),
        ("/team", TeamInfo(None)),
        ("/totals", Totals()),
        ("/timezone Europe/Helsinki", SetTimezone("Europe/Helsinki")),
        ("/admin remove 1234 duplicate", AdminRemove(1234, "duplicate")),
        ("/admin announce Last week!", AdminAnnounce("Last week!")),
        ("/admin export", AdminExport()),
    ],
)
def test_the_briefs_examples_parse(text: str, expected: Command) -> None:
    assert parse(text) == expected


# --- the command word


@pytest.mark.parametrize(
    "text",
    ["/log@ChallengeBot 5 km run", "log 5 km run", "  /LOG 5 km run  ", "Log@bot 5 km run"],
)
def test_slash_bot_name_case_and_spaces_around_the_command_do_not_matter(text: str) -> None:
    assert parse(text) == Log(5_000, RUN, TODAY, unit_assumed=False)


def test_telegrams_start_is_help_even_with_a_deep_link_payload() -> None:
    assert parse("/start") == Help()
    assert parse("/start abc123") == Help()
    assert parse("help log") == Help()


@pytest.mark.parametrize("text", ["", "   ", "/", " / "])
def test_an_empty_message_points_to_help(text: str) -> None:
    error = refusal(text)
    assert "help" in error.message
    assert error.example == "help"


def test_an_unknown_command_is_named_and_a_close_one_suggested() -> None:
    error = refusal("/lgo 5 km run")
    assert "I don't know the command 'lgo'." in error.message
    assert "Did you mean 'log'?" in error.message
    assert error.example == "help"
    assert "Did you mean 'standings'?" in refusal("stnadings").message


def test_an_unknown_command_far_from_any_gets_no_suggestion() -> None:
    error = refusal("xyzzy")
    assert error.message == "I don't know the command 'xyzzy'."


def test_text_over_the_limit_is_refused_before_anything_else() -> None:
    error = refusal("log 5 km run " + "x" * MAX_COMMAND_LENGTH)
    assert "at most 500" in error.message
    assert isinstance(parse("admin announce " + "x" * (MAX_COMMAND_LENGTH - 15)), AdminAnnounce)


@pytest.mark.parametrize("word", ["leave", "undo", "me", "totals"])
def test_commands_without_arguments_refuse_extra_words(word: str) -> None:
    error = refusal(f"{word} Red Rockets")
    assert f"'{word}' takes nothing after it" in error.message
    assert "'Red Rockets'" in error.message


# --- team names


def test_team_names_keep_case_and_accents_with_spaces_collapsed() -> None:
    assert parse("newteam   Les   Écureuils  Volants ") == NewTeam("Les Écureuils Volants")
    assert parse("team Red Rockets") == TeamInfo("Red Rockets")


@pytest.mark.parametrize("word", ["newteam", "join"])
def test_a_missing_team_name_shows_how(word: str) -> None:
    error = refusal(word)
    assert "Which team?" in error.message
    assert error.example == f"{word} Red Rockets"


@pytest.mark.parametrize(
    "name",
    ["Red\nRockets", "Red\tRockets", "Red\rRockets", "Red\u200bRockets", "Red\x00", "A\u2028B"],
)
def test_team_names_with_control_characters_or_line_breaks_are_refused(name: str) -> None:
    error = refusal(f"newteam {name}")
    assert "control characters" in error.message


@pytest.mark.parametrize(("name", "length"), [("x", 1), ("x" * 41, 41)])
def test_team_names_must_be_2_to_40_characters(name: str, length: int) -> None:
    error = refusal(f"join {name}")
    assert "2 to 40 characters" in error.message
    assert f"has {length}" in error.message


def test_a_40_character_team_name_is_accepted() -> None:
    assert parse("newteam " + "x" * 40) == NewTeam("x" * 40)
    assert parse("newteam ab") == NewTeam("ab")


# --- log ids, standings, time zones, admin


def test_delete_takes_an_id_with_or_without_hash() -> None:
    assert parse("delete 1234") == Delete(1234)
    assert parse("delete #1234") == Delete(1234)


@pytest.mark.parametrize("text", ["delete", "delete 1 2"])
def test_delete_needs_exactly_one_id(text: str) -> None:
    assert "Which log?" in refusal(text).message


@pytest.mark.parametrize("typed", ["abc", "0", "-3", "12.5", "#", "9" * 30])
def test_delete_refuses_what_is_not_an_id(typed: str) -> None:
    error = refusal(f"delete {typed}")
    assert f"'{typed}' is not an id" in error.message
    assert error.example == "delete 1234"


def test_standings_can_be_for_teams_or_people_only() -> None:
    assert parse("standings TEAMS") == Standings(people=False)
    error = refusal("standings cats")
    assert "not 'cats'" in error.message
    assert error.example == "standings people"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("europe/helsinki", "Europe/Helsinki"),
        ("UTC", "UTC"),
        ("America/New York", "America/New_York"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_time_zones_are_returned_as_the_tz_database_spells_them(typed: str, zone: str) -> None:
    assert parse(f"timezone {typed}") == SetTimezone(zone)


@pytest.mark.parametrize("typed", ["Europe/Helsinky", "Helsinki"])
def test_a_misspelled_or_city_only_time_zone_gets_a_suggestion(typed: str) -> None:
    error = refusal(f"timezone {typed}")
    assert f"I don't know the time zone '{typed}'" in error.message
    assert "Did you mean 'Europe/Helsinki'?" in error.message
    assert error.example == "timezone Europe/Helsinki"


@pytest.mark.parametrize("text", ["timezone", "timezone Mars/Olympus_Mons", "timezone /etc/passwd"])
def test_a_missing_or_unknown_time_zone_is_refused(text: str) -> None:
    assert "time zone" in refusal(text).message


def test_admin_remove_needs_an_id_and_a_reason() -> None:
    assert parse("admin remove #7 double  logged") == AdminRemove(7, "double  logged")
    assert "Which log?" in refusal("admin remove").message
    assert "'x' is not an id" in refusal("admin remove x duplicate").message
    error = refusal("admin remove 1234")
    assert "reason" in error.message
    assert error.example == "admin remove 1234 duplicate"


def test_admin_announce_keeps_the_text_as_typed_but_trimmed() -> None:
    text = "Last WEEK!  Keep   going.\nSee you <b>there</b>"
    assert parse(f"/admin announce   {text}  \n") == AdminAnnounce(text)
    assert "What should I announce?" in refusal("admin announce   ").message


def test_admin_export_takes_nothing_after_it() -> None:
    assert parse("ADMIN EXPORT") == AdminExport()
    assert "'admin export' takes nothing after it" in refusal("admin export now").message


def test_unknown_admin_commands_are_refused_with_a_suggestion() -> None:
    assert "Which admin command?" in refusal("admin").message
    error = refusal("admin exprot")
    assert "I don't know the admin command 'exprot'." in error.message
    assert "Did you mean 'admin export'?" in error.message


# --- log: distances


@pytest.mark.parametrize(
    ("text", "metres", "assumed"),
    [
        ("12km", 12_000, False),
        ("12 KM", 12_000, False),
        ("12,5 km", 12_500, False),
        ("12.5km", 12_500, False),
        (".5 k", 500, False),
        ("10k", 10_000, False),
        ("3 kms", 3_000, False),
        ("2 kilometres", 2_000, False),
        ("2 Kilometers", 2_000, False),
        ("1 kilometre", 1_000, False),
        ("5 mi", 8_047, False),
        ("1 mile", 1_609, False),
        ("26.2 miles", 42_165, False),
        ("800m", 800, False),
        ("800 metres", 800, False),
        ("1 meter", 1, False),
        ("0.5 m", 1, False),  # half a metre rounds up
        ("12", 12_000, True),
        ("12,5", 12_500, True),
        ("5.", 5_000, True),
        ("0.0005", 1, True),
        ("1000 km", 1_000_000, False),
    ],
)
def test_distances_in_every_unit_become_whole_metres(text: str, metres: int, assumed: bool) -> None:
    command = parse(f"log {text} run")
    assert isinstance(command, Log)
    assert (command.distance_m, command.unit_assumed) == (metres, assumed)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0", "'0' is zero"),
        ("0,0 km", "'0,0 km' is zero"),
        ("0.0004", "less than a metre"),
        ("0.4 m", "less than a metre"),
        ("-5", "can't be negative: '-5'"),
        ("-5km", "can't be negative"),
        ("+5", "without a plus sign"),
        ("nan", "'nan' is not a distance"),
        ("inf", "'inf' is not a distance"),
        ("Infinity", "'Infinity' is not a distance"),
        ("-inf km", "'-inf' is not a distance"),
        ("1e3", "plain number like 1000 m, not '1e3'"),
        ("2.5E2km", "plain number"),
        ("1,234.5", "at most one decimal mark"),
        ("1.2.3", "at most one decimal mark"),
        ("1001 km", "That's more than 1,000 km in one go"),
        ("622 mi", "That's more than 1,000 km in one go"),
        ("1" * 300, "That's more than 1,000 km in one go"),
        ("12 furlongs", "I don't know the unit 'furlongs'"),
        ("12furlongs", "I don't know the unit 'furlongs'"),
        ("far", "I don't understand 'far'"),
        ("", "How far did you go?"),
    ],
)
def test_impossible_distances_are_refused_with_the_reason(typed: str, says: str) -> None:
    error = parse(f"log {typed} run")
    assert isinstance(error, ParseError)
    assert says in error.message
    assert not isinstance(parse(error.example), ParseError)


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("0 run", "'0' is zero"),
        ("-5 run", "can't be negative: '-5'"),
        ("nan km run", "'nan' is not a distance"),
        ("infinity run", "'infinity' is not a distance"),
        ("1e3 m run", "not '1e3'"),
        ("1,234.5 km run", "no thousands separator"),
        ("1001 cycle", "That's more than 1,000 km in one go"),
        ("12 furlongs run", "I don't know the unit 'furlongs'"),
        ("12furlongs run", "I don't know the unit 'furlongs' in '12furlongs'"),
        ("run", "How far did you go?"),
        ("yesterday cycle", "How far did you go?"),
        ("5 km", "Was it a run, a walk or a ride?"),
        ("5 km 6 km run", "two distances, '5 km' and '6 km'"),
        ("5km 6 run", "two distances, '5km' and '6'"),
        ("3.7 run 5", "two distances, '3.7' and '5'"),
        ("5 km run walk", "two activities, 'run' and 'walk'"),
        ("5 km run running", "two activities"),
        ("5 km run today yesterday", "two days, 'today' and 'yesterday'"),
        ("5 km run 3/7 4/7", "two days"),
        ("5 km run mon 3.7", "two days"),
        ("5 km run quickly", "I don't understand 'quickly' in a log"),
        ("5 km cylce", "Did you mean 'cycle'?"),
        ("5 km run yestreday", "Did you mean 'yesterday'?"),
        ("km 5 run", "'km' needs a number right before it"),
        ("", "Put a distance and an activity after 'log'"),
    ],
)
def test_logs_that_do_not_add_up_are_refused_with_the_reason(words: str, says: str) -> None:
    assert says in refusal(f"log {words}").message


def test_a_missing_activity_example_reuses_the_typed_distance() -> None:
    assert refusal("log 12,5km").example == "log 12,5km run"


def test_a_missing_distance_example_reuses_the_typed_activity() -> None:
    assert refusal("log walking").example == "log 5 km walk"


# --- log: activities and order


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        *[(w, RUN) for w in ["run", "Running", "ran", "jog", "JOGGING", "runs"]],
        *[(w, WALK) for w in ["walk", "walking", "walked", "hike", "Hiking", "walks"]],
        *[
            (w, CYCLE)
            for w in ["cycle", "cycling", "cycled", "bike", "biking", "ride", "rode", "riding"]
        ],
        *[(w, CYCLE) for w in ["rides", "cycles", "bikes"]],
    ],
)
def test_every_activity_word_names_its_kind(word: str, kind: ActivityKind) -> None:
    result = parse(f"log 5 km {word}")
    assert isinstance(result, Log)
    assert result.kind is kind


@pytest.mark.parametrize(
    "words", ["5 km run yesterday", "run 5 km yesterday", "yesterday run 5km", "5km yesterday run"]
)
def test_distance_activity_and_day_come_in_any_order(words: str) -> None:
    assert parse(f"log {words}") == Log(5_000, RUN, YESTERDAY, unit_assumed=False)


def test_without_a_unit_km_is_assumed_and_said_so() -> None:
    assert parse("log 7 walk") == Log(7_000, WALK, TODAY, unit_assumed=True)


# --- log: days


@pytest.mark.parametrize(
    ("word", "day"),
    [
        ("today", TODAY),
        ("Yesterday", YESTERDAY),
        *[
            (name, Weekday(index))
            for index, full in enumerate(
                ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            )
            for name in (full, full[:3], full.capitalize())
        ],
        ("2021-07-03", ExactDate(date(2021, 7, 3))),
        ("3/7", DayMonth(3, 7)),
        ("03/07", DayMonth(3, 7)),
        ("3.7", DayMonth(3, 7)),
        ("29/2", DayMonth(29, 2)),
        ("03/07/2021", ExactDate(date(2021, 7, 3))),
        ("3.7.2021", ExactDate(date(2021, 7, 3))),
        ("3-7-2021", ExactDate(date(2021, 7, 3))),
    ],
)
def test_days_are_read_in_every_documented_form(word: str, day: object) -> None:
    result = parse(f"log 5 km run {word}")
    assert isinstance(result, Log)
    assert result.day == day


@pytest.mark.parametrize("word", ["31/2", "2021-02-30", "3/13", "13.13", "0/7", "31.04.2021"])
def test_days_not_in_the_calendar_are_refused(word: str) -> None:
    error = refusal(f"log 5 km run {word}")
    assert f"'{word}' is not a day in the calendar" in error.message


def test_a_day_that_is_neither_distance_nor_date_is_refused() -> None:
    assert "I can't read '3/7/2021/1'" in refusal("log 5 km run 3/7/2021/1").message


def test_a_two_digit_year_is_this_century() -> None:
    assert parse("log 5 km run 3/7/21") == Log(
        5_000, RUN, ExactDate(date(2021, 7, 3)), unit_assumed=False
    )


def test_a_bare_dotted_number_is_the_day_when_a_distance_has_a_unit() -> None:
    assert parse("log 3.7 5 km run") == Log(5_000, RUN, DayMonth(3, 7), unit_assumed=False)
    assert parse("log 5 km run 3.7") == Log(5_000, RUN, DayMonth(3, 7), unit_assumed=False)


def test_otherwise_the_first_bare_number_is_the_distance_and_a_later_one_the_day() -> None:
    assert parse("log 3.7 run") == Log(3_700, RUN, TODAY, unit_assumed=True)
    assert parse("log 5 run 3.7") == Log(5_000, RUN, DayMonth(3, 7), unit_assumed=True)
    assert parse("log 12,5 walk 3/7") == Log(12_500, WALK, DayMonth(3, 7), unit_assumed=True)


# --- properties


NUMBERS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(999), places=3)
UNITS = {
    None: Decimal(1000),
    "km": Decimal(1000),
    "K": Decimal(1000),
    "kilometres": Decimal(1000),
    "mi": Decimal("1609.344"),
    "miles": Decimal("1609.344"),
    "m": Decimal(1),
    "meters": Decimal(1),
}
KIND_WORDS = {
    "run": RUN,
    "Jogging": RUN,
    "hike": WALK,
    "walked": WALK,
    "ride": CYCLE,
    "BIKE": CYCLE,
}
DAY_WORDS = {
    None: TODAY,
    "yesterday": YESTERDAY,
    "fri": Weekday(4),
    "2021-07-03": ExactDate(date(2021, 7, 3)),
    "3/7": DayMonth(3, 7),
    "3.7": DayMonth(3, 7),
}


@settings(max_examples=300)
@given(
    number=NUMBERS,
    comma=st.booleans(),
    unit=st.sampled_from(list(UNITS)),
    joined=st.booleans(),
    kind_word=st.sampled_from(list(KIND_WORDS)),
    day_word=st.sampled_from(list(DAY_WORDS)),
    data=st.data(),
)
def test_any_well_formed_log_in_any_order_is_read_exactly(
    number: Decimal,
    comma: bool,
    unit: str | None,
    joined: bool,
    kind_word: str,
    day_word: str | None,
    data: st.DataObject,
) -> None:
    typed_number = str(number).replace(".", ",") if comma else str(number)
    distance = typed_number if unit is None else f"{typed_number}{'' if joined else ' '}{unit}"
    exact = number * UNITS[unit]
    metres = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    words = [w for w in (distance, kind_word, day_word) if w is not None]
    words = data.draw(st.permutations(words))
    if unit is None and day_word == "3.7":
        # Two bare numbers: the rule reads the first as the distance.
        words = [distance, *(w for w in words if w != distance)]
    text = "log " + " ".join(words)
    # `1,500 m` and a bare `1.500`: a thousands separator or a decimal mark? Never a guess.
    grouped = re.fullmatch(r"[1-9][0-9]{0,2}[.,][0-9]{3}", typed_number)
    if grouped and (unit is None or UNITS[unit] == 1):
        assert "thousands separator" in refusal(text).message
    elif metres == 0:
        assert "less than a metre" in refusal(text).message
    elif exact > 1_000_000:
        assert "more than 1,000 km" in refusal(text).message
    else:
        assert parse(text) == Log(metres, KIND_WORDS[kind_word], DAY_WORDS[day_word], unit is None)


def assert_parses_or_explains(text: str) -> None:
    """Any text gives a command, or a refusal whose example is itself a command."""
    result = parse(text)
    if isinstance(result, ParseError):
        assert result.message.strip()
        assert result.example.strip()
        assert not isinstance(parse(result.example), ParseError), result
    else:
        assert isinstance(result, Command)


@settings(max_examples=300)
@given(st.text())
def test_any_text_parses_or_is_explained(text: str) -> None:
    assert_parses_or_explains(text)


TOKENS = st.one_of(
    st.sampled_from(
        [
            "5",
            "12,5",
            "3.7",
            ".5",
            "0",
            "-5",
            "+5",
            "1e3",
            "nan",
            "inf",
            "1,234.5",
            "1001",
            "km",
            "k",
            "mi",
            "m",
            "miles",
            "furlongs",
            "run",
            "walk",
            "ride",
            "hiking",
            "today",
            "yesterday",
            "mon",
            "sunday",
            "2021-07-03",
            "3/7",
            "31/2",
            "03/07/2021",
            "3-7-2021",
            "#12",
            "people",
            "Red",
            "Rockets",
            "Europe/Helsinki",
            "remove",
            "announce",
            "export",
        ]
    ),
    st.builds(
        "{}{}{}".format,
        st.from_regex(r"-?[0-9]{0,4}([.,][0-9]{0,3})?", fullmatch=True),
        st.sampled_from(["", " "]),
        st.sampled_from(["", "km", "K", "mi", "m", "metres", "e3", "x"]),
    ),
    st.text(max_size=6),
)
COMMAND_WORDS = st.sampled_from(
    [
        "log",
        "/log",
        "/log@ChallengeBot",
        "LOG",
        "join",
        "newteam",
        "team",
        "delete",
        "standings",
        "timezone",
        "admin",
        "admin remove",
        "admin announce",
        "help",
        "leave",
        "totals",
        "lgo",
        "",
    ]
)


@settings(max_examples=500)
@given(COMMAND_WORDS, st.lists(TOKENS, max_size=6), st.sampled_from([" ", "  ", "\t", "\n"]))
def test_plausible_commands_parse_or_are_explained(
    command: str, tokens: list[str], separator: str
) -> None:
    assert_parses_or_explains(separator.join([command, *tokens]))


# --- what people really type


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("log 10,000 m run", "10 m or 10,000 m"),
        ("log 1,500 m run", "1.5 m or 1,500 m"),
        ("log 2,000m walk", "2 m or 2,000 m"),
        ("log 10.000 m run", "10 m or 10,000 m"),
        ("log 1,500 run", "1.5 km or 1,500 m"),
    ],
)
def test_a_thousands_separator_or_a_decimal_mark_is_never_guessed(text, readings) -> None:
    error = refusal(text)
    assert readings in error.message and "thousands separator" in error.message


@given(
    thousands=st.integers(min_value=1, max_value=999),
    rest=st.integers(min_value=0, max_value=999),
    mark=st.sampled_from([",", ".", " "]),
    unit=st.sampled_from(["", " m", "m", " metres"]),
    kind=st.sampled_from(["run", "walk", "ride"]),
)
def test_any_grouped_number_in_metres_or_without_a_unit_is_refused(
    thousands: int, rest: int, mark: str, unit: str, kind: str
) -> None:
    if mark == " " and unit == "m":
        unit = " m"
    error = refusal(f"log {thousands}{mark}{rest:03d}{unit} {kind}")
    assert "1500 m" in error.message


def test_a_thousands_mark_with_km_or_a_leading_zero_is_a_decimal_mark() -> None:
    assert parse("log 1,500 km run") == Log(1_500, RUN, TODAY, unit_assumed=False)
    assert parse("log 0,500 run") == Log(500, RUN, TODAY, unit_assumed=True)


def test_tomorrow_is_read_so_that_it_can_be_refused_as_the_future() -> None:
    assert parse("log 5 km run tomorrow") == Log(5_000, RUN, RelativeDay(-1), unit_assumed=False)


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("29 Nov", DayMonth(29, 11)),
        ("Nov 29", DayMonth(29, 11)),
        ("3 july", DayMonth(3, 7)),
        ("29/11/26", ExactDate(date(2026, 11, 29))),
        ("on friday", Weekday(4)),
        ("last friday", Weekday(4)),
        ("on 3/7", DayMonth(3, 7)),
    ],
)
def test_days_as_people_write_them(words: str, day) -> None:
    assert parse(f"log 5 km run {words}") == Log(5_000, RUN, day, unit_assumed=False)


def test_races_are_distances_and_runs() -> None:
    assert parse("log marathon") == Log(42_195, RUN, TODAY, unit_assumed=False)
    assert parse("log half marathon yesterday") == Log(21_098, RUN, YESTERDAY, unit_assumed=False)
    assert parse("log walk half-marathon") == Log(21_098, WALK, TODAY, unit_assumed=False)


def test_digits_of_any_script_are_digits_and_a_fraction_gets_its_decimal() -> None:
    assert parse("log ５ ｋｍ run") == Log(5_000, RUN, TODAY, unit_assumed=False)
    assert parse("log ٥ km run") == Log(5_000, RUN, TODAY, unit_assumed=False)
    assert "0.5" in refusal("log ½ km walk").message
    assert "0.75" in refusal("log ¾ km walk").message


def test_other_sports_are_named_as_not_counted_and_on_is_not_monday() -> None:
    error = refusal("log 5 km swim")
    assert "running, walking and cycling" in error.message
    assert "mon" not in refusal("log 5 km run on").message


def test_a_vote_by_number_is_a_vote_for_that_charity() -> None:
    assert parse("vote 1") == Vote(None, 1)
    assert parse("vote #9") == Vote(None, 9)
