"""What every part of the grammar shares: the refusal, and ways to read and quote words."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from rapidfuzz import fuzz, process

from bot.domain.names import graphemes, is_invisible
from bot.i18n import _


@dataclass(frozen=True)
class ParseError:
    """What was wrong with the text, and a correct example (without a leading slash)."""

    message: str
    example: str
    # The command words read before the trouble (`admin` in `admin exprot`), if any.
    under: str = ""


class Refused(Exception):
    """Raised inside the grammar; `parse` turns it into the ParseError it carries."""

    def __init__(self, error: ParseError) -> None:
        super().__init__(error.message)
        self.error = error


def refuse(message: str, example: str) -> NoReturn:
    raise Refused(ParseError(message, example))


def split_first(text: str) -> tuple[str, str]:
    """The first word and the rest, the rest trimmed but otherwise as typed."""
    parts = text.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) == 2 else ""


# How an invisible character is shown when a reply quotes it: named, never echoed.
_INVISIBLE_NAMES = {"\x00": "NUL", "\t": "TAB", "\n": "LINE BREAK", "\r": "CR", "\x1b": "ESC"}


def free_text(text: str) -> str:
    """Text kept as typed, minus invisible control characters (line breaks and tabs stay;
    an emoji keeps its joiners)."""
    return "".join(g for g in graphemes(text) if g in "\n\t" or not is_invisible(g)).strip()


def has_invisible(text: str) -> bool:
    """Whether the text holds a control or format character of its own (a joiner inside an
    emoji is part of the emoji)."""
    return any(is_invisible(grapheme) for grapheme in graphemes(text))


def quote(text: str) -> str:
    """The user's words in quotes, shortened, with invisible characters named: `[ESC]`."""
    shown = "".join(
        "".join(_named(char) for char in g) if is_invisible(g) else g for g in graphemes(text)
    )
    if len(shown) > 40:
        shown = shown[:39] + "…"
    return f"'{shown}'"


def _named(char: str) -> str:
    return f"[{_INVISIBLE_NAMES.get(char) or f'U+{ord(char):04X}'}]"


def both(first: str, second: str) -> str:
    return _("{first} and {second}").format(first=quote(first), second=quote(second))


def closest(word: str, choices: Iterable[str], cutoff: float) -> str | None:
    """The choice most like `word`, if any is at least `cutoff` (0..100) alike."""
    match = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=cutoff)
    return None if match is None else match[0]


def did_you_mean(suggestion: str | None) -> str:
    return (
        ""
        if suggestion is None
        else " " + _("Did you mean '{suggestion}'?").format(suggestion=suggestion)
    )
