"""A file sent with a message is fetched only when its command takes one, within the
command's size limit and the adapter's deadline, before the command's transaction."""

import asyncio
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.domain.images import MAX_BYTES
from bot.messages import FileNotFetched, IncomingFile
from storage.models import PhotoEntry

LIMIT = 1000


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


class Transfer:
    """A platform's download that records each fetch and hands over `content`."""

    def __init__(self, content: bytes | None, delay_s: float = 0) -> None:
        self.content = content
        self.delay_s = delay_s
        self.limits: list[int] = []

    async def __call__(self, limit: int) -> bytes | None:
        self.limits.append(limit)
        await asyncio.sleep(self.delay_s)
        return self.content

    def file(self, declared_size: int = 0, deadline_s: float = 5):
        return IncomingFile("sent.png", declared_size, deadline_s, self)


# -- the file on its own ---------------------------------------------------------------------


async def test_a_file_within_the_limit_is_fetched_with_its_name_and_size():
    transfer = Transfer(b"x" * 600)
    image = await transfer.file(declared_size=600).fetch(LIMIT)
    assert (image.content, image.declared_size, image.filename) == (b"x" * 600, 600, "sent.png")
    assert transfer.limits == [LIMIT]


async def test_a_file_declared_over_the_limit_is_never_fetched():
    transfer = Transfer(b"x" * 5000)
    image = await transfer.file(declared_size=5000).fetch(LIMIT)
    assert image.content is None and image.declared_size == 5000
    assert transfer.limits == []


async def test_a_file_found_over_the_limit_on_the_way_is_not_kept():
    undeclared = await Transfer(b"x" * (LIMIT + 1)).file().fetch(LIMIT)
    assert undeclared.content is None and undeclared.declared_size > LIMIT
    told_on_the_way = await Transfer(None).file().fetch(LIMIT)
    assert told_on_the_way.content is None and told_on_the_way.declared_size > LIMIT


async def test_a_stalled_transfer_fails_at_the_deadline():
    with pytest.raises(FileNotFetched):
        await Transfer(b"x", delay_s=5).file(deadline_s=0.05).fetch(LIMIT)


def test_the_transfer_is_not_shown_in_the_files_repr():
    assert "Transfer" not in repr(Transfer(b"x").file())


# -- through the dispatcher ------------------------------------------------------------------


def test_a_file_sent_with_a_command_that_takes_none_is_never_fetched(chat):
    transfer = Transfer(png())
    chat.say("alice", "/newteam Red Rockets", file=transfer.file())
    assert "You have not entered any photos yet." in chat.say(
        "alice", "/photos", file=transfer.file()
    )
    assert chat.say("alice", "/log 5 km run", file=transfer.file()).startswith("Logged #")
    assert transfer.limits == []


def test_a_photo_command_fetches_its_file_once_and_enters_it(chat):
    chat.say("alice", "/newteam Red Rockets")
    transfer = Transfer(png())
    entered = chat.say("alice", "/photo Sunrise", file=transfer.file())
    assert "Entered photo #1 Sunrise in the competition" in entered
    assert transfer.limits == [MAX_BYTES]


def test_a_file_the_platform_fails_to_hand_over_is_asked_for_again(chat):
    chat.say("alice", "/newteam Red Rockets")

    async def failing(limit: int) -> bytes:
        raise FileNotFetched("the platform said no")

    file = IncomingFile("sent.png", 0, 5, failing)
    reply = chat.say("alice", "/photo Sunrise", file=file)
    assert reply == "I couldn't fetch that file; please send it again."
    assert chat.scalar(select(func.count()).select_from(PhotoEntry)) == 0
