"""catalogue full-text search

Revision ID: ee660ddcf1f9
Revises: 805e6382b788
Create Date: 2026-11-26 09:12:40.000000

PostgreSQL: an IMMUTABLE accent-folding function `fts_fold` and GIN expression indexes over
the folded, weighted French tsvectors that app/services/catalogue.py queries (the SQL is
frozen here; a test checks it still matches the service).
SQLite: nothing to create here. The FTS5 table `fts_solution` and its triggers are a derived
index that the search service creates and back-fills on first use (`ensure_search_index`);
keeping it out of the schema keeps `upgrade` equal to the models' tables. Downgrade drops it
if present. See docs/catalogue.md.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ee660ddcf1f9'
down_revision = '805e6382b788'
branch_labels = None
depends_on = None

FOLD_FUNCTION = """
CREATE OR REPLACE FUNCTION fts_fold(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
BEGIN
  RETURN translate(lower(value), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa');
END
$$"""


def _vector(*weighted_columns):
    return " || ".join(
        f"setweight(to_tsvector('french'::regconfig, fts_fold({column})), '{weight}')"
        for column, weight in weighted_columns
    )


INDEXES = {
    "ix_fts_solution": ("solution", _vector(("name", "A"), ("summary", "B"), ("description", "C"))),
    "ix_fts_organisation": ("organisation", _vector(("name", "B"), ("description", "D"))),
}
SQLITE_TRIGGERS = (
    "fts_solution_ai", "fts_solution_au", "fts_solution_ad",
    "fts_organisation_au", "fts_organisation_ad",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(FOLD_FUNCTION)
        for name, (table, vector) in INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({vector}))")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name in INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP FUNCTION IF EXISTS fts_fold(text)")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS fts_solution")
