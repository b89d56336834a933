"""rank buckets: how many participants and teams hold each km and each hundred km, kept by
triggers, so that a rank is a few small reads however many take part

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The two widths of bucket, in metres, and which table is which kind of ranked row.
FINE_M, COARSE_M = 1_000, 100_000
RANKED = {"participant_total": 0, "team": 1}

_GROUPED = """
  SELECT moved.season_id, widths.width_m, moved.total_m / widths.width_m AS bucket,
         sum(moved.members) AS members
  FROM ({moved}) AS moved
  CROSS JOIN (VALUES ({fine}), ({coarse})) AS widths(width_m)
  GROUP BY moved.season_id, widths.width_m, moved.total_m / widths.width_m
  HAVING sum(moved.members) <> 0
  ORDER BY 1, 2, 3
"""
_POSTGRES_FUNCTION = """
CREATE FUNCTION rank_buckets_{change}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {body};
  RETURN NULL;
END $$
"""
# Keys in order, so that transactions moving buckets at once never deadlock.
_POSTGRES_ADD = """
  INSERT INTO rank_bucket AS b (season_id, of_team, width_m, bucket, members)
  SELECT grouped.season_id, TG_ARGV[0]::smallint, grouped.width_m, grouped.bucket,
         grouped.members
  FROM ({grouped}) AS grouped
  ON CONFLICT (season_id, of_team, width_m, bucket)
  DO UPDATE SET members = b.members + excluded.members
"""
# A row that goes was counted in a bucket that is there: nothing to add, only to take away.
_POSTGRES_TAKE_AWAY = """
  UPDATE rank_bucket AS b SET members = b.members + grouped.members
  FROM ({grouped}) AS grouped
  WHERE b.season_id = grouped.season_id AND b.of_team = TG_ARGV[0]::smallint
    AND b.width_m = grouped.width_m AND b.bucket = grouped.bucket
"""
_MOVED = {
    "inserted": "SELECT season_id, total_m, 1 AS members FROM new_rows",
    "deleted": "SELECT season_id, total_m, -1 AS members FROM old_rows",
    "updated": "SELECT season_id, total_m, -1 AS members FROM old_rows "
    "UNION ALL SELECT season_id, total_m, 1 FROM new_rows",
}
_POSTGRES_TRIGGER = """
CREATE TRIGGER {table}_rank_{change} AFTER {event} ON {table}
REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION rank_buckets_{change}({of_team})
"""
_EVENTS = {
    "inserted": ("INSERT", "NEW TABLE AS new_rows"),
    "deleted": ("DELETE", "OLD TABLE AS old_rows"),
    "updated": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
}

_SQLITE_ADD = """
INSERT INTO rank_bucket (season_id, of_team, width_m, bucket, members)
VALUES ({row}.season_id, {of_team}, {width}, {row}.total_m / {width}, {members})
ON CONFLICT (season_id, of_team, width_m, bucket) DO UPDATE SET members = members + {members};
"""
_SQLITE_TAKE_AWAY = """
UPDATE rank_bucket SET members = members - 1 WHERE season_id = old.season_id
  AND of_team = {of_team} AND width_m = {width} AND bucket = old.total_m / {width};
"""
_SQLITE_TRIGGER = """
CREATE TRIGGER {table}_rank_{change} AFTER {event} ON {table} {when}
BEGIN {body} END
"""


def _sqlite_moves(of_team: int, row: str, members: int) -> str:
    statement = _SQLITE_TAKE_AWAY if members < 0 else _SQLITE_ADD
    return "".join(
        statement.format(row=row, of_team=of_team, width=width, members=members)
        for width in (FINE_M, COARSE_M)
    )


def _sqlite_triggers(table: str, of_team: int) -> list[str]:
    changes = {
        "inserted": ("INSERT", "", _sqlite_moves(of_team, "new", 1)),
        "deleted": ("DELETE", "", _sqlite_moves(of_team, "old", -1)),
        "updated": (
            "UPDATE OF total_m",
            f"WHEN old.total_m / {FINE_M} <> new.total_m / {FINE_M}",
            _sqlite_moves(of_team, "old", -1) + _sqlite_moves(of_team, "new", 1),
        ),
    }
    return [
        _SQLITE_TRIGGER.format(table=table, change=change, event=event, when=when, body=body)
        for change, (event, when, body) in changes.items()
    ]


def _postgres_statements() -> list[str]:
    statements = []
    for change, moved in _MOVED.items():
        grouped = _GROUPED.format(moved=moved, fine=FINE_M, coarse=COARSE_M)
        body = _POSTGRES_TAKE_AWAY if change == "deleted" else _POSTGRES_ADD
        statements.append(
            _POSTGRES_FUNCTION.format(change=change, body=body.format(grouped=grouped))
        )
    for table, of_team in RANKED.items():
        for change, (event, tables) in _EVENTS.items():
            statements.append(
                _POSTGRES_TRIGGER.format(
                    table=table, change=change, event=event, tables=tables, of_team=of_team
                )
            )
    return statements


def upgrade() -> None:
    op.create_table(
        "rank_bucket",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("of_team", sa.SmallInteger(), nullable=False),
        sa.Column("width_m", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name="fk_rank_bucket_season_id_season"
        ),
        sa.PrimaryKeyConstraint("season_id", "of_team", "width_m", "bucket", name="pk_rank_bucket"),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, of_team in RANKED.items():
        for width in (FINE_M, COARSE_M):
            op.execute(
                f"INSERT INTO rank_bucket (season_id, of_team, width_m, bucket, members) "
                f"SELECT season_id, {of_team}, {width}, total_m / {width}, count(*) FROM {table} "
                f"GROUP BY season_id, total_m / {width}"
            )
    if postgresql:
        statements = _postgres_statements()
    else:
        statements = [s for t, o in RANKED.items() for s in _sqlite_triggers(t, o)]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in RANKED:
        for change in _MOVED:
            on_table = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER {table}_rank_{change}{on_table}")
    if postgresql:
        for change in _MOVED:
            op.execute(f"DROP FUNCTION rank_buckets_{change}()")
    op.drop_table("rank_bucket")
