"""The soak script for half a minute on each backend: two hundred people on Slack and
Telegram, every command answered once, every total right, /healthz truthful, memory flat; on
PostgreSQL with the server stopped and started again in the middle."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from scripts.soak import ensure_postgres_running

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT_S = 240


def soak(*options: str) -> str:
    """The script's report, after a run of half a minute; the test fails with it unless every
    check passed. The script and the bot it started are stopped if they overrun."""
    script = subprocess.Popen(
        [sys.executable, "-m", "scripts.soak", "--minutes", "0.5", *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the bot process is in it too
    )
    try:
        report, _ = script.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(script.pid, signal.SIGKILL)
        report, _ = script.communicate()
        raise AssertionError(f"the soak overran {RUN_TIMEOUT_S} s:\n{report}") from None
    assert script.returncode == 0, report
    return report


def test_two_hundred_people_on_both_platforms_are_all_answered_and_counted_on_sqlite():
    assert "RESULT: PASS" in soak("--backend", "sqlite")


def test_a_postgresql_restart_mid_soak_loses_nothing_and_the_bot_recovers_by_itself():
    try:
        report = soak("--backend", "postgresql", "--restart-postgres")
    finally:
        ensure_postgres_running()  # for the tests after this one, whatever happened
    assert "PostgreSQL: stopping at" in report
    assert "RESULT: PASS" in report
