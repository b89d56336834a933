"""The name others see of a participant: theirs, shortened to "Anna K." by `[privacy] names`,
"hidden participant" when they hide, "a former participant" once their data is erased. Every
reply, post and export that shows someone other than its reader names them through here."""

from typing import Literal, Protocol

from bot.domain.names import graphemes
from bot.i18n import N_, _

HIDDEN = N_("hidden participant")
FORMER = N_("a former participant")

NameStyle = Literal["full", "first_initial"]


class Named(Protocol):
    """A participant as far as their name goes: a stored row, or a row of a query."""

    @property
    def display_name(self) -> str: ...

    @property
    def hidden(self) -> bool: ...

    @property
    def forgotten(self) -> bool: ...


def public_name(person: Named, style: NameStyle) -> str:
    """What others see of `person`'s name."""
    if person.forgotten:
        return _(FORMER)
    if person.hidden:
        return _(HIDDEN)
    return first_initial(person.display_name) if style == "first_initial" else person.display_name


def first_initial(name: str) -> str:
    """`Anna Keller` -> `Anna K.`; a one-word name stays as it is."""
    words = name.split()
    if len(words) < 2:
        return name
    return f"{words[0]} {graphemes(words[-1])[0].upper()}."
