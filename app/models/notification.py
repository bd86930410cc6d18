"""In-app notifications (also sent by e-mail, at once or in a daily digest)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import db, utcnow

if TYPE_CHECKING:
    from app.models.user import User


class Notification(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What the message needs (names, event slug, request id); rendered in the reader's language.
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.Index("ix_notification_user_id_read_at", "user_id", "read_at"),
        sa.Index("ix_notification_emailed_at", "emailed_at"),
    )
