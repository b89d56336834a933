"""country totals: each country's participants and km in a season, kept by triggers, so that
the country ranking reads one row per country however many take part

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Added up into each (season, country): `people` and `total_m` for each row of `moved`. Keys
# in order, so that transactions moving the same countries at once never deadlock.
_POSTGRES_ADD = """
CREATE FUNCTION country_totals_{change}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO country_total AS c (season_id, country, people, total_m)
  SELECT moved.season_id, moved.country, sum(moved.people), sum(moved.total_m)
  FROM ({moved}) AS moved
  GROUP BY moved.season_id, moved.country
  ORDER BY moved.season_id, moved.country
  ON CONFLICT (season_id, country)
  DO UPDATE SET people = c.people + excluded.people, total_m = c.total_m + excluded.total_m;
  RETURN NULL;
END $$
"""
_CHANGED_COUNTRY = "FROM old_rows o JOIN new_rows n ON n.id = o.id "
_CHANGED_COUNTRY += "JOIN participant_total t ON t.participant_id = o.id "
_CHANGED_COUNTRY += "WHERE o.country IS DISTINCT FROM n.country"
_MOVED = {
    "inserted": "SELECT n.season_id, p.country, 1 AS people, n.total_m FROM new_rows n "
    "JOIN participant p ON p.id = n.participant_id WHERE p.country IS NOT NULL",
    "updated": "SELECT n.season_id, p.country, 0 AS people, n.total_m - o.total_m AS total_m "
    "FROM new_rows n JOIN old_rows o "
    "ON o.season_id = n.season_id AND o.participant_id = n.participant_id "
    "JOIN participant p ON p.id = n.participant_id "
    "WHERE p.country IS NOT NULL AND n.total_m <> o.total_m",
    "moved": f"SELECT t.season_id, o.country, -1 AS people, -t.total_m AS total_m "
    f"{_CHANGED_COUNTRY} AND o.country IS NOT NULL "
    f"UNION ALL SELECT t.season_id, n.country, 1, t.total_m "
    f"{_CHANGED_COUNTRY} AND n.country IS NOT NULL",
}
# A row that goes was counted in a country that is there: only taken away.
_POSTGRES_DELETED = """
CREATE FUNCTION country_totals_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE country_total AS c SET people = c.people - gone.people, total_m = c.total_m - gone.total_m
  FROM (SELECT o.season_id, p.country, count(*) AS people, sum(o.total_m) AS total_m
        FROM old_rows o JOIN participant p ON p.id = o.participant_id
        WHERE p.country IS NOT NULL GROUP BY o.season_id, p.country) AS gone
  WHERE c.season_id = gone.season_id AND c.country = gone.country;
  RETURN NULL;
END $$
"""
_POSTGRES_TRIGGERS = [
    ("participant_total", "inserted", "INSERT", "NEW TABLE AS new_rows"),
    ("participant_total", "updated", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("participant_total", "deleted", "DELETE", "OLD TABLE AS old_rows"),
    ("participant", "moved", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
]

_SQLITE_COUNTRY_OF = "(SELECT country FROM participant WHERE id = {row}.participant_id)"
_SQLITE_TRIGGERS = {
    ("participant_total", "inserted"): (
        "AFTER INSERT ON participant_total",
        """INSERT INTO country_total (season_id, country, people, total_m)
        SELECT new.season_id, p.country, 1, new.total_m FROM participant p
        WHERE p.id = new.participant_id AND p.country IS NOT NULL
        ON CONFLICT (season_id, country)
        DO UPDATE SET people = people + 1, total_m = total_m + excluded.total_m;""",
    ),
    ("participant_total", "updated"): (
        "AFTER UPDATE OF total_m ON participant_total WHEN old.total_m <> new.total_m",
        f"""UPDATE country_total SET total_m = total_m + new.total_m - old.total_m
        WHERE season_id = new.season_id AND country = {_SQLITE_COUNTRY_OF.format(row="new")};""",
    ),
    ("participant_total", "deleted"): (
        "AFTER DELETE ON participant_total",
        f"""UPDATE country_total SET people = people - 1, total_m = total_m - old.total_m
        WHERE season_id = old.season_id AND country = {_SQLITE_COUNTRY_OF.format(row="old")};""",
    ),
    ("participant", "moved"): (
        "AFTER UPDATE OF country ON participant WHEN old.country IS NOT new.country",
        """UPDATE country_total SET people = people - 1, total_m = total_m - (
            SELECT t.total_m FROM participant_total t
            WHERE t.season_id = country_total.season_id AND t.participant_id = old.id)
        WHERE country = old.country
          AND season_id IN (SELECT season_id FROM participant_total WHERE participant_id = old.id);
        INSERT INTO country_total (season_id, country, people, total_m)
        SELECT season_id, new.country, 1, total_m FROM participant_total
        WHERE participant_id = new.id AND new.country IS NOT NULL
        ON CONFLICT (season_id, country)
        DO UPDATE SET people = people + 1, total_m = total_m + excluded.total_m;""",
    ),
}


def _trigger_names() -> list[tuple[str, str]]:
    return [(table, f"{table}_country_{change}") for table, change in _SQLITE_TRIGGERS]


def upgrade() -> None:
    op.create_table(
        "country_total",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("total_m", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["season_id"], ["season.id"], name="fk_country_total_season_id_season"
        ),
        sa.PrimaryKeyConstraint("season_id", "country", name="pk_country_total"),
    )
    op.execute(
        "INSERT INTO country_total (season_id, country, people, total_m) "
        "SELECT t.season_id, p.country, count(*), sum(t.total_m) FROM participant_total t "
        "JOIN participant p ON p.id = t.participant_id WHERE p.country IS NOT NULL "
        "GROUP BY t.season_id, p.country"
    )
    if op.get_bind().dialect.name == "postgresql":
        for change, moved in _MOVED.items():
            op.execute(_POSTGRES_ADD.format(change=change, moved=moved))
        op.execute(_POSTGRES_DELETED)
        for table, change, event, tables in _POSTGRES_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {table}_country_{change} AFTER {event} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION "
                f"country_totals_{change}()"
            )
        return
    for (table, change), (when, body) in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {table}_country_{change} {when} BEGIN {body} END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, name in _trigger_names():
        op.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        for _table, change, _event, _tables in _POSTGRES_TRIGGERS:
            op.execute(f"DROP FUNCTION country_totals_{change}()")
    op.drop_table("country_total")
