"""Countries by their ISO 3166 alpha-2 codes, named in the reader's language (Babel's CLDR)."""

from functools import cache

from babel import Locale

from bot.i18n import SHIPPED
from bot.vocabulary import folded

# Codes CLDR names that are no country: unions, zones, the unknown and the pseudo-regions.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})


@cache
def codes() -> frozenset[str]:
    territories = Locale.parse("en").territories
    return (
        frozenset(
            code for code in territories if len(code) == 2 and code.isalpha() and code.isupper()
        )
        - NOT_COUNTRIES
    )


def name(code: str, language: str) -> str:
    """`Deutschland` for DE in German; the code itself for one CLDR does not name."""
    return Locale.parse(language).territories.get(code, code)


def read(typed: str) -> str | None:
    """The code a person means: a code (`de`), or a country's name in any shipped language
    (`Germany`, `Allemagne`), accents and case aside."""
    text = typed.strip()
    if text.upper() in codes():
        return text.upper()
    return _by_name().get(folded(text))


def names() -> list[str]:
    """Every country's name in every shipped language, to suggest from."""
    return list(_by_name())


@cache
def _by_name() -> dict[str, str]:
    found: dict[str, str] = {}
    for language in SHIPPED:
        territories = Locale.parse(language).territories
        for code in codes():
            if code in territories:
                found.setdefault(folded(territories[code]), code)
    return found
