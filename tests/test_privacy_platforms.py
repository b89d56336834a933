"""Privacy on the real adapters: `mydata`'s file goes to the caller's private chat only, on
Slack (a DM upload) and on Telegram (a document in the private chat, even when asked in a
group); `forgetme` is confirmed with its button; a hidden person is hidden in what others see."""

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import PlatformAccount
from tests.test_slack import buttons_in, press, slack, slack_api  # noqa: F401 (fixtures)
from tests.test_telegram import ALICE, BOB, GROUP, telegram, telegram_api  # noqa: F401


async def test_slack_sends_mydata_to_the_callers_dm_only(slack) -> None:  # noqa: F811
    await slack.command("UALICE", "newteam Red Rockets")
    await slack.command("UBOB", "join Red Rockets")
    await slack.command("UBOB", "4 km run", command="/log")
    await slack.command("UALICE", "3 km walk", command="/log")

    reply = await slack.command("UALICE", "mydata")
    assert "as a file for you only" in reply.get("text", "")
    (complete,) = slack.api.called("files.completeUploadExternal")
    assert complete["channel_id"] == "DUALICE"
    (content,) = [data for data in slack.api.uploads.values() if data]
    data = json.loads(content)
    assert data["participant"]["display_name"] == "Alice"
    assert data["accounts"] == [{"platform": "slack", "id": "UALICE"}]
    assert data["teams"][0]["team_total_m"] == 7000
    assert "Bob" not in content.decode() and "UBOB" not in content.decode()


async def test_telegram_sends_mydata_to_the_private_chat_even_when_asked_in_a_group(
    telegram,  # noqa: F811
) -> None:
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await telegram.ask(BOB, "/join Red Rockets")
    await telegram.ask(BOB, "/log 4 km run")

    reply = await telegram.ask(ALICE, "/mydata", GROUP)
    assert "as a file for you only" in reply["text"]
    (document,) = await telegram.api.wait_for(lambda: telegram.api.called("sendDocument"))
    assert document["chat_id"] == str(ALICE["id"])
    content = document["document"]["content"]
    data = json.loads(content)
    assert data["participant"]["display_name"] == "Alice Keller"
    assert data["accounts"] == [{"platform": "telegram", "id": str(ALICE["id"])}]
    assert data["teams"][0]["team_total_m"] == 4000
    assert b"Bob" not in content and b"bob_rides" not in content


def accounts(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return sorted(
            session.execute(select(PlatformAccount.platform, PlatformAccount.external_id)).all()
        )


async def test_slack_forgetme_by_its_button_and_hide_for_others(slack) -> None:  # noqa: F811
    await slack.command("UALICE", "newteam Red Rockets")
    await slack.command("UBOB", "join Red Rockets")
    await slack.command("UALICE", "3 km walk", command="/log")
    await slack.command("UBOB", "hide")
    assert "hidden participant" in (await slack.command("UALICE", "team")).get("text", "")

    asked = await slack.command("UALICE", "forgetme")
    (button,) = buttons_in(asked)
    assert button["value"] == "forgetme confirm"
    assert await press(slack, "UALICE", button, "DUALICE") == 200
    assert (
        "your name, accounts and time zone are erased"
        in slack.api.ephemerals_to("UALICE")[-1]["text"]
    )
    assert accounts(slack.bot.engine) == [("slack", "UBOB")]
    team = (await slack.command("UBOB", "team")).get("text", "")
    assert "Red Rockets: 3 km" in team and "Alice" not in team


async def test_telegram_forgetme_by_its_button_and_hide_in_the_group(telegram) -> None:  # noqa: F811
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await telegram.ask(BOB, "/join Red Rockets")
    await telegram.ask(BOB, "/log 4 km run")
    await telegram.ask(BOB, "/hide")
    listed = await telegram.ask(ALICE, "/standings people", GROUP)
    assert "hidden participant" in listed["text"] and "Bob" not in listed["text"]

    asked = await telegram.ask(BOB, "/forgetme")
    (row,) = asked["reply_markup"]["inline_keyboard"]
    assert row[0]["callback_data"] == "forgetme confirm"
    await telegram.press(BOB, "forgetme confirm")
    await telegram.message_saying(BOB, "your name, accounts and time zone are erased")
    assert accounts(telegram.bot.engine) == [("telegram", str(ALICE["id"]))]
    team = await telegram.ask(ALICE, "/team")
    assert "Red Rockets: 4 km" in team["text"] and "Former members contributed 4 km" in team["text"]
