"""One bot, one database, Slack and Telegram at once: the charity vote and the photo
competition across both, as the admins and employees of the brief would run them."""

from pathlib import Path

import pytest

from bot.app import Secrets, start_bot
from tests.conftest import Clock, make_config
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.test_slack import BOT_TOKEN as SLACK_TOKEN
from tests.test_slack import SIGNING_SECRET, SlackDriver, buttons_in, press
from tests.test_telegram import ADA, ALICE, BOB, GROUP, TelegramDriver, picture
from tests.test_telegram import BOT_TOKEN as TELEGRAM_TOKEN

SLACK_CHANNEL = "C0123456789"


@pytest.fixture
async def both(database_url: str, tmp_path: Path, clock: Clock):
    slack_api = FakeSlackApi(people={"USAM": {"name": "Sam"}, "UADMIN": {"name": "Admin"}})
    telegram_api = FakeTelegramApi(TELEGRAM_TOKEN)
    await slack_api.start()
    await telegram_api.start()
    config = make_config(
        database_url,
        tmp_path,
        slack={"enabled": True, "mode": "http", "api_url": f"{slack_api.url}/api/"},
        telegram={
            "enabled": True,
            "mode": "polling",
            "base_url": f"{telegram_api.url}/bot",
            "base_file_url": f"{telegram_api.url}/file/bot",
        },
        server={"host": "127.0.0.1", "port": 0},
        admins={"slack": ["UADMIN"], "telegram": [ADA["id"]]},
        announce=[
            {"platform": "slack", "chat": SLACK_CHANNEL},
            {"platform": "telegram", "chat": GROUP["id"]},
        ],
        photos={"media_dir": str(tmp_path / "media")},
    )
    secrets = Secrets(
        slack_bot_token=SLACK_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        telegram_bot_token=TELEGRAM_TOKEN,
    )
    bot = await start_bot(config, secrets, clock)
    yield SlackDriver(bot, slack_api), TelegramDriver(bot, telegram_api)
    await bot.stop()
    await slack_api.stop()
    await telegram_api.stop()


async def test_a_vote_opened_on_telegram_is_counted_across_both_platforms(both):
    slack, telegram = both
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await telegram.ask(BOB, "/join Red Rockets")
    await slack.command("USAM", "join Red Rockets")
    for charity in ("WWF", "Oxfam", "Red Cross"):
        await telegram.ask(ADA, f"/admin charity add {charity}")
    await telegram.ask(ADA, "/admin vote open")

    group_post = await telegram.message_saying(GROUP, "Vote for our charity!")
    assert [row[0]["text"] for row in group_post["reply_markup"]["inline_keyboard"]] == [
        "WWF",
        "Oxfam",
        "Red Cross",
    ]
    await slack.settle()
    (slack_post,) = slack.api.messages_to(SLACK_CHANNEL)
    slack_buttons = buttons_in(slack_post)
    assert [b["text"]["text"] for b in slack_buttons] == ["WWF", "Oxfam", "Red Cross"]

    await telegram.press(ALICE, "vote #2", GROUP)  # Oxfam
    await telegram.press(BOB, "vote #3", GROUP)  # Red Cross, then changed to Oxfam
    await telegram.press(BOB, "vote #2", GROUP)
    await press(slack, "USAM", slack_buttons[0], SLACK_CHANNEL)  # WWF

    await telegram.ask(ADA, "/admin vote close")
    result = await telegram.message_saying(GROUP, "The charity vote is closed")
    assert "Oxfam wins and receives the donation." in result["text"]
    await slack.settle()
    slack_result = slack.api.messages_to(SLACK_CHANNEL)[-1]["text"]
    assert "Oxfam wins and receives the donation." in slack_result
    counts = [line.split() for line in slack_result.splitlines() if len(line.split()) in (2, 3)]
    assert counts == [["charity", "votes"], ["Oxfam", "2"], ["WWF", "1"], ["Red", "Cross", "0"]]


async def test_a_photo_sent_on_telegram_wins_with_its_image_in_the_slack_channel(both):
    slack, telegram = both
    await telegram.ask(BOB, "/newteam Blue Bears")
    jpeg = picture("JPEG", "orange")
    assert "Entered photo #1" in await telegram.enter(BOB, jpeg, "/photo Sunset ride")
    await slack.command("UADMIN", "admin photos winner 1")
    (post,) = slack.api.messages_to(SLACK_CHANNEL)
    assert "The photo competition has a winner!" in post["text"]
    assert "Sunset ride, by Bob." in post["text"]
    assert jpeg in slack.api.uploads.values()
    (complete,) = slack.api.called("files.completeUploadExternal")
    assert complete["channel_id"] == SLACK_CHANNEL
    assert await telegram.api.wait_for(lambda: telegram.api.photos_to(GROUP["id"])) == [jpeg]
