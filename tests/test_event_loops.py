"""The suite's own guard: every event loop runs in debug mode, and a task exception that nobody
retrieved fails the test in which it happened (see conftest.py)."""

import asyncio
import gc

from tests.conftest import LoopThread


async def drop_a_failing_task() -> None:
    async def fails() -> None:
        raise RuntimeError("lost on the way")

    task = asyncio.get_running_loop().create_task(fails())
    while not task.done():
        await asyncio.sleep(0)
    del task
    gc.collect()


def assert_reported_once(loop_errors) -> None:
    (report,) = loop_errors.take()
    assert "Task exception was never retrieved" in report
    assert "RuntimeError('lost on the way')" in report


async def test_the_tests_own_loop_reports_a_lost_task_exception(loop_errors):
    assert asyncio.get_running_loop().get_debug()
    await drop_a_failing_task()
    assert_reported_once(loop_errors)


def test_a_chats_loop_reports_a_lost_task_exception(loop_errors):
    chats_loop = LoopThread()
    try:
        assert chats_loop.loop.get_debug()
        chats_loop.run(drop_a_failing_task(), "dropping a task")
    finally:
        chats_loop.stop()
    assert_reported_once(loop_errors)


def test_a_loop_the_code_under_test_makes_reports_a_lost_task_exception(loop_errors):
    asyncio.run(drop_a_failing_task())
    assert_reported_once(loop_errors)
