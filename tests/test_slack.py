"""Slack over HTTP: the real Bolt app behind the bot's server, signed requests in, a fake
Slack Web API on 127.0.0.1 recording what the bot sends."""

import asyncio
import io
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from PIL import Image

from bot.app import RunningBot, Secrets, start_bot
from bot.background import Background
from bot.platforms.slack import CallBudget
from tests.conftest import Clock, enter_photos, make_config
from tests.fakes.platform_requests import button_press_body, slash_command_body
from tests.fakes.slack_api import FakeSlackApi, blocks_are_valid, signed_headers

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token-never-logged"


class SlackDriver:
    """Sends what Slack would send to the bot's /slack/events, correctly signed."""

    def __init__(self, bot: RunningBot, api: FakeSlackApi) -> None:
        self.bot = bot
        self.api = api
        self.url = f"http://127.0.0.1:{bot.server.port}/slack/events"
        self._triggers = 0

    async def post(
        self, body: str | bytes, content_type: str, **header_overrides: Any
    ) -> aiohttp.ClientResponse:
        headers = {"Content-Type": content_type, **signed_headers(SIGNING_SECRET, body)}
        headers.update(header_overrides)
        data = body.encode() if isinstance(body, str) else body
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, data=data, headers=headers) as response:
                await response.read()
                return response

    async def command(
        self, user: str, text: str, command: str = "/challenge", settle: bool = True
    ) -> dict[str, Any]:
        """A slash command; returns the ephemeral reply carried by the ack, once the work
        after the ack is done too (unless told not to wait for it)."""
        self._triggers += 1
        body = slash_command_body(user, text, command, self._triggers)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **signed_headers(SIGNING_SECRET, body),
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, data=body.encode(), headers=headers) as response:
                assert response.status == 200, await response.text()
                text_body = await response.text()
        if settle:
            await self.settle()
        return json.loads(text_body) if text_body else {}

    async def event(self, event: dict[str, Any], event_id: str, retry: int | None = None) -> int:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            }
        )
        extra = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        response = await self.post(body, "application/json", **extra)
        await self.settle()
        return response.status

    async def dm(self, user: str, text: str, event_id: str, retry: int | None = None) -> int:
        return await self.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{user}",
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
                "event_ts": f"{time.time():.6f}",
            },
            event_id,
            retry,
        )

    async def mention(self, user: str, text: str, event_id: str) -> int:
        return await self.event(
            {
                "type": "app_mention",
                "channel": "C0GENERAL",
                "user": user,
                "text": f"<@UBOT> {text}",
                "ts": f"{time.time():.6f}",
            },
            event_id,
        )

    async def settle(self) -> None:
        """Wait for the work the bot does after acknowledging."""
        for adapter in self.bot.adapters:
            for work in vars(adapter).values():
                if isinstance(work, Background):
                    await work.finish()


def reply_text(reply: dict[str, Any]) -> str:
    return reply.get("text", "")


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(
        people={
            "UALICE": {"name": "Alice"},
            "UBOB": {"name": "Bob", "tz": "Asia/Tokyo"},
            "UFRANZ": {"name": "Franz", "locale": "de-DE"},
            "UFLEUR": {"name": "Fleur", "locale": "fr-FR"},
        }
    )
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def slack(database_url: str, tmp_path: Path, slack_api: FakeSlackApi, clock: Clock):
    config = make_config(
        database_url,
        tmp_path,
        slack={
            "enabled": True,
            "mode": "http",
            "command": "/challenge",
            "api_url": f"{slack_api.url}/api/",
        },
        server={"host": "127.0.0.1", "port": 0},
    )
    bot = await start_bot(
        config, Secrets(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET), clock
    )
    yield SlackDriver(bot, slack_api)
    await bot.stop()


