"""Events, their sessions, slots and tables, and who organises them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin, db, enum_type, utcnow
from app.models.enums import ApprovalMode, EventFormat, EventStatus
from app.models.taxonomy import Sector

if TYPE_CHECKING:
    from app.models.registration import Registration
    from app.models.user import User

event_sector = sa.Table(
    "event_sector",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_code", sa.ForeignKey("sector.code", ondelete="CASCADE"), primary_key=True),
)

event_organiser = sa.Table(
    "event_organiser",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

# Default weights of meeting requests for the optimiser (issue "matchmaking" refines them).
DEFAULT_REQUEST_WEIGHTS = {
    "mutual_must_meet": 10,
    "must_meet": 6,
    "would_like": 4,
    "if_time": 2,
    "organiser": 1,
}


class Event(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    venue: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    timezone: Mapped[str] = mapped_column(
        sa.String(64), default="Europe/Paris", server_default="Europe/Paris"
    )
    status: Mapped[EventStatus] = mapped_column(
        enum_type(EventStatus, "status"), default=EventStatus.DRAFT, index=True
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    registration_deadline: Mapped[datetime | None]
    request_deadline: Mapped[datetime | None]
    meeting_minutes: Mapped[int] = mapped_column(default=20, server_default="20")
    pause_minutes: Mapped[int] = mapped_column(default=5, server_default="5")
    format: Mapped[EventFormat] = mapped_column(
        enum_type(EventFormat, "format"), default=EventFormat.HOME_TABLES
    )
    approval_mode: Mapped[ApprovalMode] = mapped_column(
        enum_type(ApprovalMode, "approval_mode"), default=ApprovalMode.AUTO
    )
    max_registrations: Mapped[int | None]
    max_meetings_default: Mapped[int] = mapped_column(default=12, server_default="12")
    max_pending_requests: Mapped[int] = mapped_column(default=20, server_default="20")
    request_expiry_hours: Mapped[int | None]
    request_weights: Mapped[dict] = mapped_column(
        sa.JSON, default=lambda: dict(DEFAULT_REQUEST_WEIGHTS)
    )

    sectors: Mapped[list[Sector]] = relationship(secondary=event_sector)
    organisers: Mapped[list[User]] = relationship(secondary=event_organiser)
    sessions: Mapped[list[Session]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Session.starts_at"
    )
    slots: Mapped[list[Slot]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Slot.position"
    )
    tables: Mapped[list[MeetingTable]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="MeetingTable.position"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        sa.CheckConstraint("meeting_minutes > 0", name="meeting_minutes_positive"),
        sa.CheckConstraint("pause_minutes >= 0", name="pause_minutes_nonnegative"),
        sa.CheckConstraint(
            "max_registrations IS NULL OR max_registrations > 0", name="max_registrations_positive"
        ),
        sa.CheckConstraint("max_meetings_default >= 0", name="max_meetings_nonnegative"),
        sa.CheckConstraint("max_pending_requests >= 0", name="max_pending_nonnegative"),
    )


class Session(db.Model):
    """A block of meetings, e.g. 9:00–12:30; slots are generated inside it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    event: Mapped[Event] = relationship(back_populates="sessions")
    slots: Mapped[list[Slot]] = relationship(back_populates="session", order_by="Slot.position")

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="times_ordered"),)


class Slot(db.Model):
    """A meeting time slot; `position` orders the slots of an event."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    blocked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    label: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    event: Mapped[Event] = relationship(back_populates="slots")
    session: Mapped[Session] = relationship(back_populates="slots")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "position"),
        sa.CheckConstraint("ends_at > starts_at", name="times_ordered"),
        sa.CheckConstraint("position >= 0", name="position_nonnegative"),
    )


class MeetingTable(db.Model):
    """A physical table where one-to-one meetings take place."""

    __tablename__ = "meeting_table"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(sa.String(40))
    zone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="tables")

    __table_args__ = (sa.UniqueConstraint("event_id", "label"),)


class Announcement(db.Model):
    """A message from the organisers, shown on the now/next screen and the live pages."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    hidden_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()
