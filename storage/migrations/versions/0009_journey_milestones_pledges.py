"""milestones told once, employees' pledges, and the teams as each daily post showed them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _season_and_participant(table: str) -> list[sa.Column | sa.ForeignKeyConstraint]:
    return [
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["season_id"], ["season.id"], name=f"fk_{table}_season_id_season"),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=f"fk_{table}_participant_id_participant",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "milestone",
        *_season_and_participant("milestone"),
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("season_id", "participant_id", "name", name="pk_milestone"),
    )
    op.create_table(
        "pledge",
        *_season_and_participant("pledge"),
        sa.Column("fixed", sa.Numeric(12, 2), nullable=True),
        sa.Column("per_km", sa.Numeric(12, 4), nullable=True),
        sa.Column("pledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("season_id", "participant_id", name="pk_pledge"),
    )
    op.create_table(
        "team_snapshot",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("total_m", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name="fk_team_snapshot_season_id_season"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_team_snapshot_team_id_team"),
        sa.PrimaryKeyConstraint("season_id", "day", "team_id", name="pk_team_snapshot"),
    )


def downgrade() -> None:
    op.drop_table("team_snapshot")
    op.drop_table("pledge")
    op.drop_table("milestone")
