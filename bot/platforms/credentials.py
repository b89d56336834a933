"""The platforms' tokens and signing secrets: read from the environment once, never shown."""

from collections.abc import Mapping
from dataclasses import dataclass, fields

from bot.config import Config, ConfigError

# The board's key is the whole of its protection: long enough not to be guessed.
MIN_BOARD_KEY = 16


@dataclass(frozen=True)
class Secrets:
    """From the environment only. Its repr and str name the secrets that are set, never
    their values, so that a log line or a traceback showing it leaks nothing."""

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    board_key: str = ""  # the secret part of the web board's address

    def __repr__(self) -> str:
        present = ", ".join(f"{f.name}=***" for f in fields(self) if getattr(self, f.name))
        return f"Secrets({present})"

    @classmethod
    def from_environment(cls, config: Config, environ: Mapping[str, str]) -> "Secrets":
        """The tokens the enabled platforms need; a missing one stops start-up by name."""
        secrets = cls(
            slack_bot_token=environ.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=environ.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=environ.get("SLACK_APP_TOKEN", ""),
            telegram_bot_token=environ.get("TELEGRAM_BOT_TOKEN", ""),
            telegram_webhook_secret=environ.get("TELEGRAM_WEBHOOK_SECRET", ""),
            board_key=environ.get("BOARD_KEY", ""),
        )
        needed: list[str] = []
        if config.slack.enabled:
            needed.append("SLACK_BOT_TOKEN")
            needed.append(
                "SLACK_SIGNING_SECRET" if config.slack.mode == "http" else "SLACK_APP_TOKEN"
            )
        if config.telegram.enabled:
            needed.append("TELEGRAM_BOT_TOKEN")
            if config.telegram.mode == "webhook":
                needed.append("TELEGRAM_WEBHOOK_SECRET")
        missing = [name for name in needed if not environ.get(name)]
        if missing:
            raise ConfigError(
                f"the environment variable(s) {', '.join(missing)} must be set for the "
                "enabled platform(s)"
            )
        secrets.check_board_key(config)
        return secrets

    def check_board_key(self, config: Config) -> None:
        """The board's address must not be guessable: a missing or short key stops start-up."""
        if config.web.enabled and len(self.board_key) < MIN_BOARD_KEY:
            raise ConfigError(
                f"[web] is enabled: the environment variable BOARD_KEY must be set to a secret "
                f"of at least {MIN_BOARD_KEY} characters (for example: openssl rand -hex 16)"
            )
