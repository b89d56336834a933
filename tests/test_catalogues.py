"""The catalogues: every shipped language translates every message the code marks, with the
same placeholders; the template holds exactly what the code marks."""

from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n

ROOT = i18n.LOCALES.parent.parent
TRANSLATED = [code for code in i18n.SHIPPED if code != i18n.SOURCE]


def read(path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def template() -> Catalog:
    return read(i18n.LOCALES / f"{i18n.DOMAIN}.pot")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def marked_in_code() -> set[str]:
    found = extract_from_dir(
        str(ROOT),
        method_map=[("bot/**.py", "python")],
        keywords={"_": None, "N_": None, "ngettext": (1, 2)},
    )
    return {message if isinstance(message, str) else message[0] for *_, message, _, _ in found}


def test_the_template_holds_every_message_the_code_marks_and_no_other():
    in_template = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in template()
        if message.id
    }
    assert in_template == marked_in_code(), (
        "run: pybabel extract -F babel.cfg -k N_ --no-location -o bot/locales/messages.pot . "
        "&& pybabel update -i bot/locales/messages.pot -d bot/locales --no-wrap"
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_a_shipped_catalogue_translates_every_message_with_its_placeholders(code):
    catalogue = read(i18n.catalogue_path(code))
    missing, differing = [], []
    for source in template():
        if not source.id:
            continue
        message = catalogue.get(source.id)
        strings = () if message is None else message.string
        strings = (strings,) if isinstance(strings, str) else strings
        if message is None or message.fuzzy or not all(strings):
            missing.append(source.id)
            continue
        wanted = placeholders(source.id if isinstance(source.id, str) else source.id[-1])
        if any(placeholders(text) != wanted for text in strings):
            differing.append(source.id)
    assert not missing, f"{code} lacks {len(missing)}: {missing[:5]}"
    assert not differing, f"{code} placeholders differ: {differing[:5]}"


# gettext's plural forms: Polish has three (1; 2-4; 5 and more), the others two.
PLURAL_FORMS = {"de": 2, "fr": 2, "es": 2, "it": 2, "nl": 2, "pl": 3}


@pytest.mark.parametrize("code", TRANSLATED)
def test_a_shipped_catalogue_has_its_languages_plural_forms(code):
    catalogue = read(i18n.catalogue_path(code))
    # gettext's count, or CLDR's as Babel writes it (Italian's and Spanish's "many").
    assert catalogue.num_plurals in {PLURAL_FORMS[code], Catalog(locale=code).num_plurals}
    for message in catalogue:
        if message.id and not isinstance(message.id, str):
            assert len(message.string) == catalogue.num_plurals, message.id


def test_figures_read_as_the_locale_writes_them():
    from datetime import date
    from decimal import Decimal

    with i18n.using("de"):
        assert i18n.decimal(Decimal("12.5")) == "12,5"
        assert i18n.money(Decimal(26449), "EUR") == "26.449\xa0€"
        assert i18n.weekday_day(date(2026, 7, 6)) == "Mo., 6. Juli"
    with i18n.using("en"):
        assert i18n.money(Decimal(26449), "EUR") == "EUR 26,449"


def test_a_platform_language_maps_to_the_nearest_shipped_one():
    assert i18n.nearest("de-AT", ["en", "de"]) == "de"
    assert i18n.nearest("pt-BR", ["en", "de"]) is None
    assert i18n.nearest("", ["en"]) is None


@pytest.mark.skipif("pl" not in i18n.SHIPPED, reason="Polish is not shipped yet")
def test_polish_counts_take_their_three_forms():
    forms = i18n.translations("pl")
    chosen = [forms.ngettext("{count} team", "{count} teams", n) for n in (1, 2, 5, 22, 25, 112)]
    one, few, many = chosen[0], chosen[1], chosen[2]
    assert len({one, few, many}) == 3
    assert chosen[3:] == [few, many, many]
