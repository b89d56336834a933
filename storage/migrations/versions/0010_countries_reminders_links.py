"""participants' countries, opt-in reminders sent once a day, and one-time link codes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _participant(table: str) -> list[sa.Column | sa.ForeignKeyConstraint]:
    return [
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=f"fk_{table}_participant_id_participant",
        ),
    ]


def upgrade() -> None:
    with op.batch_alter_table("participant") as table:
        table.add_column(sa.Column("country", sa.String(2), nullable=True))
    op.create_table(
        "reminder",
        *_participant("reminder"),
        sa.Column("minute", sa.Integer(), nullable=True),
        sa.Column("weekly", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", name="pk_reminder"),
    )
    op.create_table(
        "reminder_sent",
        *_participant("reminder_sent"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", "day", "kind", name="pk_reminder_sent"),
    )
    op.create_table(
        "link_code",
        sa.Column("code_hash", sa.String(64), nullable=False),
        *_participant("link_code"),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code_hash", name="pk_link_code"),
    )
    op.create_index("ix_link_code_participant_id", "link_code", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_link_code_participant_id", table_name="link_code")
    op.drop_table("link_code")
    op.drop_table("reminder_sent")
    op.drop_table("reminder")
    with op.batch_alter_table("participant") as table:
        table.drop_column("country")
