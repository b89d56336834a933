"""Neutral replies as Slack Block Kit, with a plain `text` fallback; user strings escaped."""

from typing import Any

from bot.render.plain import render, render_table, split_table
from bot.replies import Attachment, Buttons, Example, Heading, Reply, Table, Text

HEADER_LIMIT = 150
BUTTON_LABEL_LIMIT = 75
BUTTONS_PER_BLOCK = 25
BUTTON_ACTION_PREFIX = "challenge-button-"
SECTION_LIMIT = 3000
BLOCKS_PER_MESSAGE = 50
CODE = "```\n{}\n```"


def escape(text: str) -> str:
    """Slack's three control characters, so `<!channel>` is shown and never pings anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_message(reply: Reply, command_prefix: str) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage, chat.postEphemeral or a slash command's ack."""
    blocks: list[dict[str, Any]] = []
    for part in reply.parts:
        match part:
            case Heading(text):
                blocks.append(_header(text))
            case Text(text):
                blocks.append(_plain_section(text))
            case Example(command, label):
                blocks.append(_context(f"{escape(label)}: `{_code(command_prefix + command)}`"))
            case Table():
                # A long table goes on in further sections rather than being cut short.
                lines = [_code(line) for line in render_table(part, command_prefix)]
                for piece in split_table(lines, SECTION_LIMIT, len(CODE.format(""))):
                    blocks.append(_section(CODE.format(piece)))
            case Attachment(filename):
                blocks.append(_context(f"File: {escape(filename)}"))
            case Buttons(buttons):
                for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
                    chunk = buttons[start : start + BUTTONS_PER_BLOCK]
                    blocks.append(
                        {
                            "type": "actions",
                            "elements": [
                                {
                                    "type": "button",
                                    "action_id": f"{BUTTON_ACTION_PREFIX}{start + i}",
                                    "text": {
                                        "type": "plain_text",
                                        "text": button.label[:BUTTON_LABEL_LIMIT],
                                    },
                                    "value": button.command,
                                }
                                for i, button in enumerate(chunk)
                            ],
                        }
                    )
    return {"text": escape(render(reply, command_prefix))[:SECTION_LIMIT], "blocks": blocks}


def to_messages(replies: list[Reply], command_prefix: str) -> list[dict[str, Any]]:
    """Several replies as one message, or more when their blocks pass Slack's limit."""
    messages = [to_message(reply, command_prefix) for reply in replies]
    text = "\n".join(message["text"] for message in messages)
    blocks = [block for message in messages for block in message["blocks"]]
    return [
        {"text": text, "blocks": blocks[start : start + BLOCKS_PER_MESSAGE]}
        for start in range(0, max(len(blocks), 1), BLOCKS_PER_MESSAGE)
    ]


def _code(text: str) -> str:
    """Text for inside backticks, where Slack applies no formatting; a backtick would end it."""
    return escape(text.replace("`", "'"))


def _plain_section(text: str) -> dict[str, Any]:
    # plain_text: *bold*, _italics_ or <links> typed by a user are shown as typed.
    return {
        "type": "section",
        "text": {"type": "plain_text", "text": text[:SECTION_LIMIT], "emoji": True},
    }


def _header(text: str) -> dict[str, Any]:
    # Header text is plain_text: Slack shows it literally, no escaping needed.
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": text[:HEADER_LIMIT], "emoji": False},
    }


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:SECTION_LIMIT]}}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn[:SECTION_LIMIT]}]}
