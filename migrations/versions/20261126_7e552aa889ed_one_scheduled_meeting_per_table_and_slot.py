"""one scheduled meeting per table and slot

On-site bookings (walk-ins, accepted rebooking offers) write into the published schedule
while people use it; two bookings of the same table at the same slot must not both succeed.
Schedules built by the optimiser and edited by organisers never hold such a pair (every
writer checks it), so existing rows satisfy the index.

Revision ID: 7e552aa889ed
Revises: 63d6d6ab2482
Create Date: 2026-11-26 11:12:38.715961

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7e552aa889ed"
down_revision = "63d6d6ab2482"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(
            "uq_meeting_schedule_id_slot_id_table_id",
            ["schedule_id", "slot_id", "table_id"],
            unique=True,
            sqlite_where=sa.text("status = 'scheduled' AND table_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'scheduled' AND table_id IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_meeting_schedule_id_slot_id_table_id",
            sqlite_where=sa.text("status = 'scheduled' AND table_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'scheduled' AND table_id IS NOT NULL"),
        )
