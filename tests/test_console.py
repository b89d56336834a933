"""The real program, run as a newcomer would: `python main.py`, commands typed into the console.

Every run works on a copy of the shipped config.toml in a temporary folder, so the databases
and exports land next to that copy, never in the repository. Logging "today" relies on the
shipped season including the real date, as the README promises.
"""

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from bot.platforms.console import Console

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = REPO / "config.toml"
README = (REPO / "README.md").read_text(encoding="utf-8")

# The README's pipe: printf '/as alice\n...' | .venv/bin/python main.py console
README_PIPE = re.search(r"printf '([^']+)' \| \S*python main\.py (\w+)", README)
FIRST_PLACE_RED_ROCKETS = re.compile(r"^(?:> )?\s*1\s+Red Rockets\s+12\.0\s", re.MULTILINE)
TEAM_ROW = re.compile(r"^(?:> )?\s*(\d+)\s{2,}\S.*\s(\d[\d,]*\.\d)\s+\d+\s+[\d,]+\.\d$")


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    """A folder holding a copy of the shipped config.toml; runs start in its parent."""
    folder = tmp_path / "deployment"
    folder.mkdir()
    shutil.copy(SHIPPED_CONFIG, folder / "config.toml")
    return folder


def run_main(
    deployment: Path,
    *args: str,
    typed: str = "",
    config: Path | None = None,
    via_environment: bool = False,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` with `typed` piped in, the config given by flag or environment."""
    config = config or deployment / "config.toml"
    environment = {k: v for k, v in os.environ.items() if k != "CHALLENGE_CONFIG"}
    command = [sys.executable, str(REPO / "main.py"), *args]
    if via_environment:
        environment["CHALLENGE_CONFIG"] = str(config)
    else:
        command += ["--config", str(config)]
    return subprocess.run(
        command,
        cwd=deployment.parent,
        input=typed,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )


def ran_cleanly(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a run that exited 0 with no traceback."""
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    assert result.returncode == 0, result.stderr
    return result.stdout


def the_readme_pipe() -> tuple[str, str]:
    """The README's example input and the mode it starts."""
    assert README_PIPE is not None, "the README shows no `printf ... | python main.py` example"
    return README_PIPE[1].replace("\\n", "\n"), README_PIPE[2]


def test_the_readme_example_logs_a_ride_and_puts_red_rockets_first(deployment):
    typed, mode = the_readme_pipe()
    assert typed == "/as alice\n/newteam Red Rockets\n/log 12km cycle\n/standings\n"
    output = ran_cleanly(run_main(deployment, mode, typed=typed))
    assert "Logged #1: 12 km cycle" in output
    assert FIRST_PLACE_RED_ROCKETS.search(output), output
    assert (deployment / "challenge.db").exists()
    assert sorted(p.name for p in deployment.parent.iterdir()) == ["deployment"]


def test_with_no_platform_enabled_main_opens_the_console(deployment):
    shipped = tomllib.loads(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    assert not shipped["slack"]["enabled"] and not shipped["telegram"]["enabled"]
    typed, _mode = the_readme_pipe()
    output = ran_cleanly(run_main(deployment, typed=typed))
    assert "Logged #1: 12 km cycle" in output
    assert FIRST_PLACE_RED_ROCKETS.search(output), output


def test_challenge_config_in_the_environment_picks_the_config_file(deployment):
    elsewhere = deployment / "settings" / "summer.toml"
    elsewhere.parent.mkdir()
    shutil.move(deployment / "config.toml", elsewhere)
    typed, _mode = the_readme_pipe()
    output = ran_cleanly(run_main(deployment, typed=typed, config=elsewhere, via_environment=True))
    assert FIRST_PLACE_RED_ROCKETS.search(output), output
    assert (elsewhere.parent / "challenge.db").exists()
    assert not (deployment / "challenge.db").exists()


def test_an_admin_announcement_is_shown_marked_with_the_chat_it_goes_to(deployment):
    shipped = tomllib.loads(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    chat = shipped["announce"][0]
    typed = "/as carol\n/admin announce Sneaky\n/as bob admin\n/admin announce Hello all\n"
    output = ran_cleanly(run_main(deployment, "console", typed=typed))
    as_carol, as_bob = output.split("/as bob admin", 1)
    assert f"[to {chat['platform']} {chat['chat']}]\n  Hello all\n" in as_bob
    assert "Announced to 1 announcement chat." in as_bob
    assert "Only the challenge admins can do that." in as_carol
    assert "[to " not in as_carol


def test_an_admin_export_writes_a_csv_of_every_activity_and_says_where(deployment):
    typed = (
        "/as alice\n/newteam Red Rockets\n/log 12km cycle\n/log 5 km run\n"
        "/as bob\n/join Red Rockets\n/log 3 km walk\n"
        "/as bob admin\n/admin export\n"
    )
    output = ran_cleanly(run_main(deployment, "console", typed=typed))
    saved = re.search(r"^Saved \S+\.csv to (.+\.csv)$", output, re.MULTILINE)
    assert saved, output
    path = Path(saved[1])
    assert path.is_file()
    assert path.is_relative_to(deployment)
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [(row["participant"], row["kind"], row["distance_m"]) for row in rows] == [
        ("alice", "cycle", "12000"),
        ("alice", "run", "5000"),
        ("bob", "walk", "3000"),
    ]
    assert {row["team"] for row in rows} == {"Red Rockets"}


async def test_two_exports_in_one_second_are_both_kept(chat, config, tmp_path):
    output = io.StringIO()
    console = Console(chat.dispatcher, config, output, files_dir=tmp_path / "exports")
    for line in (
        "/as bob admin",
        "/newteam Red Rockets",
        "/log 5 km run",
        "/admin export",
        "/log 3 km walk",
        "/admin export",
    ):
        await console.handle_line(line)
    saved = re.findall(r"^Saved \S+ to (.+)$", output.getvalue(), re.MULTILINE)
    assert len(saved) == 2
    first, second = (Path(path) for path in saved)
    assert first != second
    assert len(first.read_text(encoding="utf-8").splitlines()) == 2  # header and the run
    assert len(second.read_text(encoding="utf-8").splitlines()) == 3
    await chat.dispatcher.close()


def test_a_config_error_stops_the_bot_naming_the_key(deployment):
    config = deployment / "config.toml"
    text = config.read_text(encoding="utf-8")
    broken, replaced = re.subn(r"(?m)^start = .*$", 'start = "yesterday"', text)
    assert replaced == 1
    config.write_text(broken, encoding="utf-8")
    result = run_main(deployment, typed="/help\n")
    assert result.returncode != 0
    assert "season.start" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (deployment / "challenge.db").exists()


def test_the_demo_shows_a_populated_season_in_its_own_database(deployment):
    repo_had_demo_db = (REPO / "demo.db").exists()
    started = time.monotonic()
    output = ran_cleanly(run_main(deployment, "demo", typed="/standings\n/totals\n", timeout=60))
    assert time.monotonic() - started < 60
    standings = output.split("/standings", 1)[1].split("/totals", 1)[0]
    ranks = [int(match[1]) for line in standings.splitlines() if (match := TEAM_ROW.match(line))]
    assert len(ranks) == 10, standings
    assert ranks[0] == 1 and ranks == sorted(ranks)
    donation = re.search(r"Donation so far: EUR ([\d,]+)", output)
    assert donation and int(donation[1].replace(",", "")) > 0, output
    assert (deployment / "demo.db").exists()
    assert (REPO / "demo.db").exists() == repo_had_demo_db


def test_the_database_keeps_the_teams_between_runs(deployment):
    ran_cleanly(run_main(deployment, typed="/as alice\n/newteam Red Rockets\n/log 12km cycle\n"))
    output = ran_cleanly(run_main(deployment, typed="/standings\n"))
    assert FIRST_PLACE_RED_ROCKETS.search(output), output


def test_the_demo_has_as_many_teams_and_people_as_the_readme_says(deployment):
    promised = re.search(r"a sample season \((\d+) teams, (\d+) people", README)
    assert promised
    output = ran_cleanly(run_main(deployment, "demo", typed="/totals\n"))
    assert f"{promised[2]} participants in {promised[1]} teams." in output
