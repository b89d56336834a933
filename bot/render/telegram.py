"""Neutral replies as Telegram HTML (parse mode HTML) and inline keyboard rows; every user
string escaped."""

import html

from bot.render.plain import pack, render_table, split_table
from bot.replies import Attachment, Buttons, Example, Heading, Part, Reply, Table, Text

COMMAND_PREFIX = "/"
CALLBACK_DATA_MAX_BYTES = 64
MESSAGE_LIMIT = 4096  # characters of one message's text
PRE = "<pre>{}</pre>"


def escape(text: str) -> str:
    """`<`, `>` and `&`: a team called `<b>x</b>` is shown as typed, never as markup."""
    return html.escape(text, quote=False)


def to_messages(replies: list[Reply]) -> list[str]:
    """The replies' text as one sendMessage each, within Telegram's limit: long text is split
    between parts and between table rows, never inside a tag. Buttons and files go apart."""
    blocks: list[str] = []
    for reply in replies:
        reply_blocks = [block for part in reply.parts for block in _blocks(part)]
        if blocks and reply_blocks:
            blocks.append("")  # a blank line between replies
        blocks.extend(reply_blocks)
    return ["\n".join(group).strip("\n") for group in pack(blocks, MESSAGE_LIMIT)]


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


def _blocks(part: Part) -> list[str]:
    """The part's HTML, in pieces that each stand alone."""
    match part:
        case Heading(text):
            return [f"<b>{escape(text)}</b>"]
        case Text(text):
            return [escape(text)]
        case Example(command, label):
            return [f"{escape(label)}: <code>{escape(COMMAND_PREFIX + command)}</code>"]
        case Table():
            # Monospace, so the padded columns line up.
            lines = [escape(line) for line in render_table(part, COMMAND_PREFIX)]
            pieces = split_table(lines, MESSAGE_LIMIT, len(PRE.format("")))
            return [PRE.format(piece) for piece in pieces]
        case Attachment(filename, _, media_type):
            # An image follows the text as a photo; another file is named, as it may go elsewhere.
            return [] if media_type.startswith("image/") else [f"File: {escape(filename)}"]
        case Buttons():
            return []
