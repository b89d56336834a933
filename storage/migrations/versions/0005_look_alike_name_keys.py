"""team and charity name keys also fold look-alike letters (Unicode's confusable skeleton)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00.000000
"""

import unicodedata

import icu
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("team", "charity")
PAST = "~" * 400


def name_key(name: str) -> str:
    """The key as this revision defines it, kept here so that the migration never changes."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = " ".join(without_accents.casefold().split())
    return icu.SpoofChecker().getSkeleton(0, folded).casefold()


def upgrade() -> None:
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(
            name,
            sa.column("id", sa.Integer),
            sa.column("season_id", sa.Integer),
            sa.column("name", sa.Text),
            sa.column("name_key", sa.Text),
        )
        rows = connection.execute(
            sa.select(table.c.id, table.c.season_id, table.c.name, table.c.name_key).order_by(
                table.c.id
            )
        ).all()
        taken: set[tuple[int, str]] = set()
        new_keys = {}
        for row in rows:
            key = name_key(row.name)
            # Two names that now look alike were made before this rule: both stay, the
            # later one under its old key.
            if (row.season_id, key) in taken:
                key = row.name_key
            taken.add((row.season_id, key))
            new_keys[row.id] = key
        # Through keys longer than any name's, so that no two rows hold one key on the way.
        for row_id in new_keys:
            connection.execute(
                table.update().where(table.c.id == row_id).values(name_key=f"{PAST}{row_id}")
            )
        for row_id, key in new_keys.items():
            connection.execute(table.update().where(table.c.id == row_id).values(name_key=key))


def downgrade() -> None:
    """Keys stay as they are: the older rule only found fewer names alike."""
