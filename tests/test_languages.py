"""The reply language: the caller's own choice, else the platform's, else the default."""

import pytest

from bot import i18n
from bot.config import ConfigError
from tests.conftest import make_config

ADMINS_ONLY_DE = "Das können nur die Admins der Challenge."


def test_language_shows_then_sets_the_reply_language(chat):
    shown = chat.say("anna", "/language")
    assert "I answer you in English." in shown and "de (Deutsch)" in shown
    assert "Ab jetzt antworte ich dir auf Deutsch." in chat.say("anna", "/language de")
    assert ADMINS_ONLY_DE in chat.say("anna", "/admin post")
    assert "Ich antworte dir auf Deutsch." in chat.say("anna", "/language")
    # Every shipped language, and only those, is offered; English words always work.
    assert "From now on I answer you in English." in chat.say("anna", "/language english")
    assert "Only the challenge admins can do that." in chat.say("anna", "/admin post")


def test_an_unknown_language_is_refused_with_the_available_ones(chat):
    refused = chat.say("anna", "/language klingon")
    assert "I don't speak 'klingon'." in refused
    assert "en (English), de (Deutsch)" in refused and "/language de" in refused
    assert "Only the challenge admins can do that." in chat.say("anna", "/admin post")


def test_the_platform_language_applies_until_the_person_chooses(chat):
    assert ADMINS_ONLY_DE in chat.say("bea", "/admin post", language="de-AT")
    # A language the bot does not ship falls back to the default.
    assert "Only the challenge admins" in chat.say("carl", "/admin post", language="pt-BR")
    chat.say("bea", "/language en", language="de-AT")
    assert "Only the challenge admins" in chat.say("bea", "/admin post", language="de-AT")


def test_the_default_language_and_the_available_ones_come_from_the_config(tmp_path):
    languages = {"default": "de", "available": ["de", "en"]}
    config = make_config("sqlite://", tmp_path, languages=languages)
    assert config.languages.default == "de" and config.languages.shipped == ("de", "en")
    with pytest.raises(ConfigError, match="languages.default"):
        make_config("sqlite://", tmp_path, languages={"default": "de", "available": ["en"]})
    with pytest.raises(ConfigError, match="languages.available"):
        make_config("sqlite://", tmp_path, languages={"available": ["xx"]})


def test_only_complete_catalogues_are_shipped():
    assert i18n.SHIPPED[0] == "en" and "de" in i18n.SHIPPED


def test_the_grammar_refuses_in_the_readers_language(chat):
    chat.say("anna", "/language de")
    refused = chat.say("anna", "/standigs")
    assert "Den Befehl 'standigs' kenne ich nicht. Meintest du 'standings'?" in refused
    assert "Beispiel: /hilfe" in refused
    assert "Wie weit warst du unterwegs?" in chat.say("anna", "/log run")
    # The platform's language alone is enough.
    assert "Wie weit warst du unterwegs?" in chat.say("bea", "/log run", language="de")


def test_a_german_reader_gets_german_figures(chat):
    chat.say("anna", "/language de")
    chat.say("anna", "/newteam Rote Raketen")
    logged = chat.say("anna", "/log 12,5 km laufen")
    assert "12,5 km Laufen am Do., 15. Juli 2021" in logged
    assert "Du: 12,5 km in dieser Saison, Platz 1." in logged
    assert "Spende bisher: 1\xa0€ bei 0,10\xa0€ pro km." in chat.say("anna", "/totals")


def test_a_log_is_read_with_the_words_of_the_language_its_writer_chose(chat):
    # `hier` is yesterday in French, and means nothing in a German or English log.
    chat.say("fleur", "/language fr")
    chat.say("fleur", "/newteam Les Fusées")
    logged = chat.say("fleur", "/log 5 km run hier")
    assert "5 km de course le mer. 14 juil. 2021" in logged
    chat.say("anna", "/language de")
    assert "'hier' verstehe ich in einem Eintrag nicht." in chat.say("anna", "/log 5 km run hier")
