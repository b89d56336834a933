"""Neutral replies as Telegram HTML (parse mode HTML) and inline keyboard rows; every user
string escaped."""

import html

from bot.render.plain import render_table
from bot.replies import Attachment, Buttons, Example, Heading, Part, Reply, Table, Text

COMMAND_PREFIX = "/"
CALLBACK_DATA_MAX_BYTES = 64


def escape(text: str) -> str:
    """`<`, `>` and `&`: a team called `<b>x</b>` is shown as typed, never as markup."""
    return html.escape(text, quote=False)


def to_html(reply: Reply) -> str:
    """The text of one sendMessage; buttons and files are sent apart from it."""
    return "\n".join(line for part in reply.parts if (line := _part(part)) is not None)


def keyboard(reply: Reply) -> list[tuple[str, str]]:
    """One (label, callback data) row per button; a press sends the data back to the bot.

    Button labels are plain text on Telegram, so they need no escaping."""
    return [
        (button.label, button.command)
        for part in reply.parts
        if isinstance(part, Buttons)
        for button in part.buttons
        # Telegram refuses the whole message over one button whose data is too long.
        if len(button.command.encode()) <= CALLBACK_DATA_MAX_BYTES
    ]


def _part(part: Part) -> str | None:
    match part:
        case Heading(text):
            return f"<b>{escape(text)}</b>"
        case Text(text):
            return escape(text)
        case Example(command, label):
            return f"{escape(label)}: <code>{escape(COMMAND_PREFIX + command)}</code>"
        case Table():
            # Monospace, so the padded columns line up.
            table = "\n".join(render_table(part, COMMAND_PREFIX))
            return f"<pre>{escape(table)}</pre>"
        case Attachment(filename, _, media_type):
            # An image follows the text as a photo; another file is named, as it may go elsewhere.
            return None if media_type.startswith("image/") else f"File: {escape(filename)}"
        case Buttons():
            return None
