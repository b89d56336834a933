"""The bot as deployed, `main.py` itself, in its own process and at a fixed moment of the 2021
season, so that the benchmark can read that process's resident memory.

    python -m bench.bot_process --at 2021-08-25T18:00:30+01:00 --config PATH
"""

import argparse
import functools
import sys
from datetime import UTC, datetime

import main
from bot.app import start_bot


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.bot_process")
    parser.add_argument("--at", required=True, help="the bot's clock: an ISO time with offset")
    args, rest = parser.parse_known_args(argv)
    moment = datetime.fromisoformat(args.at).astimezone(UTC)
    # Only the clock differs from a deployment: logs must fall inside the 2021 season.
    main.start_bot = functools.partial(start_bot, clock=lambda: moment)
    return main.main(rest)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
