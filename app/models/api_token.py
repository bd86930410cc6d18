"""API tokens: organisers' other systems call /api/v1 for one event with a bearer token."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin, db

if TYPE_CHECKING:
    from app.models.event import Event
    from app.models.user import User


class ApiToken(TimestampMixin, db.Model):
    """A token scoped to one event; only its SHA-256 hash and a short prefix are stored.

    The token acts as the organiser who created it (access checks and audit).
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    # Hex SHA-256 of the token: a database leak does not give working tokens.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the token, shown so that organisers can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
