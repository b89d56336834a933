"""drop the activity index by day, which no query reads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:20:00.000000
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every log paid for it; totals by day are kept in daily_total instead.
    op.drop_index("ix_activity_season_day", table_name="activity")


def downgrade() -> None:
    op.create_index("ix_activity_season_day", "activity", ["season_id", "day"], unique=False)
