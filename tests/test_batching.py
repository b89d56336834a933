"""The batcher: every submitted item is written exactly once and answered, whatever the timing;
an item that gets no turn before its deadline is withdrawn and never written."""

import asyncio
import random

import pytest

from bot.handlers.batching import Batcher, NoTurn

DEADLINE_S = 5.0


async def test_a_log_submitted_as_the_last_batch_finishes_is_still_written():
    """The caller of the first item is woken before the runner's task has finished: a second
    submit lands exactly where a runner that leaves through a done-callback still counts as
    running, and its item would wait forever (as Telegram did after its first log)."""

    async def write(items: list[str]) -> list[str]:
        return [item.upper() for item in items]

    batcher: Batcher[str, str] = Batcher(write)
    # asyncio.timeout, not wait_for: the second submit must run in this same task, at once.
    async with asyncio.timeout(2):
        assert await batcher.submit("first", DEADLINE_S) == "FIRST"
        assert await batcher.submit("second", DEADLINE_S) == "SECOND"


async def test_one_sender_after_another_each_answered_at_once():
    """As python-telegram-bot hands updates over: one at a time, each after the last."""

    async def write(items: list[int]) -> list[int]:
        if random.random() < 0.5:
            await asyncio.sleep(0)
        return items

    batcher: Batcher[int, int] = Batcher(write)
    async with asyncio.timeout(10):
        for number in range(200):
            assert await batcher.submit(number, DEADLINE_S) == number


@pytest.mark.parametrize("parallel", [1, 3])
async def test_many_senders_with_random_gaps_lose_and_double_nothing(parallel: int):
    rng = random.Random(20210701 + parallel)
    written: list[tuple[int, int]] = []

    async def write(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
        gap = rng.choice((0, 0, 0.0005, 0.002))
        await asyncio.sleep(gap) if gap else None
        written.extend(items)
        return items

    batcher: Batcher[tuple[int, int], tuple[int, int]] = Batcher(write, most=8, parallel=parallel)

    async def sender(person: int) -> list[tuple[int, int]]:
        answers = []
        for number in range(25):
            if rng.random() < 0.6:
                await asyncio.sleep(rng.choice((0, 0.0002, 0.001)))
            answers.append(await batcher.submit((person, number), DEADLINE_S))
        return answers

    answers = await asyncio.wait_for(asyncio.gather(*(sender(p) for p in range(40))), 30)
    for person, person_answers in enumerate(answers):
        assert person_answers == [(person, number) for number in range(25)]
    assert sorted(written) == [(p, n) for p in range(40) for n in range(25)]
    if parallel == 1:
        # One writer at a time: each person's items are written in the order they were sent.
        for person in range(40):
            assert [n for p, n in written if p == person] == list(range(25))


async def test_the_batcher_writes_in_order_in_batches_of_at_most_its_size():
    batches: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        batches.append(items)
        return [item * 10 for item in items]

    batcher: Batcher[int, int] = Batcher(write, most=4)
    results = await asyncio.gather(*(batcher.submit(n, DEADLINE_S) for n in range(10)))
    assert results == [n * 10 for n in range(10)]
    assert [item for batch in batches for item in batch] == list(range(10))
    assert all(len(batch) <= 4 for batch in batches) and len(batches) == 3


async def test_a_failing_write_fails_its_own_batch_only_and_the_next_ones_still_run():
    calls = 0

    async def write(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk full")
        return items

    batcher: Batcher[int, int] = Batcher(write, most=2)
    outcomes = await asyncio.gather(
        *(batcher.submit(n, DEADLINE_S) for n in range(4)), return_exceptions=True
    )
    assert [type(outcome) for outcome in outcomes[:2]] == [RuntimeError, RuntimeError]
    assert outcomes[2:] == [2, 3]
    assert await batcher.submit(7, DEADLINE_S) == 7


async def test_an_item_without_a_turn_by_its_deadline_is_withdrawn_and_never_written():
    release = asyncio.Event()
    written: list[str] = []

    async def write(items: list[str]) -> list[str]:
        await release.wait()
        written.extend(items)
        return items

    batcher: Batcher[str, str] = Batcher(write)
    slow = asyncio.create_task(batcher.submit("in the batch", 0.05))
    await asyncio.sleep(0.01)  # the first batch is now being written
    with pytest.raises(NoTurn):
        await batcher.submit("queued behind it", 0.05)
    # The one already in a batch outlives its deadline: its write decides, not the clock.
    await asyncio.sleep(0.1)
    assert not slow.done()
    release.set()
    assert await asyncio.wait_for(slow, 2) == "in the batch"
    assert written == ["in the batch"]
    assert await asyncio.wait_for(batcher.submit("later", DEADLINE_S), 2) == "later"