async def test_two_users_create_join_log_and_see_the_standings(slack):
    created = await slack.command("UALICE", "newteam Red Rockets")
    assert created["response_type"] == "ephemeral"
    assert "Team Red Rockets is created, and you are its captain." in reply_text(created)

    joined = await slack.command("UBOB", "join red rockets")
    assert "Welcome to Red Rockets!" in reply_text(joined)

    logged = await slack.command("UBOB", "12km cycle", command="/log")
    assert "Logged #1: 12 km cycle on Thu 15 Jul 2021." in reply_text(logged)
    assert "Red Rockets: 12 km, rank 1 of 1 team." in reply_text(logged)

    standings = await slack.command("UALICE", "standings")
    blocks = standings["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Team standings, Thu 15 Jul 2021", "emoji": False},
    }
    table = blocks[1]["text"]["text"]
    assert table.startswith(
        "```"
    ) and "> 1  Red Rockets  12.0        2        6.0" in table.replace("&gt;", ">")
    # Replies ride on each caller's own ack; nothing was posted to a channel.
    assert slack.api.called("chat.postMessage") == []


async def test_the_people_a_process_remembers_are_bounded_and_the_least_recent_asked_again(
    slack,
):
    (adapter,) = slack.bot.adapters
    adapter.people.remembered = 2
    for user in ("UALICE", "UBOB", "UALICE", "UFRANZ"):
        await slack.command(user, "help")
    # Bob was the least recent when Franz came: forgotten, and asked about again.
    assert len(adapter.people) == 2
    reply = await slack.command("UBOB", "newteam Tokyo Tigers")
    assert "Tokyo Tigers" in reply_text(reply)
    assert [c["user"] for c in slack.api.called("users.info")] == [
        "UALICE",
        "UBOB",
        "UFRANZ",
        "UBOB",
    ]
    assert "Bob (captain)" in reply_text(await slack.command("UBOB", "team"))


async def test_past_slacks_rate_for_users_info_a_newcomer_is_answered_at_once_and_asked_later(
    slack,
):
    (adapter,) = slack.bot.adapters
    now = [0.0]
    adapter.users_info_budget = CallBudget(per_minute=60, burst=1, clock=lambda: now[0])
    await slack.command("UALICE", "newteam Red Rockets")
    started = time.monotonic()
    reply = await slack.command("UBOB", "join Red Rockets")  # no call left this second
    assert time.monotonic() - started < 0.5 and "Welcome" in reply_text(reply)
    assert [c["user"] for c in slack.api.called("users.info")] == ["UALICE"]
    assert "UBOB" in reply_text(await slack.command("UALICE", "team"))  # known by id so far
    now[0] = 1.0  # a second later, one more call may be made: Bob's name is asked then
    await slack.command("UBOB", "me")
    assert [c["user"] for c in slack.api.called("users.info")] == ["UALICE", "UBOB"]
    team = reply_text(await slack.command("UALICE", "team"))
    assert "Bob" in team and "UBOB" not in team


async def test_display_name_and_time_zone_come_from_users_info_once(slack):
    await slack.command("UBOB", "newteam Tokyo Tigers")
    await slack.command("UBOB", "team")
    assert [c["user"] for c in slack.api.called("users.info")] == ["UBOB"]
    # 2021-07-15 12:00 in London is 20:00 in Tokyo: still the 15th; at 17:00 London it is the 16th.
    slack.bot.dispatcher.clock.now = slack.bot.dispatcher.clock.now.replace(hour=17)
    logged = await slack.command("UBOB", "5 km run", command="/log")
    assert "on Fri 16 Jul 2021" in reply_text(logged)
    team = await slack.command("UBOB", "team")
    assert "Bob (captain)" in reply_text(team)


async def test_a_direct_message_is_answered_in_the_dm(slack):
    assert await slack.dm("UALICE", "newteam Red Rockets", event_id="Ev1") == 200
    (message,) = slack.api.messages_to("DUALICE")
    assert "Team Red Rockets is created" in message["text"]
    assert message["blocks"][0]["type"] == "section"


async def test_a_mention_is_answered_to_the_caller_only(slack):
    await slack.mention("UALICE", "totals", event_id="Ev2")
    (ephemeral,) = slack.api.ephemerals_to("UALICE")
    assert ephemeral["channel"] == "C0GENERAL"
    assert "Summer Challenge 2021: 0 km so far" in ephemeral["text"]
    assert slack.api.messages_to("C0GENERAL") == []


