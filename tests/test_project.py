"""The project's promises to whoever deploys it: README commands, CI, migrations."""

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.database import make_engine, migrate
from storage.models import Base

ROOT = Path(__file__).parent.parent


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_ci_runs_exactly_the_readme_test_command():
    install_and_run, install_and_test = readme_commands()[:2]
    assert "main.py" in install_and_run
    assert "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == install_and_test


def test_the_migrations_build_exactly_the_models(database_url, tmp_path):
    # On SQLite from an empty file: the suite's databases start from a migrated copy.
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(empty if database_url.startswith("sqlite") else database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_the_slack_manifest_names_the_configured_command_url_and_scopes(tmp_path):
    import json
    import subprocess
    import sys

    config = (ROOT / "config.toml").read_text(encoding="utf-8")
    config = config.replace('public_url = ""', 'public_url = "https://challenge.example.com"')
    config = config.replace('command = "/challenge"', 'command = "/summer"')
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    printed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--config",
            str(tmp_path / "config.toml"),
            "slack-manifest",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    manifest = json.loads(printed)
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/summer", "/log"]
    url = "https://challenge.example.com/slack/events"
    assert {c["url"] for c in commands} == {url}
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention", "message.im"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]
