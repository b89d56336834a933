"""`mydata` on the real adapters: the file goes to the caller's private chat only, on Slack
(a DM upload) and on Telegram (a document in the private chat, even when asked in a group)."""

import json

from tests.test_slack import slack, slack_api  # noqa: F401 (fixtures)
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
