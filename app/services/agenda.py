"""A participant's agenda: meetings of the published version and what changed since the last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.models import Meeting, Registration, Schedule, db
from app.models.enums import MeetingStatus, ScheduleStatus
from app.services.schedules import counterpart, meetings_of, published_schedule


@dataclass(frozen=True)
class AgendaItem:
    meeting: Meeting
    other: Registration
    change: str | None  # None, "new", "moved", "cancelled"
    past: bool


def previous_version(schedule: Schedule) -> Schedule | None:
    """The version published before this one."""
    return db.session.scalar(
        sa.select(Schedule)
        .where(
            Schedule.event_id == schedule.event_id,
            Schedule.status == ScheduleStatus.SUPERSEDED,
            Schedule.version < schedule.version,
        )
        .order_by(Schedule.version.desc())
        .limit(1)
    )


def _change(meeting: Meeting, before: dict[str, Meeting] | None) -> str | None:
    if before is None:
        return None
    old = before.get(meeting.uid)
    if meeting.status is MeetingStatus.CANCELLED:
        return (
            "cancelled" if old is not None and old.status is not MeetingStatus.CANCELLED else None
        )
    if old is None:
        return "new"
    if (old.slot_id, old.table_id) != (meeting.slot_id, meeting.table_id):
        return "moved"
    return None


def agenda(registration: Registration, *, now: datetime) -> list[AgendaItem]:
    """The registration's meetings in the published schedule, in time order, with changes."""
    schedule = published_schedule(registration.event)
    if schedule is None:
        return []
    previous = previous_version(schedule)
    before = {m.uid: m for m in meetings_of(previous, registration)} if previous else None
    items = []
    for meeting in meetings_of(schedule, registration):
        change = _change(meeting, before)
        if meeting.status is MeetingStatus.CANCELLED and change is None:
            continue  # cancelled in an older version: no longer news
        items.append(
            AgendaItem(
                meeting=meeting,
                other=counterpart(meeting, registration),
                change=change,
                past=meeting.slot.ends_at < now,
            )
        )
    return items
