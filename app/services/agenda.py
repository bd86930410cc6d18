"""A participant's agenda: meetings of the published version, what changed since the last,
and the participant's private notes on its meetings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.models import Meeting, MeetingNote, Registration, Schedule, User, db
from app.models.enums import MeetingStatus, RegistrationStatus, ScheduleStatus
from app.services import ServiceError
from app.services.organisations import require_member
from app.services.schedules import counterpart, meetings_of, published_schedule

NOTE_MAX_LENGTH = 2000
# Control characters other than tab and line breaks: invisible, and NUL is refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def notes_of(registration: Registration) -> dict[str, str]:
    """The registration's own notes, by meeting uid. Only ever shown to its members."""
    rows = db.session.execute(
        sa.select(MeetingNote.meeting_uid, MeetingNote.text).where(
            MeetingNote.registration_id == registration.id
        )
    )
    return {uid: text for uid, text in rows}


def save_note(
    *, registration: Registration, meeting_uid: str, text: str, actor: User
) -> MeetingNote | None:
    """Write (or, when empty, delete) a member's private note on one of its meetings.

    The note is keyed by the meeting's uid, so it follows the meeting into newer versions.
    """
    require_member(registration.organisation, actor)
    if registration.status is not RegistrationStatus.APPROVED:
        raise ServiceError("forbidden")
    text = _CONTROL.sub("", text).strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise ServiceError("note-too-long")
    own_meeting = db.session.scalar(
        sa.select(Meeting.id)
        .join(Meeting.schedule)
        .where(
            Schedule.event_id == registration.event_id,
            Schedule.status != ScheduleStatus.DRAFT,
            Meeting.uid == meeting_uid,
            sa.or_(
                Meeting.registration_a_id == registration.id,
                Meeting.registration_b_id == registration.id,
            ),
        )
        .limit(1)
    )
    if own_meeting is None:
        raise ServiceError("not-found")
    note = db.session.scalar(
        sa.select(MeetingNote).where(
            MeetingNote.registration_id == registration.id, MeetingNote.meeting_uid == meeting_uid
        )
    )
    if not text:
        if note is not None:
            db.session.delete(note)
        db.session.flush()
        return None
    if note is None:
        note = MeetingNote(
            event_id=registration.event_id, registration=registration, meeting_uid=meeting_uid
        )
        db.session.add(note)
    note.text = text
    db.session.flush()
    return note
