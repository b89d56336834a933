"""One person on both platforms: a code from Slack, typed on Telegram, joins the two accounts
into one participant: their logs merge, totals and ranks stay right, `mydata` shows both
accounts and `forgetme` erases both."""

import json
import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Participant, PlatformAccount, Team
from tests.fakes.telegram_api import BOT_ID
from tests.test_reliability import LOGGED, Person, both, wait_until  # noqa: F401

ALICE_SLACK = Person("slack", "UALICE")
ALICE_TELEGRAM = Person("telegram", "1001")
BOB = Person("telegram", "1002")
CODE = re.compile(r"\d{4}-\d{4}")


def teams(running) -> dict[str, tuple[int, int]]:
    """Each team's (km in metres, members), as stored."""
    with Session(running.engine) as session:
        return {t.name: (t.total_m, t.member_count) for t in session.scalars(select(Team))}


def owners(running) -> list[int]:
    with Session(running.engine) as session:
        return list(session.scalars(select(PlatformAccount.participant_id)))


def accounts(running) -> list[tuple[str, str]]:
    with Session(running.engine) as session:
        rows = session.execute(
            select(PlatformAccount.platform, PlatformAccount.external_id).order_by(
                PlatformAccount.platform
            )
        )
        return [tuple(row) for row in rows]


async def test_a_slack_and_a_telegram_account_become_one_participant(both) -> None:  # noqa: F811
    assert "is created" in await both.ask(ALICE_SLACK, "newteam Red Rockets")
    assert LOGGED.search(await both.ask(ALICE_SLACK, "log 10 km run"))
    assert "is created" in await both.ask(ALICE_TELEGRAM, "newteam Blue Herons")
    assert LOGGED.search(await both.ask(ALICE_TELEGRAM, "log 5 km walk"))
    assert "Welcome" in await both.ask(BOB, "join Blue Herons")
    assert LOGGED.search(await both.ask(BOB, "log 12 km cycle"))
    before = teams(both)

    asked = await both.ask(ALICE_SLACK, "link")
    code = CODE.findall(asked)[0]
    assert "Within 10 minutes, send link" in asked
    assert "Send this code to me on your other platform" in await both.ask(
        ALICE_SLACK, f"link {code}"
    )
    question = await both.ask(ALICE_TELEGRAM, f"link {code}")
    assert "Your accounts are in two teams: Red Rockets and Blue Herons." in question
    (buttons,) = [
        call.params["reply_markup"]
        for call in both.telegram_api.calls
        if call.method == "sendMessage" and "two teams" in call.params.get("text", "")
    ]
    presses = [b["callback_data"] for row in buttons["inline_keyboard"] for b in row]
    red = next(data for data in presses if data.startswith(f"link {code} keep "))
    assert len(presses) == 2

    # The press says which team to keep: Red Rockets, where the Slack account logs.
    user = ALICE_TELEGRAM.telegram_user
    private = {"id": user["id"], "first_name": user["first_name"], "type": "private"}
    update = both.telegram.press(user, red, private, BOT_ID)
    assert await both.telegram.post(update) == 200
    await wait_until(lambda: len(set(owners(both))) == 2, seconds=10)  # Alice's two, and Bob
    linked = await both.ask(ALICE_SLACK, "me")
    assert "15 km" in linked
    assert {("slack", "UALICE"), ("telegram", "1001")} <= set(accounts(both))
    with Session(both.engine) as session:
        holders = session.scalars(
            select(PlatformAccount.participant_id).where(
                PlatformAccount.external_id.in_(["UALICE", "1001"])
            )
        ).all()
        assert len(set(holders)) == 1
    # The teams' km do not move: Alice's walk stays with Blue Herons, which she left.
    after = teams(both)
    assert after["Red Rockets"] == before["Red Rockets"]
    assert after["Blue Herons"] == (before["Blue Herons"][0], before["Blue Herons"][1] - 1)
    people = await both.ask(BOB, "standings people")
    assert people.count("Red Rockets") == 1  # one Alice, with 15 km
    assert "15.0" in people and "12.0" in people
    again = await both.ask(ALICE_TELEGRAM, f"link {code}")
    assert "unknown or has expired" in again  # a code works once


async def test_mydata_shows_both_accounts_and_forgetme_erases_both(both) -> None:  # noqa: F811
    assert "is created" in await both.ask(ALICE_SLACK, "newteam Red Rockets")
    assert LOGGED.search(await both.ask(ALICE_TELEGRAM, "log 5 km walk")) is None  # no team yet
    code = CODE.findall(await both.ask(ALICE_TELEGRAM, "link"))[0]
    linked = await both.ask(ALICE_SLACK, f"link {code}")
    assert "Linked: your accounts on Slack, Telegram are one participant now." in linked
    assert LOGGED.search(await both.ask(ALICE_TELEGRAM, "log 5 km walk"))  # now in the team
    await both.ask(ALICE_SLACK, "mydata")
    await wait_until(lambda: both.slack_api.called("files.completeUploadExternal"), seconds=10)
    (complete,) = both.slack_api.called("files.completeUploadExternal")
    data = json.loads(next(content for content in both.slack_api.uploads.values() if content))
    assert {(a["platform"], a["id"]) for a in data["accounts"]} == {
        ("slack", "UALICE"),
        ("telegram", "1001"),
    }
    assert complete["channel_id"] == "DUALICE"
    assert "Done: your name, accounts and time zone are erased" in await both.ask(
        ALICE_TELEGRAM, "forgetme confirm"
    )
    assert accounts(both) == []
    with Session(both.engine) as session:
        named = session.scalar(
            select(func.count()).select_from(Participant).where(Participant.display_name != "")
        )
    assert named == 0


async def test_an_expired_code_is_refused(both, clock) -> None:  # noqa: F811
    code = CODE.findall(await both.ask(ALICE_SLACK, "link"))[0]
    clock.now += timedelta(minutes=11)
    assert "unknown or has expired" in await both.ask(ALICE_TELEGRAM, f"link {code}")
    assert len({owner for owner in owners(both)}) == 2
