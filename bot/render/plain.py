"""Neutral replies as plain text: the console, and the fallback text of richer platforms."""

from collections.abc import Sequence

from wcwidth import wcswidth

from bot.replies import Attachment, Buttons, Example, Heading, Part, Reply, Table, Text

MARK = "> "


def render(reply: Reply, command_prefix: str = "/") -> str:
    """The reply as lines of plain text; attachments are left to the caller."""
    lines: list[str] = []
    for part in reply.parts:
        lines.extend(_render_part(part, command_prefix))
    return "\n".join(lines)


def _render_part(part: Part, prefix: str) -> list[str]:
    match part:
        case Heading(text):
            return [text]
        case Text(text):
            return [text]
        case Example(command, label):
            return [f"{label}: {prefix}{command}"]
        case Table():
            return render_table(part, prefix)
        case Attachment(filename):
            return [f"[file: {filename}]"]
        case Buttons(buttons):
            return [f"[{button.label}: {prefix}{button.command}]" for button in buttons]
    return []


def render_table(table: Table, prefix: str = "/") -> list[str]:
    """Columns padded to a common width, numbers right-aligned, the caller's row marked."""
    rows = [
        tuple(prefix + cell if i in table.command_columns else cell for i, cell in enumerate(row))
        for row in table.rows
    ]
    widths = [
        max(_width(row[i]) for row in (table.header, *rows)) for i in range(len(table.header))
    ]

    def line(cells: tuple[str, ...]) -> str:
        padded = (
            _padded(cell, widths[i], right=i in table.right_aligned) for i, cell in enumerate(cells)
        )
        return "  ".join(padded).rstrip()

    marker_width = len(MARK) if table.marked_row is not None else 0
    out = [" " * marker_width + line(table.header)]
    for index, row in enumerate(rows):
        mark = MARK if index == table.marked_row else " " * marker_width
        out.append(mark + line(row))
    return out


def _width(cell: str) -> int:
    """Columns the cell takes on a monospace screen: an emoji takes two, a joiner none."""
    width = wcswidth(cell)
    return width if width >= 0 else len(cell)


def _padded(cell: str, width: int, right: bool) -> str:
    padding = " " * (width - _width(cell))
    return padding + cell if right else cell + padding


def pack(lines: Sequence[str], limit: int, reserved: int = 0) -> list[list[str]]:
    """The lines in order, grouped so that each group joined by newlines, plus `reserved`
    characters of wrapping, fits in `limit`; a longer line is a group of its own."""
    groups: list[list[str]] = []
    size = 0
    for line in lines:
        if groups and size + 1 + len(line) + reserved <= limit:
            groups[-1].append(line)
            size += 1 + len(line)
        else:
            groups.append([line])
            size = len(line)
    return groups


def split_table(lines: list[str], limit: int, reserved: int = 0) -> list[str]:
    """A rendered table's lines as pieces that fit in `limit` once wrapped in `reserved`
    characters, each piece headed by the header line, so that a long table reads on."""
    header, rows = lines[0], lines[1:]
    groups = pack(rows, limit, reserved + len(header) + 1) or [[]]
    return ["\n".join((header, *group)) for group in groups]
