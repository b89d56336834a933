"""The web board: served by the running bot from cached figures, with its key and its security
headers; and in a real browser (Debian's headless chromium, driven by Selenium): numbers that
change without a reload, names shown as text, hidden people absent, a phone layout."""

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import Secrets, start_bot
from tests.conftest import Clock, make_config
from tests.fakes.slack_api import FakeSlackApi
from tests.test_slack import BOT_TOKEN, SIGNING_SECRET, SlackDriver, slack_api  # noqa: F401

KEY = "board-key-0123456789abcdef"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
SCRIPTED_XSS = "<img src=x onerror=alert(1)>"


class Board(SlackDriver):
    """The bot on Slack with its web board; `get` fetches a board path."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.bot.server.port}/board/{KEY}"

    async def get(self, path: str = "", key: str = KEY) -> tuple[int, dict[str, str], bytes]:
        url = f"http://127.0.0.1:{self.bot.server.port}/board/{key}{path}"
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return response.status, dict(response.headers), await response.read()

    async def settled(self) -> None:
        """The figures made again after the latest command."""
        await self.bot.board.refresh()


@pytest.fixture
async def board(
    database_url: str,
    tmp_path: Path,
    slack_api: FakeSlackApi,  # noqa: F811
    clock: Clock,
) -> AsyncIterator[Board]:
    config = make_config(
        database_url,
        tmp_path,
        slack={"enabled": True, "mode": "http", "api_url": f"{slack_api.url}/api/"},
        server={"host": "127.0.0.1", "port": 0},
        web={"enabled": True, "refresh_seconds": 1},
    )
    secrets = Secrets(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, board_key=KEY)
    bot = await start_bot(config, secrets, clock)
    yield Board(bot, slack_api)
    await bot.stop()


async def a_season(board: Board) -> None:
    await board.command("UALICE", "newteam Red Rockets")
    await board.command("UBOB", f"newteam {SCRIPTED_XSS}")
    await board.command("UALICE", "12 km cycle", command="/log")
    await board.command("UBOB", "5 km run", command="/log")
    await board.command("UBOB", "hide")
    await board.settled()


# -- over HTTP ---------------------------------------------------------------------------------


async def test_a_wrong_or_missing_key_gets_404_and_nothing_else(board) -> None:
    for key in ("wrong", KEY[:-1], KEY + "x", ""):
        status, headers, body = await board.get("", key=key)
        assert status == 404 and b"Red" not in body, key
        status, _headers, _body = await board.get("/data.json", key=key)
        assert status == 404


async def test_the_page_carries_its_security_headers_and_no_inline_script(board) -> None:
    await a_season(board)
    status, headers, body = await board.get()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    page = body.decode()
    assert "<script>" not in page and "onerror=" not in page.replace("onerror=alert", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the team's name, as text


async def test_the_json_holds_what_the_page_shows_and_never_a_hidden_person(board) -> None:
    await a_season(board)
    status, headers, body = await board.get("/data.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["total"] == "17 km"
    assert [person["name"] for person in data["people"]] == ["Alice"]
    assert "Bob" not in body.decode() and "UBOB" not in body.decode()
    assert [team["name"] for team in data["teams"]] == ["Red Rockets", SCRIPTED_XSS]
    status, _headers, page = await board.get()
    assert "Bob" not in page.decode()


async def test_the_board_speaks_the_language_asked_for(board) -> None:
    await a_season(board)
    status, _headers, body = await board.get("?lang=de")
    page = body.decode()
    assert status == 200 and '<html lang="de">' in page and "17 km" in page
    assert "Tag 15 von 62" in page
    _status, _headers, english = await board.get("?lang=xx")  # unknown: the default
    assert '<html lang="en">' in english.decode()


async def test_only_photo_entries_are_served_with_their_type(board, tmp_path) -> None:
    from tests.test_slack import picture, share_in_dm

    await board.command("UALICE", "newteam Red Rockets")
    jpeg = picture("JPEG", "orange")
    await share_in_dm(board, "UALICE", "photo Sunrise", "sunrise.jpg", jpeg)
    await board.settled()
    data = json.loads((await board.get("/data.json"))[2])
    (entry,) = data["photos"]
    status, headers, body = await board.get("/" + entry["src"])
    assert status == 200 and body == jpeg and headers["Content-Type"] == "image/jpeg"
    assert "immutable" in headers["Cache-Control"]
    for path in ("/photo/" + "0" * 64, "/photo/..%2Fconfig.toml", "/photo/../../config.toml"):
        assert (await board.get(path))[0] == 404, path


async def test_the_map_is_served_and_changes_its_address_when_the_journey_moves(board) -> None:
    await a_season(board)
    data = json.loads((await board.get("/data.json"))[2])
    status, headers, png = await board.get("/" + data["map"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert png.startswith(b"\x89PNG")
    await board.command("UALICE", "30 km cycle", command="/log")
    await board.settled()
    moved = json.loads((await board.get("/data.json"))[2])
    assert moved["map"] != data["map"] and moved["total"] == "47 km"


# -- in a real browser -------------------------------------------------------------------------


def _browser_or_skip() -> Any:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("CI installs chromium and chromium-driver (.ci/run); they are missing")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1920,1080"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    driver = await asyncio.to_thread(_browser_or_skip)
    yield driver
    await asyncio.to_thread(driver.quit)


async def in_browser(call: Callable[..., Any], *arguments: Any) -> Any:
    """A blocking WebDriver call, off the event loop, where the bot answers the browser."""
    return await asyncio.to_thread(call, *arguments)


async def until(browser: Any, script: str, seconds: float = 15) -> Any:
    """Wait until `script` returns something true in the page."""
    for _ in range(int(seconds / 0.1)):
        value = await in_browser(browser.execute_script, script)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true in the page: {script}")


def field(name: str) -> str:
    return f"return document.querySelector('[data-field=\"{name}\"]').textContent"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_in_a_browser_the_numbers_change_without_a_reload(board, browser) -> None:
    await a_season(board)
    await in_browser(browser.get, board.base)
    assert await in_browser(browser.execute_script, field("total")) == "17 km"
    await in_browser(browser.execute_script, "window.sameDocument = 'yes'")
    await board.command("UALICE", "30 km cycle", command="/log")
    await until(browser, field("total") + " === '47 km'")
    assert await in_browser(browser.execute_script, "return window.sameDocument") == "yes"
    rows = await in_browser(
        browser.execute_script,
        "return [...document.querySelectorAll('[data-rows=teams] tr td:nth-child(2)')]"
        ".map(td => td.textContent)",
    )
    assert rows == ["Red Rockets", SCRIPTED_XSS]  # the name as text, not an image
    assert await in_browser(browser.execute_script, "return document.images.length") == 1
    people = await in_browser(
        browser.execute_script,
        "return document.querySelector('[data-rows=people]').textContent",
    )
    assert "Alice" in people and "Bob" not in people
    ARTIFACTS.mkdir(exist_ok=True)
    await until(browser, "return document.querySelector('.map').complete")
    await in_browser(browser.save_screenshot, str(ARTIFACTS / "board-1920.png"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_in_a_browser_the_phone_layout_fits_390_pixels(board, browser) -> None:
    await a_season(board)
    await in_browser(browser.set_window_size, 390, 844)
    await in_browser(browser.get, board.base)
    inner = await in_browser(browser.execute_script, "return window.innerWidth")
    wide = await in_browser(browser.execute_script, "return document.documentElement.scrollWidth")
    assert wide <= inner <= 390, (wide, inner)
    heading = await in_browser(
        browser.execute_script,
        "return getComputedStyle(document.querySelector('h1')).fontSize",
    )
    assert float(heading.removesuffix("px")) >= 28  # readable, not shrunk to fit
    ARTIFACTS.mkdir(exist_ok=True)
    await until(browser, "return document.querySelector('.map').complete")
    await in_browser(browser.save_screenshot, str(ARTIFACTS / "board-390.png"))
