"""The language the bot answers someone in."""

from babel import Locale

from bot import i18n
from bot.commands import SetLanguage
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.i18n import _
from bot.replies import Reply, say
from bot.words import quote


def language_name(code: str) -> str:
    """A language as its own speakers write it: `Deutsch`, `français`."""
    return Locale.parse(code).get_display_name(code) or code


def _choices(shipped: tuple[str, ...]) -> str:
    return ", ".join(f"{code} ({language_name(code)})" for code in shipped)


def _code_for(wanted: str, shipped: tuple[str, ...]) -> str | None:
    """A shipped language by its code (`de`, `de-AT`) or its name in English or its own."""
    for code in shipped:
        names = {code, language_name(code).lower(), Locale.parse(code).get_display_name("en")}
        if wanted in {name.lower() for name in names}:
            return code
    return i18n.nearest(wanted, shipped)


@command(
    SetLanguage,
    "language [CODE]",
    help=i18n.N_("show or choose the language I answer you in"),
    example="language de",
    who=Who.EVERYONE,
    writes=True,
)
def set_language(ctx: Context, command: SetLanguage) -> Reply:
    shipped = ctx.config.languages.shipped
    if command.wanted is None:
        return say(
            _("I answer you in {language}.").format(language=language_name(ctx.language)),
            _("Languages: {choices}.").format(choices=_choices(shipped)),
            example="language de",
        )
    code = _code_for(command.wanted, shipped)
    if code is None:
        return say(
            _("I don't speak {typed}. Choose one of: {choices}.").format(
                typed=quote(command.wanted), choices=_choices(shipped)
            ),
            example="language de",
        )
    ctx.participant.language = code
    with i18n.using(code):
        return say(
            _("From now on I answer you in {language}.").format(language=language_name(code))
        )
