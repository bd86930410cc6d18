"""calendar token and check-in code digests

Calendar-feed tokens and badge codes are looked up by their SHA-256 (hex) and confirmed with
hmac.compare_digest, as API tokens are. The clear values stay (the feed URL and the badge are
shown to their owner). Existing rows are back-filled here, in Python (same digest on SQLite
and PostgreSQL), before the columns become NOT NULL.

Revision ID: 60870f0d915f
Revises: 7e552aa889ed
Create Date: 2026-11-26 14:03:49.890508

"""

import hashlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "60870f0d915f"
down_revision = "7e552aa889ed"
branch_labels = None
depends_on = None

# (table, clear column, digest column)
DIGESTS = (
    ("attendee", "calendar_token", "calendar_token_hash"),
    ("attendee", "checkin_code", "checkin_code_hash"),
    ("registration", "calendar_token", "calendar_token_hash"),
)


def _digest(value):
    """Same as app.models.registration.token_digest, frozen here for this migration."""
    return hashlib.sha256(value.encode()).hexdigest()


def _backfill(table_name, clear, hashed):
    table = sa.table(table_name, sa.column("id", sa.Integer), sa.column(clear), sa.column(hashed))
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, table.c[clear])).all()
    if rows:
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")),
            [{"row_id": row_id, hashed: _digest(value)} for row_id, value in rows],
        )


def upgrade():
    for table_name in ("attendee", "registration"):
        columns = [d for t, _, d in DIGESTS if t == table_name]
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, sa.String(length=64), nullable=True))
        for t, clear, hashed in DIGESTS:
            if t == table_name:
                _backfill(table_name, clear, hashed)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.String(length=64), nullable=False)
                batch_op.create_index(
                    batch_op.f(f"ix_{table_name}_{column}"), [column], unique=True
                )


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_calendar_token_hash"))
        batch_op.drop_column("calendar_token_hash")

    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendee_checkin_code_hash"))
        batch_op.drop_index(batch_op.f("ix_attendee_calendar_token_hash"))
        batch_op.drop_column("checkin_code_hash")
        batch_op.drop_column("calendar_token_hash")