async def test_a_retried_event_logs_once_and_answers_once(slack):
    await slack.command("UALICE", "newteam Red Rockets")
    await slack.dm("UALICE", "log 2 km run", event_id="Ev1")
    await slack.dm("UALICE", "log 2 km run", event_id="Ev1", retry=1)
    replies = slack.api.messages_to("DUALICE")
    assert len(replies) == 1 and "Logged #1: 2 km run" in replies[0]["text"]
    team = await slack.command("UALICE", "team")
    assert "Red Rockets: 2 km" in reply_text(team)


async def test_a_bad_signature_gets_401_and_changes_nothing(slack):
    body = urlencode(
        {
            "command": "/challenge",
            "text": "newteam Sneaky",
            "user_id": "UEVE",
            "channel_id": "C1",
            "team_id": "T1",
            "trigger_id": "t-x",
        }
    )
    bad = await slack.post(
        body, "application/x-www-form-urlencoded", **{"X-Slack-Signature": "v0=" + "0" * 64}
    )
    stale = await slack.post(
        body,
        "application/x-www-form-urlencoded",
        **signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600),
    )
    assert (bad.status, stale.status) == (401, 401)
    standings = await slack.command("UALICE", "standings")
    assert "No teams yet" in reply_text(standings)


async def test_a_team_named_like_a_ping_never_pings(slack):
    await slack.command("UALICE", "newteam <!channel> & co")
    standings = await slack.command("UALICE", "standings")
    table = standings["blocks"][1]["text"]["text"]
    assert "&lt;!channel&gt; &amp; co" in table
    assert "<!channel>" not in json.dumps(standings)


async def test_an_admin_announcement_reaches_the_announcement_channel(slack):
    reply = await slack.command("UADMIN", "admin announce Last week, keep going!")
    assert "Announced" in reply_text(reply)
    (post,) = slack.api.messages_to("C0123456789")
    assert post["text"] == "Last week, keep going!"


async def test_the_export_is_uploaded_to_the_admins_dm(slack):
    await slack.command("UALICE", "newteam Red Rockets")
    await slack.command("UALICE", "3 km walk", command="/log")
    await slack.command("UADMIN", "admin export")
    (complete,) = slack.api.called("files.completeUploadExternal")
    assert complete["channel_id"] == "DUADMIN"
    (content,) = [data for data in slack.api.uploads.values() if data]
    lines = content.decode().splitlines()
    assert (
        lines[0].startswith("id,day,kind,distance_m")
        and ",walk,3000,Alice,Red Rockets," in lines[1]
    )


async def test_a_rate_limited_send_is_retried_after_retry_after(slack):
    slack.api.fail_next("chat.postMessage", 429, {"Retry-After": "1"})
    await slack.command("UADMIN", "admin announce Hello")
    posts = slack.api.messages_to("C0123456789")
    assert len(posts) == 2 and all(p["text"] == "Hello" for p in posts)


async def test_a_list_too_long_for_one_message_comes_in_several(slack, clock):
    await slack.command("UADMIN", "newteam Admins & Co")
    titles = [f"Morning ride <{number:04}> over the hills & far away" for number in range(2100)]
    enter_photos(slack.bot.engine, titles, clock())

    acked = await slack.command("UADMIN", "admin photos list")
    more = slack.api.ephemerals_to("UADMIN")
    messages = [acked, *more]
    assert len(more) >= 1 and all(blocks_are_valid(m["blocks"]) for m in messages)
    assert not [
        call
        for call in slack.api.calls
        if call.method.startswith("chat.") and not blocks_are_valid(call.params.get("blocks") or [])
    ]
    sections = [
        block["text"]["text"]
        for m in messages
        for block in m["blocks"]
        if block["type"] == "section"
    ]
    tables = [section for section in sections if section.startswith("```")]
    # Each section is a whole table of its own, header first, rather than a cut-off piece.
    for table in tables:
        assert table.endswith("\n```") and table.split("\n")[1].split() == [
            "id",
            "by",
            "title",
            "size",
        ]
    every_row = "".join(tables)
    for title in titles:
        escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert every_row.count(escaped) == 1
    assert "Pick the winner" in messages[-1]["blocks"][-1]["text"]["text"]


