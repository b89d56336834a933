"""Start the Summer Challenge bot: `python main.py [console|demo|export] [--config PATH]`."""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys

from bot.app import Secrets, start_bot
from bot.config import Config, ConfigError, config_path, load_config
from bot.log_format import configure_logging
from bot.platforms.console import Console
from bot.startup import open_challenge


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__)
    parser.add_argument("--config", help="config file (default: $CHALLENGE_CONFIG or config.toml)")
    parser.add_argument(
        "mode",
        nargs="?",
        default="run",
        choices=("run", "console", "demo", "export", "slack-manifest"),
        help="run: the enabled platforms, or the console when none is; "
        "demo: a sample season in its own database; export: all activities as CSV on stdout; "
        "slack-manifest: the Slack app manifest for this configuration",
    )
    args = parser.parse_args(argv)
    configure_logging(logging.WARNING)
    try:
        config = load_config(config_path(args.config, os.environ))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2

    if args.mode == "demo":
        from bot.demo import demo_config, populate

        config = demo_config(config)
        populate(config)
        return run_console(config)
    if args.mode == "export":
        return export(config)
    if args.mode == "slack-manifest":
        from bot.platforms.slack_manifest import manifest

        print(json.dumps(manifest(config), indent=2))
        return 0
    if args.mode == "run" and (config.slack.enabled or config.telegram.enabled):
        configure_logging(logging.INFO)
        try:
            asyncio.run(serve(config, Secrets.from_environment(config, os.environ)))
        except ConfigError as error:
            print(f"Configuration error: {error}", file=sys.stderr)
            return 2
        return 0
    return run_console(config)


def run_console(config: Config) -> int:
    try:
        asyncio.run(console_session(config))
    except ConfigError as error:  # BOARD_KEY missing, the server's port taken
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    return 0


async def serve(config: Config, secrets: Secrets) -> None:
    """Run until SIGTERM or SIGINT, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    bot = await start_bot(config, secrets)
    try:
        await stop.wait()
    finally:
        await bot.stop()


async def console_session(config: Config) -> None:
    """The console chat with the scheduled posts running beside it, until end of input."""
    interactive = sys.stdin.isatty()
    secrets = Secrets(board_key=os.environ.get("BOARD_KEY", ""))
    bot = await start_bot(config, secrets, start_schedule=False)
    console = Console(
        bot.dispatcher,
        config,
        sys.stdout,
        files_dir=config.path.parent / "exports",
        echo=not interactive,
    )
    console.attach(bot.outbox)
    if bot.board is not None:
        server = bot.server
        console.print(f"The web board: http://{server.host}:{server.port}/board/$BOARD_KEY")
    bot.schedule.start()
    try:
        await console.run(sys.stdin, interactive)
    finally:
        await bot.stop()


def export(config: Config) -> int:
    from bot.handlers.admin import activities_csv
    from storage.database import make_sessions, transaction

    dispatcher, engine = open_challenge(config)
    with transaction(make_sessions(engine)) as session:
        sys.stdout.buffer.write(activities_csv(session, dispatcher.season_id, config.privacy.names))
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
