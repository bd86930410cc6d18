"""Reading schedules: the published version, drafts, a participant's meetings.

Versions: each optimiser run stores a draft `Schedule`; publishing makes a draft the current
version (status "published") and the previous one "superseded". A meeting keeps its `uid`
across versions; its `sequence` grows when its time or place changes. A meeting dropped from
a newer version is kept in it with status "cancelled" (so calendars show the cancellation).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.models import Event, Meeting, Registration, Schedule, db
from app.models.enums import ScheduleStatus


def published_schedule(event: Event) -> Schedule | None:
    return db.session.scalar(
        sa.select(Schedule).where(
            Schedule.event_id == event.id, Schedule.status == ScheduleStatus.PUBLISHED
        )
    )


def latest_draft(event: Event) -> Schedule | None:
    return db.session.scalar(
        sa.select(Schedule)
        .where(Schedule.event_id == event.id, Schedule.status == ScheduleStatus.DRAFT)
        .order_by(Schedule.version.desc())
        .limit(1)
    )


def schedule_meetings(schedule: Schedule) -> list[Meeting]:
    """All meetings of a version (cancelled ones included), in time order."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.schedule_id == schedule.id)
            .options(
                selectinload(Meeting.slot),
                selectinload(Meeting.table),
                selectinload(Meeting.registration_a).selectinload(Registration.organisation),
                selectinload(Meeting.registration_b).selectinload(Registration.organisation),
            )
            .join(Meeting.slot)
            .order_by(sa.text("slot.position"), Meeting.id)
        )
    )


def meetings_of(schedule: Schedule, registration: Registration) -> list[Meeting]:
    """One participant's meetings in a version (cancelled ones included), in time order."""
    return [
        m
        for m in schedule_meetings(schedule)
        if registration.id in (m.registration_a_id, m.registration_b_id)
    ]


def counterpart(meeting: Meeting, registration: Registration) -> Registration:
    """The other party of a meeting, seen from `registration`."""
    if meeting.registration_a_id == registration.id:
        return meeting.registration_b
    return meeting.registration_a
