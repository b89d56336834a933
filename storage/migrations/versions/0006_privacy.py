"""participants may hide from the boards, and be forgotten

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as table:
        table.add_column(
            sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        table.add_column(sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant") as table:
        table.drop_column("forgotten_at")
        table.drop_column("hidden")
