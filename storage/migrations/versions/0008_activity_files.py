"""logs from activity files: their fingerprints and times, and files waiting for their kind

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_file",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moving_s", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name="fk_activity_file_activity_id_activity"
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name="fk_activity_file_season_id_season"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name="fk_activity_file_participant_id_participant",
        ),
        sa.PrimaryKeyConstraint("activity_id", name="pk_activity_file"),
        sa.UniqueConstraint("season_id", "sha256", name="uq_activity_file_season_id"),
    )
    op.create_index(
        "ix_activity_file_participant", "activity_file", ["participant_id", "started_at"]
    )
    op.create_table(
        "pending_upload",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moving_s", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name="fk_pending_upload_participant_id_participant",
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name="fk_pending_upload_season_id_season"
        ),
        sa.PrimaryKeyConstraint("participant_id", name="pk_pending_upload"),
    )


def downgrade() -> None:
    op.drop_table("pending_upload")
    op.drop_index("ix_activity_file_participant", table_name="activity_file")
    op.drop_table("activity_file")
