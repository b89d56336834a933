"""charity vote and photo competition

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:52:53.970363
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_charity_season_id_season")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charity")),
        sa.UniqueConstraint("season_id", "name_key", name=op.f("uq_charity_season_id")),
    )
    op.create_table(
        "photo_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_photo_entry_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_photo_entry_season_id_season")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_entry")),
        sa.UniqueConstraint(
            "season_id", "participant_id", "sha256", name=op.f("uq_photo_entry_season_id")
        ),
    )
    with op.batch_alter_table("photo_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photo_entry_participant_id"), ["participant_id"], unique=False
        )

    op.create_table(
        "ballot",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("charity_id", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["charity_id"], ["charity.id"], name=op.f("fk_ballot_charity_id_charity")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_ballot_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_ballot_season_id_season")
        ),
        sa.PrimaryKeyConstraint("season_id", "participant_id", name=op.f("pk_ballot")),
    )
    op.create_table(
        "season_outcome",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("vote_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vote_closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("charity_id", sa.Integer(), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["charity_id"], ["charity.id"], name=op.f("fk_season_outcome_charity_id_charity")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photo_entry.id"], name=op.f("fk_season_outcome_photo_id_photo_entry")
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_season_outcome_season_id_season")
        ),
        sa.PrimaryKeyConstraint("season_id", name=op.f("pk_season_outcome")),
    )


def downgrade() -> None:
    op.drop_table("season_outcome")
    op.drop_table("ballot")
    with op.batch_alter_table("photo_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_entry_participant_id"))

    op.drop_table("photo_entry")
    op.drop_table("charity")
