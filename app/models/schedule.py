"""Optimiser runs, schedule versions, meetings and feedback."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin, db, enum_type, utcnow
from app.models.enums import (
    FeedbackOutcome,
    MeetingOrigin,
    MeetingStatus,
    OfferStatus,
    RunStatus,
    ScheduleStatus,
)

if TYPE_CHECKING:
    from app.models.event import Event, MeetingTable, Slot
    from app.models.matchmaking import MeetingRequest
    from app.models.registration import Registration
    from app.models.user import User

ACTIVE_RUN = "status IN ('queued', 'running')"
TABLE_TAKEN = "status = 'scheduled' AND table_id IS NOT NULL"


class ScheduleRun(TimestampMixin, db.Model):
    """One optimiser run: parameters, live progress, result statistics or error."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "status"), default=RunStatus.QUEUED
    )
    parameters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    progress: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    stats: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    job_id: Mapped[str | None] = mapped_column(sa.String(64))
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    started_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_schedule_run_event_id", "event_id"),
        # Only one queued or running optimiser run per event, enforced by the database.
        sa.Index(
            "uq_schedule_run_event_id_active",
            "event_id",
            unique=True,
            sqlite_where=sa.text(ACTIVE_RUN),
            postgresql_where=sa.text(ACTIVE_RUN),
        ),
    )


class Schedule(TimestampMixin, db.Model):
    """A version of an event's timetable: a draft, the published one, or a superseded one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("schedule_run.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int]
    status: Mapped[ScheduleStatus] = mapped_column(
        enum_type(ScheduleStatus, "status"), default=ScheduleStatus.DRAFT
    )
    stats: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # The publication's e-mails are not all sent yet: set in the publication's own transaction
    # (and again each time they are re-queued), cleared once they have all gone out. A sweeper
    # re-sends those a killed process lost (app/services/publication.py: at least once).
    mail_pending_since: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    run: Mapped[ScheduleRun | None] = relationship()
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("event_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        # At most one published version per event at any time.
        sa.Index(
            "uq_schedule_event_id_published",
            "event_id",
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        ),
    )


def new_meeting_uid() -> str:
    return uuid.uuid4().hex


class Meeting(TimestampMixin, db.Model):
    """A one-to-one meeting in a schedule version. `uid` is stable across versions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("schedule.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_request.id", ondelete="SET NULL"), index=True
    )
    registration_a_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    registration_b_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("slot.id", ondelete="RESTRICT"), index=True)
    table_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_table.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, "status"), default=MeetingStatus.SCHEDULED
    )
    locked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uid: Mapped[str] = mapped_column(sa.String(64), default=new_meeting_uid)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    origin: Mapped[MeetingOrigin] = mapped_column(
        enum_type(MeetingOrigin, "origin"),
        default=MeetingOrigin.SCHEDULE,
        server_default=MeetingOrigin.SCHEDULE.value,
    )
    # On the day: which party did not show up (status NO_SHOW), and who said so.
    no_show_registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    no_show_reported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # The absent party whose absence cancelled it: if that party comes after all (marked
    # present again), the meeting is restored where both sides and a table are still free.
    cancelled_for_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )

    schedule: Mapped[Schedule] = relationship(back_populates="meetings")
    request: Mapped[MeetingRequest | None] = relationship()
    registration_a: Mapped[Registration] = relationship(foreign_keys=[registration_a_id])
    registration_b: Mapped[Registration] = relationship(foreign_keys=[registration_b_id])
    no_show_registration: Mapped[Registration | None] = relationship(
        foreign_keys=[no_show_registration_id]
    )
    slot: Mapped[Slot] = relationship()
    table: Mapped[MeetingTable | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("schedule_id", "uid"),
        sa.CheckConstraint("registration_a_id <> registration_b_id", name="distinct_parties"),
        sa.CheckConstraint("sequence >= 0", name="sequence_nonnegative"),
        sa.Index("ix_meeting_schedule_id_slot_id", "schedule_id", "slot_id"),
        # One scheduled meeting per table and slot of a version: two on-site bookings of the
        # same place at the same moment cannot both succeed (app/services/onsite.py).
        sa.Index(
            "uq_meeting_schedule_id_slot_id_table_id",
            "schedule_id",
            "slot_id",
            "table_id",
            unique=True,
            sqlite_where=sa.text(TABLE_TAKEN),
            postgresql_where=sa.text(TABLE_TAKEN),
        ),
    )


class Feedback(db.Model):
    """One participant's feedback on one meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int]
    outcome: Mapped[FeedbackOutcome] = mapped_column(
        enum_type(FeedbackOutcome, "outcome"), default=FeedbackOutcome.NONE
    )
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())

    meeting: Mapped[Meeting] = relationship()
    registration: Mapped[Registration] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "registration_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )


class MeetingNote(TimestampMixin, db.Model):
    """A participant's private note on a meeting, kept across schedule versions (by `uid`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    meeting_uid: Mapped[str] = mapped_column(sa.String(64))
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    registration: Mapped[Registration] = relationship()

    __table_args__ = (sa.UniqueConstraint("meeting_uid", "registration_id"),)


class RebookingOffer(TimestampMixin, db.Model):
    """After a no-show: a proposed meeting in a freed slot; added once both sides accept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    schedule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("schedule.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_request.id", ondelete="SET NULL"), index=True
    )
    registration_a_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    registration_b_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("slot.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_table.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OfferStatus] = mapped_column(
        enum_type(OfferStatus, "status"), default=OfferStatus.PENDING
    )
    accepted_a_at: Mapped[datetime | None]
    accepted_b_at: Mapped[datetime | None]
    meeting_uid: Mapped[str | None] = mapped_column(sa.String(64))

    request: Mapped[MeetingRequest | None] = relationship()
    registration_a: Mapped[Registration] = relationship(foreign_keys=[registration_a_id])
    registration_b: Mapped[Registration] = relationship(foreign_keys=[registration_b_id])
    slot: Mapped[Slot] = relationship()
    table: Mapped[MeetingTable | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("registration_a_id <> registration_b_id", name="distinct_parties"),
    )
