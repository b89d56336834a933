"""Logs in every shipped language, and words that mean different things in two of them."""

from collections import defaultdict

import pytest

from bot.commands import Help, Log, Me, Standings
from bot.domain.days import DayMonth, RelativeDay, Weekday
from bot.domain.kinds import ActivityKind
from bot.handlers.catalogue import parse
from bot.vocabulary import LANGUAGES, WORDS, folded, lexicon

RUN, WALK, CYCLE = ActivityKind.RUN, ActivityKind.WALK, ActivityKind.CYCLE
TODAY, YESTERDAY = RelativeDay(0), RelativeDay(1)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("de", "/log 5 km laufen gestern", Log(5_000, RUN, YESTERDAY, False)),
        ("fr", "/log 12,5 km vélo hier", Log(12_500, CYCLE, YESTERDAY, False)),
        ("es", "/log correr 10 km ayer", Log(10_000, RUN, YESTERDAY, False)),
        ("pl", "/log 3 km spacer wczoraj", Log(3_000, WALK, YESTERDAY, False)),
        ("nl", "/log 8 km fietsen vandaag", Log(8_000, CYCLE, TODAY, False)),
        ("it", "/log 4 km camminata oggi", Log(4_000, WALK, TODAY, False)),
        ("de", "/log 7 kilometer radfahren am montag", Log(7_000, CYCLE, Weekday(0), False)),
        ("es", "/log 5 km caminar 29 marzo", Log(5_000, WALK, DayMonth(29, 3), False)),
        ("it", "/log 2 miglia correre mercoledi", Log(3_219, RUN, Weekday(2), False)),
        ("pl", "/log 5 km bieg w środa", Log(5_000, RUN, Weekday(2), False)),
    ],
)
def test_the_issues_examples_in_each_language(language, text, expected) -> None:
    assert parse(text, language) == expected


def test_english_words_and_other_languages_words_work_for_everyone() -> None:
    assert parse("/log 5 km run yesterday", "pl") == Log(5_000, RUN, YESTERDAY, False)
    assert parse("/log 5 km laufen gestern", "en") == Log(5_000, RUN, YESTERDAY, False)
    assert parse("/log 5 km correr miercoles", "en") == Log(5_000, RUN, Weekday(2), False)


def _meanings() -> dict[str, dict[str, tuple[str, object]]]:
    """Every folded word, and what it means in each language that has it."""
    found: dict[str, dict[str, tuple[str, object]]] = defaultdict(dict)
    for code, words in WORDS.items():
        for table in ("kinds", "days", "months", "units"):
            for spelling, meaning in getattr(words, table).items():
                found[folded(spelling)].setdefault(code, (table, meaning))
        for spelling in words.nothing:
            found[folded(spelling)].setdefault(code, ("nothing", None))
    return found


AMBIGUOUS = sorted(
    (word, code, meaning)
    for word, by_language in _meanings().items()
    if len(set(by_language.values())) > 1
    for code, meaning in by_language.items()
)


def test_there_are_words_that_mean_different_things_in_two_languages() -> None:
    words = {word for word, _, _ in AMBIGUOUS}
    assert {"mar", "mi", "hier"} <= words


@pytest.mark.parametrize(("word", "language", "meaning"), AMBIGUOUS)
def test_a_word_with_two_meanings_takes_the_readers(word, language, meaning) -> None:
    table, value = meaning
    words = lexicon(language)
    if table == "nothing":
        assert all(word not in getattr(words, t) for t in ("kinds", "days", "months", "units"))
    else:
        assert getattr(words, table)[word] == value


def test_the_pinned_cases_read_as_each_reader_means_them() -> None:
    # `mar`: March in English, Tuesday in French.
    assert parse("/log 5 km run 29 mar", "en") == Log(5_000, RUN, DayMonth(29, 3), False)
    assert parse("/log 5 km run mar", "fr") == Log(5_000, RUN, Weekday(1), False)
    # `mi`: miles in English, Wednesday (Mittwoch) in German.
    assert parse("/log 5 mi run", "en") == Log(8_047, RUN, TODAY, False)
    assert parse("/log 5 km laufen mi", "de") == Log(5_000, RUN, Weekday(2), False)
    # `hier`: yesterday in French, "here" in German.
    assert parse("/log 5 km run hier", "fr") == Log(5_000, RUN, YESTERDAY, False)
    assert "I don't understand 'hier'" in parse("/log 5 km laufen hier", "de").message


def test_every_shipped_language_has_words() -> None:
    assert set(WORDS) == set(LANGUAGES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/hilfe", Help()),
        ("stand", Standings(people=False)),
        ("/classement personnes", Standings(people=True)),
        ("/eintragen 5 km laufen", Log(5_000, RUN, TODAY, False)),
        ("/ich", Me()),
        ("/help", Help()),
    ],
)
def test_command_words_in_other_languages_beside_the_english_ones(text, expected) -> None:
    assert parse(text, "de") == expected
    assert parse(text, "en") == expected


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_examples_are_shown_in_the_readers_words_and_still_parse(language) -> None:
    from bot import i18n
    from bot.vocabulary import in_readers_words

    for example in ("log 5 km run yesterday", "join Red Rockets", "standings people", "undo"):
        said = in_readers_words(example, language)
        assert parse(said, language) == parse(example, "en")
    with i18n.using(language):
        assert in_readers_words("log 5 km run", language) != "log 5 km run"


def test_a_german_refusal_shows_its_example_in_german(chat) -> None:
    chat.say("anna", "/language de")
    reply = chat.say("anna", "/log 5 km")
    assert "/eintragen 5 km laufen" in reply
