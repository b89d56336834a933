"""The platforms' secrets: read from the environment, never shown."""

import logging

import pytest

from bot.config import ConfigError
from bot.platforms.credentials import Secrets
from tests.conftest import make_config

VALUES = {
    "slack_bot_token": "xoxb-never-shown",
    "slack_signing_secret": "signing-never-shown",
    "slack_app_token": "xapp-never-shown",
    "telegram_bot_token": "123:never-shown",
    "telegram_webhook_secret": "webhook-never-shown",
}


def test_no_way_of_printing_the_secrets_shows_one(caplog):
    secrets = Secrets(**VALUES)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("started with %s", secrets)
        logging.getLogger("test").info("started with %r", [secrets])
    shown = [repr(secrets), str(secrets), f"{secrets}", f"{secrets!r}"]
    shown += [repr({"secrets": secrets}), caplog.text]
    for text in shown:
        for value in VALUES.values():
            assert value not in text
            assert "never" not in text


def test_the_repr_names_the_secrets_that_are_set():
    secrets = Secrets(telegram_bot_token="123:abc")
    assert repr(secrets) == "Secrets(telegram_bot_token=***)"
    assert repr(Secrets()) == "Secrets()"


def test_the_enabled_platforms_secrets_come_from_the_environment(tmp_path):
    config = make_config(
        "sqlite://",
        tmp_path,
        slack={"enabled": True, "mode": "http"},
        telegram={"enabled": True, "mode": "polling"},
    )
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s-1",
        "TELEGRAM_BOT_TOKEN": "1:t",
        "UNRELATED": "x",
    }
    secrets = Secrets.from_environment(config, environ)
    assert secrets == Secrets(
        slack_bot_token="xoxb-1", slack_signing_secret="s-1", telegram_bot_token="1:t"
    )


def test_a_missing_secret_stops_start_up_by_name_only(tmp_path):
    webhook = {"enabled": True, "mode": "webhook", "webhook_url": "https://bot.example.com/tg"}
    config = make_config("sqlite://", tmp_path, telegram=webhook)
    with pytest.raises(ConfigError) as raised:
        Secrets.from_environment(config, {"TELEGRAM_BOT_TOKEN": "1:never-shown"})
    assert "TELEGRAM_WEBHOOK_SECRET" in str(raised.value)
    assert "never-shown" not in str(raised.value)
