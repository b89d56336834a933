"""The reader's language: gettext catalogues (Babel), and figures written for the locale.

The catalogues ship as `.po` files under `bot/locales/<lang>/LC_MESSAGES/` and are compiled
in memory (Babel's `write_mo`) the first time a language is used. So an editable install, a
wheel and a plain checkout all load exactly the `.po` beside the code: no `.mo` to build,
and none that can be older than its `.po`.

The language of the text being written is a context variable, set once per command (and per
post) with `using`; `_`, `ngettext` and the formatters read it, so the pure grammar and the
domain need no translator passed down. Threads started with `asyncio.to_thread` inherit it.
"""

import gettext
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_currency, get_currency_symbol, parse_pattern

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
SOURCE = "en"  # the language the messages are written in
# Every language the bot can speak: English and each complete catalogue. A catalogue is
# listed here only once tests/test_catalogues.py finds it complete.
SHIPPED = ("en", "de", "fr", "es", "it", "nl", "pl")

_language: ContextVar[str] = ContextVar("language", default=SOURCE)


def catalogue_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue, compiled from its `.po`; the source language has none."""
    path = catalogue_path(language)
    if language == SOURCE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language() -> str:
    """The language being written now."""
    return _language.get()


@contextmanager
def using(code: str) -> Iterator[None]:
    """Write in `code` inside the block."""
    token = _language.set(code)
    try:
        yield
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """`message` in the language being written."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    """The form of a message for `number` (Polish has three), in the language being written."""
    return translations(_language.get()).ngettext(singular, plural, number)


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is declared; `_` translates it where used."""
    return message


def nearest(code: str | None, available: Iterable[str]) -> str | None:
    """The available language nearest to a platform's code (`de-AT`, `pt_BR`, `fr`), if any."""
    language = _language_part(code) if code else None
    return language if language in set(available) else None


@cache
def _language_part(code: str) -> str | None:
    """The language of a platform's locale code: `de` for `de-AT`; None for no language."""
    try:
        return Locale.parse(code.replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        return None


# --- figures, for the language being written ---------------------------------------------


def decimal(value: Decimal | int | float, pattern: str = "#,##0.#") -> str:
    """A number with the locale's grouping and decimal mark: `264,497.5`, `264.497,5`."""
    return _pattern(pattern).apply(value, _locale(_language.get()))


# Parsed once: every reply writes many numbers, and parsing is most of formatting's cost.
@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def money(amount: Decimal, currency: str) -> str:
    """`EUR 26,449` in English; the locale's own form elsewhere (`26.449 €`), with cents only
    when there are some."""
    amount = _as_shown(amount)
    code = _language.get()
    if code == SOURCE:
        return f"{currency} {amount:,}"
    pattern = _locale(code).currency_formats["standard"].pattern
    if amount == amount.to_integral_value():
        pattern = pattern.replace(".00", "")
    elif amount.as_tuple().exponent < -2:  # a rate such as 0.005 per km
        pattern = pattern.replace(".00", ".00##")
    return format_currency(amount, currency, pattern, locale=code, currency_digits=False)


def _as_shown(amount: Decimal) -> Decimal:
    """Whole units without cents (`20`), else at least the cents (`0.10`, `0.05`, `0.005`),
    however many zeros the amount was stored with."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    plain = amount.normalize()
    return plain if plain.as_tuple().exponent < -2 else plain.quantize(Decimal("0.01"))


def currency_symbol(currency: str) -> str:
    return get_currency_symbol(currency, locale=_language.get())


def long_day(day: date) -> str:
    """`Sat 3 Jul 2021`; in German `Sa., 3. Juli 2021`."""
    if _language.get() == SOURCE:
        return f"{day:%a} {day.day} {day:%b %Y}"
    return format_skeleton("yMMMEd", day, locale=_language.get())


def weekday_day(day: date) -> str:
    """`Mon 6 Jul`; in German `Mo., 6. Juli`."""
    if _language.get() == SOURCE:
        return f"{day:%a} {day.day} {day:%b}"
    return format_skeleton("MMMEd", day, locale=_language.get())


def short_day(day: date, *, year: bool = False) -> str:
    """`3 Jul`, or `3 Jul 2021` with the year; in German `3. Juli 2021`."""
    if _language.get() == SOURCE:
        return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"
    return format_skeleton("yMMMd" if year else "MMMd", day, locale=_language.get())
