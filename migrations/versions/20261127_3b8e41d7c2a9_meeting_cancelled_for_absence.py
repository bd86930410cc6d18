"""meeting cancelled for an absence

`meeting.cancelled_for_id`: the absent party whose absence cancelled the meeting, so that
marking it present again restores the meeting where both sides and a table are still free.
Meetings cancelled before this revision have none (they stay cancelled).

Revision ID: 3b8e41d7c2a9
Revises: c6785ad7efcb
Create Date: 2026-11-27 17:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3b8e41d7c2a9"
down_revision = "c6785ad7efcb"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_for_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_meeting_cancelled_for_id"), ["cancelled_for_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_cancelled_for_id_registration"),
            "registration",
            ["cancelled_for_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_meeting_cancelled_for_id_registration"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_meeting_cancelled_for_id"))
        batch_op.drop_column("cancelled_for_id")
