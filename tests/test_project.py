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


def test_the_migrations_build_exactly_the_models(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