async def test_healthz_answers(slack):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{slack.bot.server.port}/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"


async def test_socket_mode_answers_a_slash_command_over_the_websocket(
    database_url: str, tmp_path: Path, slack_api: FakeSlackApi, clock: Clock
):
    config = make_config(
        database_url,
        tmp_path,
        slack={"enabled": True, "mode": "socket", "api_url": f"{slack_api.url}/api/"},
        server={"host": "127.0.0.1", "port": 0},
    )
    bot = await start_bot(
        config, Secrets(slack_bot_token=BOT_TOKEN, slack_app_token="xapp-test"), clock
    )
    try:
        await wait_for(lambda: slack_api._sockets)
        await slack_api.push_envelope(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": "T1",
                    "channel_id": "C0GENERAL",
                    "user_id": "UALICE",
                    "command": "/challenge",
                    "text": "newteam Socket Stars",
                    "api_app_id": "A1",
                    "trigger_id": "trigger-s1",
                    "response_url": f"{slack_api.url}/response/s1",
                },
            }
        )
        await wait_for(lambda: slack_api.socket_acks)
        (ack,) = slack_api.socket_acks
        assert ack["envelope_id"] == "env-1"
        assert "Team Socket Stars is created" in ack["payload"]["text"]
    finally:
        await bot.stop()


async def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def press(slack: SlackDriver, user: str, button: dict[str, Any], channel: str) -> int:
    """`user` presses `button` (as found in a message's blocks) in `channel`."""
    response = await slack.post(
        button_press_body(user, button, channel), "application/x-www-form-urlencoded"
    )
    await slack.settle()
    return response.status


