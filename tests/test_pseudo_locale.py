"""A pseudo-locale run: every message is marked as the catalogue gives it, and a reply part
that starts unmarked is a user-visible string that bypassed the catalogue."""

import gettext

import pytest

from bot import i18n
from bot.replies import Buttons, Example, Heading, Reply, Table, Text

OPEN, CLOSE = "⟪", "⟫"


class Pseudo(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return f"{OPEN}{message}{CLOSE}"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"{OPEN}{singular if n == 1 else plural}{CLOSE}"


@pytest.fixture
def pseudo(monkeypatch):
    monkeypatch.setattr(i18n, "translations", lambda _code: Pseudo())


def unmarked(replies: list[Reply]) -> list[str]:
    """The words of every part that did not come from the catalogue."""
    found = []
    for reply in replies:
        for part in reply.parts:
            match part:
                case Text(text) | Heading(text):
                    found.append(text)
                case Example(_, label):
                    found.append(label)
                case Table(header):
                    # Signs, not words: nothing to translate.
                    found.extend(cell for cell in header if cell not in ("#", "±"))
                case Buttons(buttons):
                    # A charity's name is the vote button's label, as typed by an admin.
                    found.extend(b.label for b in buttons if not b.command.startswith("vote"))
    return [text for text in found if not text.startswith(OPEN)]


SESSION = [
    ("anna", "/help"),
    ("anna", "/newteam Red Rockets"),
    ("ben", "/join red rockts"),
    ("ben", "/join Red Rockets"),
    ("anna", "/log 12,5 km cycle"),
    ("anna", "/log 5 run yesterday"),
    ("anna", "/log 500 km run"),
    ("anna", "/log 5 km run 2020-01-01"),
    ("anna", "/log twelve"),
    ("anna", "/log 5 km swim"),
    ("anna", "/lgo 5 km run"),
    ("anna", "/me"),
    ("anna", "/standings"),
    ("anna", "/standings people"),
    ("anna", "/totals"),
    ("anna", "/team"),
    ("anna", "/team Blue"),
    ("anna", "/timezone Europe/Berlin"),
    ("anna", "/timezone Mars/Base"),
    ("anna", "/undo"),
    ("anna", "/delete 99"),
    ("anna", "/vote"),
    ("anna", "/photos"),
    ("anna", "/photo Sunrise"),
    ("anna", "/privacy"),
    ("anna", "/hide"),
    ("anna", "/show"),
    ("anna", "/language"),
    ("anna", "/language xx"),
    ("anna", "/forgetme"),
    ("ben", "/leave"),
    ("ben", "/admin post"),
    ("boss", "/admin charity add WWF"),
    ("boss", "/admin charity add Oxfam"),
    ("boss", "/admin vote open"),
    ("anna", "/vote WWF"),
    ("boss", "/admin vote close"),
    ("boss", "/admin photos list"),
    ("boss", "/admin remove 1 duplicate"),
    ("boss", "/admin announce Last week!"),
    ("boss", "/admin export"),
    ("boss", "/admin post"),
    ("boss", "/admin exprot"),
    ("boss", "/admin finish"),
    ("boss", "/admin finish confirm"),
]


def test_every_reply_part_comes_from_the_catalogue(chat, pseudo):
    chat.make_admin("boss")
    bypassed = {}
    for user, text in SESSION:
        replies = chat.send(user, text)
        if text.startswith("/admin announce"):  # the admin's own words, as typed
            replies = [r for r in replies if r.parts != (Text("Last week!"),)]
        missed = unmarked(replies)
        if missed:
            bypassed[text] = missed
    assert not bypassed
