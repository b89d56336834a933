"""No log line at INFO or above carries what people typed or who they are: across a full
session of commands on the console chat, Slack and Telegram, every record (its message and
its fields, as the bot's formatter writes them) is free of names and message text. Logging
is captured at DEBUG, where libraries may show payloads; the brief allows text only there."""

import logging

import pytest

from bot.log_format import FieldsFormatter
from tests.test_privacy import send_photo
from tests.test_slack import slack, slack_api  # noqa: F401 (fixtures)
from tests.test_telegram import ALICE, BOB, GROUP, telegram, telegram_api  # noqa: F401

# Words that exist only in what people typed or in who they are.
SECRETS = ("Quokka", "quokka", "Keller", "Ortiz", "Alice", "bob_rides", "Zephyr")


def leaked(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = FieldsFormatter("%(levelname)s %(name)s %(message)s")
    lines = [formatter.format(r) for r in caplog.records if r.levelno >= logging.INFO]
    assert lines, "nothing was logged at INFO or above: the capture is not working"
    return [line for line in lines if any(secret in line for secret in SECRETS)]


def test_a_full_console_session_logs_no_text_and_no_names(chat, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    chat.make_admin("ada")

    def say(user: str, text: str, **extra) -> str:
        names = {"anna": "Anna Keller", "ben": "Ben Ortiz", "ada": "Ada Quokka"}
        return chat.say(user, text, display_name=names[user], **extra)

    for user, text in (
        ("anna", "/help"),
        ("anna", "/newteam Zephyr Quokkas"),
        ("ben", "/join zephyr quokas"),
        ("ben", "/join Zephyr Quokkas"),
        ("anna", "/log 12 km run"),
        ("anna", "/log 12,5 km quokka-ride"),
        ("ben", "/log 5 km walk yesterday"),
        ("ben", "/undo"),
        ("ben", "/log 6 km walk"),
        ("anna", "/me"),
        ("anna", "/standings people"),
        ("anna", "/team Zephyr Quokkas"),
        ("anna", "/timezone Europe/Quokka"),
        ("ada", "/admin charity add Quokka Rescue"),
        ("ada", "/admin charity add Oxfam"),
        ("ada", "/admin vote open"),
        ("ben", "/vote Quokka Rescue"),
        ("ada", "/admin remove 1 quokka duplicate"),
        ("ada", "/admin announce Quokka week!"),
        ("ada", "/admin export"),
        ("anna", "/privacy"),
        ("anna", "/mydata"),
        ("anna", "/hide"),
        ("anna", "/show"),
        ("anna", "/quokka"),
        ("anna", "/forgetme"),
        ("anna", "/forgetme confirm"),
    ):
        say(user, text)
    send_photo(chat, "ben", "Quokka Sunrise", "red")
    chat.say("ben", "/log 1 km run", delivery_id="again", display_name="Ben Ortiz")
    chat.say("ben", "/log 1 km run", delivery_id="again", display_name="Ben Ortiz")
    assert leaked(caplog) == []


async def test_a_slack_session_logs_no_text_and_no_names(slack, caplog) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    await slack.command("UALICE", "newteam Zephyr Quokkas")
    await slack.command("UALICE", "12 km run", command="/log")
    await slack.dm("UALICE", "quokka standings", "Ev1")
    await slack.mention("UALICE", "team Zephyr Quokkas", "Ev2")
    await slack.command("UALICE", "mydata")
    await slack.command("UALICE", "forgetme confirm")
    assert leaked(caplog) == []


async def test_a_telegram_session_logs_no_text_and_no_names(telegram, caplog) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    await telegram.ask(ALICE, "/newteam Zephyr Quokkas")
    await telegram.ask(BOB, "/join Zephyr Quokkas")
    await telegram.ask(BOB, "/log 4 km run")
    await telegram.ask(ALICE, "/quokka")
    await telegram.ask(ALICE, "/team", GROUP)
    await telegram.ask(ALICE, "/mydata")
    await telegram.ask(ALICE, "/forgetme confirm")
    assert leaked(caplog) == []