def buttons_in(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_the_vote_announcement_has_buttons_and_a_press_votes(slack):
    for user, team in (("UALICE", "Red Rockets"), ("UBOB", "Blue Bears")):
        await slack.command(user, f"newteam {team}")
    for charity in ("WWF", "Oxfam", "Red Cross"):
        await slack.command("UADMIN", f"admin charity add {charity}")
    await slack.command("UADMIN", "admin vote open")
    (announcement,) = slack.api.messages_to("C0123456789")
    buttons = buttons_in(announcement)
    assert [b["text"]["text"] for b in buttons] == ["WWF", "Oxfam", "Red Cross"]
    wwf, oxfam, _ = buttons

    assert await press(slack, "UALICE", wwf, "C0123456789") == 200
    assert await press(slack, "UBOB", wwf, "C0123456789") == 200
    await press(slack, "UBOB", oxfam, "C0123456789")  # Bob changes his mind
    confirmations = [e["text"] for e in slack.api.ephemerals_to("UBOB")]
    assert "Your vote: Oxfam (changed)." in confirmations[-1]

    await slack.command("UADMIN", "admin vote close")
    result = slack.api.messages_to("C0123456789")[-1]["text"]
    assert "It's a tie between WWF and Oxfam" in result


async def test_a_non_admin_pressing_an_admin_button_is_refused(slack):
    for charity in ("WWF", "Oxfam"):
        await slack.command("UADMIN", f"admin charity add {charity}")
    await slack.command("UADMIN", "admin vote open")
    close = {
        "action_id": "challenge-button-0",
        "text": {"type": "plain_text", "text": "Close"},
        "value": "admin vote close",
    }
    await press(slack, "UALICE", close, "C0123456789")
    (refusal,) = slack.api.ephemerals_to("UALICE")
    assert "Only the challenge admins can do that." in refusal["text"]
    assert len(slack.api.messages_to("C0123456789")) == 1  # no result was announced


def picture(kind: str, colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format=kind)
    return buffer.getvalue()


async def share_in_dm(
    slack: SlackDriver, user: str, text: str, name: str, content: bytes, gone: bool = False
) -> None:
    """A file_share message event: the user drops a file into the DM with the bot (and,
    when `gone`, deletes it before the bot fetches it)."""
    file = slack.api.share_file(name, content)
    if gone:
        del slack.api.shared_files[name]
    await slack.event(
        {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": text,
            "files": [file],
            "ts": f"{time.time():.6f}",
        },
        event_id=f"Ev-{name}",
    )


async def test_a_photo_shared_in_the_dm_enters_the_competition(slack):
    await slack.command("UALICE", "newteam Red Rockets")
    await share_in_dm(
        slack, "UALICE", "photo Sunrise over the Taff", "sunrise.jpg", picture("JPEG", "purple")
    )
    (reply,) = slack.api.messages_to("DUALICE")
    assert "Entered photo #1 Sunrise over the Taff" in reply["text"]
    assert slack.api.download_auth == [f"Bearer {BOT_TOKEN}"]

    await share_in_dm(slack, "UALICE", "photo Fake", "fake.jpg", b"not a picture at all")
    assert "not a picture I can read" in slack.api.messages_to("DUALICE")[-1]["text"]


async def test_a_file_sent_with_a_command_that_takes_none_is_never_downloaded(slack):
    await slack.command("UALICE", "newteam Red Rockets")
    await share_in_dm(slack, "UALICE", "photos", "sunrise.jpg", picture("JPEG", "purple"))
    (reply,) = slack.api.messages_to("DUALICE")
    assert "You have not entered any photos yet." in reply["text"]
    await share_in_dm(slack, "UALICE", "log 5 km run", "route.jpg", picture("PNG", "green"))
    assert "Logged #1" in slack.api.messages_to("DUALICE")[-1]["text"]
    assert slack.api.download_auth == []


async def test_a_photo_of_several_megabytes_is_downloaded_whole(slack):
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    await slack.command("UALICE", "newteam Red Rockets")
    await share_in_dm(slack, "UALICE", "photo Static", "static.png", buffer.getvalue())
    assert "Entered photo #1 Static" in slack.api.messages_to("DUALICE")[-1]["text"]
    media_dir = slack.bot.config.photos.media_dir
    assert [path.read_bytes() for path in media_dir.iterdir()] == [buffer.getvalue()]


async def test_a_photo_slack_fails_to_hand_over_is_asked_for_again(slack):
    await slack.command("UALICE", "newteam Red Rockets")
    await share_in_dm(slack, "UALICE", "photo Gone", "gone.jpg", picture("JPEG", "red"), gone=True)
    (reply,) = slack.api.messages_to("DUALICE")
    assert "I couldn't fetch that file; please send it again." in reply["text"]
    assert len(slack.api.download_auth) == 1


async def test_a_file_hosted_outside_slack_gets_the_true_reason_and_no_token(slack):
    await slack.command("UALICE", "newteam Red Rockets")
    file = slack.api.share_file("elsewhere.jpg", picture("JPEG", "red"))
    file["url_private_download"] = "https://files.example.net/elsewhere.jpg"
    await slack.event(
        {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "channel": "DUALICE",
            "user": "UALICE",
            "text": "photo Elsewhere",
            "files": [file],
            "ts": f"{time.time():.6f}",
        },
        event_id="Ev-elsewhere",
    )
    (reply,) = slack.api.messages_to("DUALICE")
    assert "a link to somewhere else" in reply["text"] and "10 MB" not in reply["text"]
    assert slack.api.download_auth == []


async def test_the_winning_photo_is_uploaded_to_the_announcement_channel(slack):
    png = picture("PNG", "teal")
    await slack.command("UALICE", "newteam Red Rockets")
    await share_in_dm(slack, "UALICE", "photo Evening ride", "ride.png", png)
    await slack.command("UADMIN", "admin photos winner 1")
    (post,) = slack.api.messages_to("C0123456789")
    assert "Evening ride, by Alice." in post["text"]
    (complete,) = slack.api.called("files.completeUploadExternal")
    assert complete["channel_id"] == "C0123456789"
    assert png in slack.api.uploads.values()


async def test_a_slack_user_is_answered_in_their_slack_locale(slack):
    reply = await slack.command("UFRANZ", "admin post")
    assert "Das können nur die Admins der Challenge." in reply_text(reply)
    (call,) = slack.api.called("users.info")
    assert call["user"] == "UFRANZ" and str(call["include_locale"]).lower() in ("true", "1")


async def test_a_german_day_on_slack(slack):
    said = reply_text(await slack.command("UFRANZ", "newteam Rote Raketen"))
    assert "Das Team Rote Raketen ist gegründet" in said
    said = reply_text(await slack.command("UFRANZ", "12,5 km rad", command="/log"))
    assert "12,5 km Radfahren am Do., 15. Juli 2021." in said
    said = reply_text(await slack.command("UFRANZ", "standings"))
    assert "Team-Rangliste, Do., 15. Juli 2021" in said
    said = reply_text(await slack.command("UFRANZ", "language klingon"))
    assert "Die Sprache 'klingon' spreche ich nicht. Wähle eine davon: en (English)" in said


async def test_a_french_day_on_slack(slack):
    said = reply_text(await slack.command("UFLEUR", "newteam Les Fusées"))
    assert "L'équipe Les Fusées est créée, et vous en êtes capitaine." in said
    said = reply_text(await slack.command("UFLEUR", "12,5 km vélo hier", command="/log"))
    assert "12,5 km de vélo le mer. 14 juil. 2021." in said
    said = reply_text(await slack.command("UFLEUR", "totals"))
    assert "Don jusqu'ici\xa0: 1\xa0€ à 0,10\xa0€ par km." in said
    said = reply_text(await slack.command("UFLEUR", "5 km", command="/log"))
    assert "Course, marche ou vélo\xa0?" in said


# -- many announcement channels ----------------------------------------------------------------

CHANNELS = [f"C{n:010d}" for n in range(1, 6)]


@pytest.fixture
async def slack_in_five_channels(database_url: str, tmp_path: Path, slack_api: FakeSlackApi, clock):
    config = make_config(
        database_url,
        tmp_path,
        slack={"enabled": True, "mode": "http", "api_url": f"{slack_api.url}/api/"},
        server={"host": "127.0.0.1", "port": 0},
        announce=[{"platform": "slack", "chat": chat} for chat in CHANNELS],
    )
    bot = await start_bot(
        config, Secrets(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET), clock
    )
    yield SlackDriver(bot, slack_api)
    await bot.stop()


async def test_the_daily_post_uploads_each_image_once_into_every_channel(slack_in_five_channels):
    slack = slack_in_five_channels
    await slack.command("UALICE", "newteam Red Rockets")
    await slack.command("UALICE", "12 km cycle", command="/log")
    slack.bot.dispatcher.clock.now = slack.bot.dispatcher.clock.now.replace(hour=18, minute=1)
    assert await slack.bot.schedule.post_leaderboard() is True
    assert all(len(slack.api.messages_to(chat)) == 1 for chat in CHANNELS)
    # The chart and the journey's map: two uploads in all, each shared into the five channels.
    completed = slack.api.called("files.completeUploadExternal")
    assert len(slack.api.called("files.getUploadURLExternal")) == len(completed) == 2
    assert [call["channels"] for call in completed] == [",".join(CHANNELS)] * 2
    assert sorted(f["title"] for call in completed for f in call["files"])[0].endswith(".png")


async def test_a_shared_upload_refused_is_tried_channel_by_channel(slack_in_five_channels):
    slack = slack_in_five_channels
    await slack.command("UALICE", "newteam Red Rockets")
    slack.api.fail_next("files.completeUploadExternal", 200, error="not_in_channel")
    slack.api.fail_next("files.completeUploadExternal", 200, error="not_in_channel")  # C1 alone
    slack.bot.dispatcher.clock.now = slack.bot.dispatcher.clock.now.replace(hour=18, minute=1)
    assert await slack.bot.schedule.post_leaderboard() is True
    completed = slack.api.called("files.completeUploadExternal")
    alone = [call["channel_id"] for call in completed if "channel_id" in call]
    # Each channel on its own, both images; the one the bot is not in refused the first and
    # was not tried again. The shared upload was not tried again for the second image.
    assert sorted(set(alone)) == CHANNELS and len(alone) == 2 * len(CHANNELS) - 1
    assert sum("channels" in call for call in completed) == 1
    assert len(slack.api.uploads) == 1 + 2 * len(CHANNELS) - 1  # the shared one, then each
