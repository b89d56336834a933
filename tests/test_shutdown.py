"""The deployed process: starts from config.toml and the environment, stops cleanly on signals."""

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.fakes.slack_api import FakeSlackApi, signed_headers

ROOT = Path(__file__).parent.parent
SECRET = "shutdown-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(directory: Path, api_url: str, port: int) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('api_url = "https://slack.com/api/"', f'api_url = "{api_url}"')
    text = text.replace("[slack]\nenabled = false", "[slack]\nenabled = true")
    text = text.replace("port = 8080", f"port = {port}")
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
async def test_the_bot_answers_then_stops_cleanly_on_a_signal(tmp_path, signal_number):
    api = FakeSlackApi()
    await api.start()
    port = free_port()
    config = write_config(tmp_path, f"{api.url}/api/", port)
    environment = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-shutdown", "SLACK_SIGNING_SECRET": SECRET}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "main.py"),
        "--config",
        str(config),
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with session.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline, "the bot did not start"
                    await asyncio.sleep(0.1)
            body = urlencode(
                {
                    "command": "/challenge",
                    "text": "totals",
                    "user_id": "U1",
                    "channel_id": "C1",
                    "team_id": "T1",
                    "trigger_id": "t1",
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                **signed_headers(SECRET, body),
            }
            async with session.post(f"{base}/slack/events", data=body, headers=headers) as reply:
                assert reply.status == 200
                assert "so far" in (await reply.json())["text"]
        process.send_signal(signal_number)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
        await api.stop()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "bot_stopped" in log
    assert "Traceback" not in log
    assert "xoxb-shutdown" not in log and SECRET not in log
