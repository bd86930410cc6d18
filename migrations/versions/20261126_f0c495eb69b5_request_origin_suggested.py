"""request origin suggested

Revision ID: f0c495eb69b5
Revises: be9d5f63f258
Create Date: 2026-11-26 08:59:42.639082

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f0c495eb69b5'
down_revision = 'be9d5f63f258'
branch_labels = None
depends_on = None


OLD = "origin IN ('participant', 'organiser')"
NEW = "origin IN ('participant', 'organiser', 'suggested')"


def _replace_check(condition):
    with op.batch_alter_table('meeting_request', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_meeting_request_origin'), type_='check')
        batch_op.create_check_constraint('origin', condition)


def upgrade():
    # A new value of RequestOrigin: the enum is a VARCHAR with a CHECK constraint.
    _replace_check(NEW)


def downgrade():
    op.execute("UPDATE meeting_request SET origin = 'organiser' WHERE origin = 'suggested'")
    _replace_check(OLD)
