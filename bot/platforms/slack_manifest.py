"""The Slack app manifest for this deployment: paste it at api.slack.com/apps to install."""

from typing import Any

from bot import i18n
from bot.commands import Help, Join, Log, Standings
from bot.config import Config
from bot.handlers.catalogue import declaration_of, menu
from bot.handlers.registry import Who
from bot.platforms.slack import EVENTS_PATH, LOG_COMMAND

BOT_SCOPES = (
    "app_mentions:read",  # @bot standings in a channel
    "channels:history",  # after a time-out: was the leaderboard posted? (never post twice)
    "chat:write",  # replies, announcements, leaderboards
    "commands",  # the slash commands
    "files:read",  # photos and activity files shared in the DM
    "files:write",  # the export and the charts
    "groups:history",  # the same check in private announcement channels
    "im:history",  # commands typed in the DM with the bot
    "im:write",  # opening that DM to send a file or a notice
    "users:read",  # display name and time zone
)


def manifest(config: Config, app_name: str = "Summer Challenge") -> dict[str, Any]:
    socket = config.slack.mode == "socket"
    base = config.slack.public_url or f"http://{config.server.host}:{config.server.port}"
    url = {} if socket else {"url": base + EVENTS_PATH}
    request_url = {} if socket else {"request_url": base + EVENTS_PATH}
    with i18n.using(config.languages.default):  # Slack shows one description to everyone
        everyone = menu(Who.EVERYONE, Who.MEMBERS)
    commands = [
        {
            "command": config.slack.command,
            "description": "The fundraising challenge: " + ", ".join(word for word, _ in everyone),
            # The first things a newcomer does.
            "usage_hint": " | ".join(
                declaration_of(c).example for c in (Help, Join, Log, Standings)
            ),
            "should_escape": False,
            **url,
        }
    ]
    if config.slack.command != LOG_COMMAND:
        log = declaration_of(Log)
        commands.append(
            {
                "command": LOG_COMMAND,
                "description": log.help[:1].upper() + log.help[1:],
                "usage_hint": log.example.removeprefix(f"{log.english} "),
                "should_escape": False,
                **url,
            }
        )
    return {
        "display_information": {
            "name": app_name,
            "description": f"{config.season.name}: log your km, raise money for charity",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": False,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": app_name, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {**request_url, "bot_events": ["app_mention", "message.im"]},
            "interactivity": {"is_enabled": True, **request_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket,
            "token_rotation_enabled": False,
        },
    }
