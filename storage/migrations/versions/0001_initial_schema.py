"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:32:42.035707
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_delivery")),
    )
    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
    )
    op.create_table(
        "season",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("donation_per_km", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("donation_cap", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_season")),
        sa.UniqueConstraint("name", name=op.f("uq_season_name")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["participant.id"], name=op.f("fk_audit_entry_actor_id_participant")
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_audit_entry_season_id_season")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_table(
        "daily_total",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_daily_total_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_daily_total_season_id_season")
        ),
        sa.PrimaryKeyConstraint(
            "season_id", "participant_id", "day", "kind", name=op.f("pk_daily_total")
        ),
    )
    op.create_table(
        "participant_total",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("run_m", sa.BigInteger(), nullable=False),
        sa.Column("walk_m", sa.BigInteger(), nullable=False),
        sa.Column("cycle_m", sa.BigInteger(), nullable=False),
        sa.Column("total_m", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_participant_total_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_participant_total_season_id_season")
        ),
        sa.PrimaryKeyConstraint("season_id", "participant_id", name=op.f("pk_participant_total")),
    )
    with op.batch_alter_table("participant_total", schema=None) as batch_op:
        batch_op.create_index("ix_participant_total_rank", ["season_id", "total_m"], unique=False)

    op.create_table(
        "platform_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_platform_account_participant_id_participant"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_account")),
        sa.UniqueConstraint("platform", "external_id", name=op.f("uq_platform_account_platform")),
    )
    with op.batch_alter_table("platform_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_account_participant_id"), ["participant_id"], unique=False
        )

    op.create_table(
        "post_ledger",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_post_ledger_season_id_season")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_post_ledger")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("captain_id", sa.Integer(), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("run_m", sa.BigInteger(), nullable=False),
        sa.Column("walk_m", sa.BigInteger(), nullable=False),
        sa.Column("cycle_m", sa.BigInteger(), nullable=False),
        sa.Column("total_m", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["captain_id"], ["participant.id"], name=op.f("fk_team_captain_id_participant")
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_team_season_id_season")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("season_id", "name_key", name=op.f("uq_team_season_id")),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index("ix_team_season_total", ["season_id", "total_m"], unique=False)

    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source_key", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("delete_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["participant.id"], name=op.f("fk_activity_deleted_by_participant")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_activity_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_activity_season_id_season")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_activity_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
        sa.UniqueConstraint("source_key", name=op.f("uq_activity_source_key")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_participant", ["season_id", "participant_id", "id"], unique=False
        )
        batch_op.create_index("ix_activity_season_day", ["season_id", "day"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_membership_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name=op.f("fk_membership_season_id_season")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_membership_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index("ix_membership_team", ["team_id", "left_at"], unique=False)
        batch_op.create_index(
            "uq_membership_current",
            ["season_id", "participant_id"],
            unique=True,
            sqlite_where=sa.text("left_at IS NULL"),
            postgresql_where=sa.text("left_at IS NULL"),
        )

    op.create_table(
        "team_member_total",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("total_m", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_team_member_total_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_team_member_total_team_id_team")
        ),
        sa.PrimaryKeyConstraint("team_id", "participant_id", name=op.f("pk_team_member_total")),
    )


def downgrade() -> None:
    op.drop_table("team_member_total")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_membership_current",
            sqlite_where=sa.text("left_at IS NULL"),
            postgresql_where=sa.text("left_at IS NULL"),
        )
        batch_op.drop_index("ix_membership_team")

    op.drop_table("membership")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_season_day")
        batch_op.drop_index("ix_activity_participant")

    op.drop_table("activity")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index("ix_team_season_total")

    op.drop_table("team")
    op.drop_table("post_ledger")
    with op.batch_alter_table("platform_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_account_participant_id"))

    op.drop_table("platform_account")
    with op.batch_alter_table("participant_total", schema=None) as batch_op:
        batch_op.drop_index("ix_participant_total_rank")

    op.drop_table("participant_total")
    op.drop_table("daily_total")
    op.drop_table("audit_entry")
    op.drop_table("season")
    op.drop_table("participant")
    op.drop_table("delivery")
