"""organiser invitations

`organiser_invitation`: an invitation to organise an event, sent to an address that has no
account yet; accepted from the e-mailed link once the person has signed up with it.

Revision ID: 5c2e9a7b41f0
Revises: 8d1f5a0c6e37
Create Date: 2026-11-27 17:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c2e9a7b41f0"
down_revision = "8d1f5a0c6e37"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organiser_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_organiser_invitation_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["user.id"], name=op.f("fk_organiser_invitation_invited_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organiser_invitation")),
        sa.UniqueConstraint("event_id", "email", name=op.f("uq_organiser_invitation_event_id_email")),
    )
    with op.batch_alter_table("organiser_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organiser_invitation_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organiser_invitation_invited_by_id"), ["invited_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("organiser_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organiser_invitation_invited_by_id"))
        batch_op.drop_index(batch_op.f("ix_organiser_invitation_event_id"))
    op.drop_table("organiser_invitation")
