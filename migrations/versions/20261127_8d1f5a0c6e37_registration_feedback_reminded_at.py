"""registration feedback reminded at

`registration.feedback_reminded_at`: when the members of a participating organisation were
reminded to give feedback on their meetings (`flask send-feedback-reminders`, once per
registration). Existing registrations start unreminded.

Revision ID: 8d1f5a0c6e37
Revises: 3b8e41d7c2a9
Create Date: 2026-11-27 17:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8d1f5a0c6e37"
down_revision = "3b8e41d7c2a9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_reminded_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("feedback_reminded_at")
