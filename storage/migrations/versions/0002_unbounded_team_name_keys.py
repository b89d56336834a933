"""unbounded team name keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:51:08.198544
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.alter_column(
            "name_key",
            existing_type=sa.VARCHAR(length=80),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.alter_column(
            "name_key",
            existing_type=sa.Text(),
            type_=sa.VARCHAR(length=80),
            existing_nullable=False,
        )
