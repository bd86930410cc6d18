"""Meeting requests between two registrations of the same event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin, db, enum_type
from app.models.enums import RequestOrigin, RequestPriority, RequestStatus

if TYPE_CHECKING:
    from app.models.event import Event
    from app.models.registration import Registration


class MeetingRequest(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    from_registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    to_registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    priority: Mapped[RequestPriority] = mapped_column(
        enum_type(RequestPriority, "priority"), default=RequestPriority.WOULD_LIKE
    )
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus, "status"), default=RequestStatus.PENDING
    )
    origin: Mapped[RequestOrigin] = mapped_column(
        enum_type(RequestOrigin, "origin"), default=RequestOrigin.PARTICIPANT
    )
    mutual: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    answered_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    from_registration: Mapped[Registration] = relationship(foreign_keys=[from_registration_id])
    to_registration: Mapped[Registration] = relationship(foreign_keys=[to_registration_id])

    __table_args__ = (
        sa.UniqueConstraint("event_id", "from_registration_id", "to_registration_id"),
        sa.CheckConstraint("from_registration_id <> to_registration_id", name="distinct_parties"),
        sa.Index("ix_meeting_request_event_id_status", "event_id", "status"),
    )
