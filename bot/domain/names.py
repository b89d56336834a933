"""Names people choose: compared ignoring case, accents, width, extra spaces and look-alike
letters, and read as the characters a person sees (an emoji with its joiners is one)."""

import threading
import unicodedata

import icu
import regex

_CONTROL = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_checkers = threading.local()  # ICU's spoof checker is not shared between threads


def name_key(name: str) -> str:
    """The form two names share when they are "the same" ("Équipe  Rouge" ~ "equipe rouge"),
    and when they only look the same: "Spaceу Team" with a Cyrillic у is "Spacey Team".
    Unicode's confusable skeleton (UTS #39) is meant for comparing, never for showing."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = " ".join(without_accents.casefold().split())
    return _skeleton(folded).casefold()


def _skeleton(text: str) -> str:
    checker = getattr(_checkers, "checker", None)
    if checker is None:
        checker = _checkers.checker = icu.SpoofChecker()
    return checker.getSkeleton(0, text)


def graphemes(text: str) -> list[str]:
    """The characters a person sees: `🏳️‍🌈` is one, made of four code points."""
    return regex.findall(r"\X", text)


def is_invisible(grapheme: str) -> bool:
    """A control or format character standing on its own: a NUL, an escape, a right-to-left
    override. A joiner inside an emoji belongs to the emoji and is not one."""
    return all(unicodedata.category(char) in _CONTROL for char in grapheme)
