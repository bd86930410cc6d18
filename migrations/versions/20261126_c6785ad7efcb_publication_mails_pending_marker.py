"""publication mails pending marker

`schedule.mail_pending_since`: set in the publication's transaction, cleared once its e-mails
are sent; a sweeper re-sends the e-mails of a publication whose mail job was lost. Existing
schedules start with no mail pending (their e-mails went out, or were lost before this).

Revision ID: c6785ad7efcb
Revises: 60870f0d915f
Create Date: 2026-11-26 14:11:24.850451

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c6785ad7efcb"
down_revision = "60870f0d915f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_pending_since", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_column("mail_pending_since")
