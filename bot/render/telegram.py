"""Neutral replies as Telegram HTML (parse mode HTML); every user string escaped."""

import html

from bot.render.plain import render_table
from bot.replies import Attachment, Example, Heading, Part, Reply, Table, Text

COMMAND_PREFIX = "/"


def escape(text: str) -> str:
    """`<`, `>` and `&`: a team called `<b>x</b>` is shown as typed, never as markup."""
    return html.escape(text, quote=False)


def to_html(reply: Reply) -> str:
    """The text of one sendMessage; attachments are named here and sent as files apart."""
    return "\n".join(_part(part) for part in reply.parts)


def _part(part: Part) -> str:
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
        case Attachment(filename):
            return f"File: {escape(filename)}"
