"""Sessions cut into slots, blocked slots, and the lock a schedule puts on them.

Once a schedule exists for the event, sessions and slots are frozen, except blocking a slot
without meetings (and unblocking any slot).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa

from app.models import Event, Meeting, Registration, Schedule, Session, Slot, User, db
from app.models.enums import MeetingStatus, ScheduleStatus
from app.models.registration import registration_session, registration_unavailable_slot
from app.services.event_setup.common import LIVE_SCHEDULES, SetupError, require_organiser
from app.services.event_setup.times import local_to_utc, slot_times
from app.services.registrations import ACTIVE

_TEMP_POSITION = 1_000_000


def generate_slots(*, event: Event) -> list[Slot]:
    """(Re)create the slots of every session of `event`, numbered in time order."""
    event.slots.clear()
    position = 0
    for session in sorted(event.sessions, key=lambda s: s.starts_at):
        for start, end in slot_times(
            session.starts_at,
            session.ends_at,
            meeting_minutes=event.meeting_minutes,
            pause_minutes=event.pause_minutes,
        ):
            event.slots.append(
                Slot(session=session, position=position, starts_at=start, ends_at=end)
            )
            position += 1
    return event.slots


def add_session(*, event: Event, name: str, starts_at: datetime, ends_at: datetime) -> Session:
    session = Session(name=name, starts_at=starts_at, ends_at=ends_at)
    event.sessions.append(session)
    return session


def sync_slots(*, event: Event) -> list[Slot]:
    """Make the slots match the sessions, keeping unchanged slots (blocks, availabilities)."""
    db.session.flush()
    wanted = [
        (session, start, end)
        for session in sorted(event.sessions, key=lambda s: s.starts_at)
        for start, end in slot_times(
            session.starts_at,
            session.ends_at,
            meeting_minutes=event.meeting_minutes,
            pause_minutes=event.pause_minutes,
        )
    ]
    existing = {(s.session_id, s.starts_at, s.ends_at): s for s in event.slots}
    keys = {(session.id, start, end) for session, start, end in wanted}
    obsolete = [slot for key, slot in existing.items() if key not in keys]
    if obsolete:
        _delete_slots(obsolete)
    # Two passes so that renumbering never collides with the (event, position) unique key.
    kept = [slot for key, slot in existing.items() if key in keys]
    for n, slot in enumerate(kept):
        slot.position = _TEMP_POSITION + n
    db.session.flush()
    for position, (session, start, end) in enumerate(wanted):
        slot = existing.get((session.id, start, end))
        if slot is None:
            db.session.add(
                Slot(event=event, session=session, position=position, starts_at=start, ends_at=end)
            )
        else:
            slot.position = position
    db.session.flush()
    db.session.expire(event, ["slots"])
    for session in event.sessions:
        db.session.expire(session, ["slots"])
    return event.slots


def _delete_slots(slots: list[Slot]) -> None:
    ids = [s.id for s in slots]
    # SQLite does not enforce ON DELETE CASCADE here: remove the availability marks explicitly.
    db.session.execute(
        registration_unavailable_slot.delete().where(
            registration_unavailable_slot.c.slot_id.in_(ids)
        )
    )
    for slot in slots:
        db.session.delete(slot)
    db.session.flush()


@dataclass(frozen=True)
class ScheduleLock:
    """Why slots are frozen: schedule versions exist, holding `meetings` live meetings."""

    published: bool
    drafts: int
    meetings: int


def schedule_lock(event: Event) -> ScheduleLock | None:
    """None when no schedule version exists for the event, else what a change would break."""
    if event.id is None:
        return None
    statuses = db.session.scalars(sa.select(Schedule.status).where(Schedule.event_id == event.id))
    statuses = list(statuses)
    if not statuses:
        return None
    meetings = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Meeting)
        .join(Schedule)
        .where(Schedule.event_id == event.id, Schedule.status.in_(LIVE_SCHEDULES))
        .where(Meeting.status != MeetingStatus.CANCELLED)
    )
    return ScheduleLock(
        published=ScheduleStatus.PUBLISHED in statuses,
        drafts=statuses.count(ScheduleStatus.DRAFT),
        meetings=meetings,
    )


def lock_params(event: Event) -> dict:
    lock = schedule_lock(event)
    return {"num": lock.meetings, "published": lock.published} if lock else {}


def _refuse_if_scheduled(event: Event) -> None:
    if schedule_lock(event) is not None:
        raise SetupError("schedule-exists", **lock_params(event))


def plan_session(
    *,
    event: Event,
    name: str,
    day: date,
    start: time,
    end: time,
    session: Session | None = None,
) -> list[tuple[datetime, datetime]]:
    """Check a session (new or edited) and return its slots in UTC; writes nothing."""
    _refuse_if_scheduled(event)
    if not name.strip():
        raise SetupError("session-name", field="name")
    if not event.starts_on <= day <= event.ends_on:
        raise SetupError("session-day", field="day")
    if end <= start:
        raise SetupError("session-order", field="end")
    starts_at = local_to_utc(datetime.combine(day, start), event.timezone)
    ends_at = local_to_utc(datetime.combine(day, end), event.timezone)
    for other in event.sessions:
        if other is not session and other.starts_at < ends_at and starts_at < other.ends_at:
            raise SetupError("session-overlap", field="start", other=other.name)
    times = slot_times(
        starts_at, ends_at, meeting_minutes=event.meeting_minutes, pause_minutes=event.pause_minutes
    )
    if not times:
        raise SetupError("session-short", field="end", minutes=event.meeting_minutes)
    return times


def save_session(
    *,
    event: Event,
    name: str,
    day: date,
    start: time,
    end: time,
    actor: User,
    session: Session | None = None,
) -> Session:
    """Add or edit a session and regenerate the event's slots."""
    require_organiser(event, actor)
    plan_session(event=event, name=name, day=day, start=start, end=end, session=session)
    starts_at = local_to_utc(datetime.combine(day, start), event.timezone)
    ends_at = local_to_utc(datetime.combine(day, end), event.timezone)
    if session is None:
        session = add_session(event=event, name=name.strip(), starts_at=starts_at, ends_at=ends_at)
    session.name, session.starts_at, session.ends_at = name.strip(), starts_at, ends_at
    sync_slots(event=event)
    return session


def delete_session(*, event: Event, session: Session, actor: User) -> None:
    """Delete a session and its slots; refused once scheduled or if participants chose it."""
    require_organiser(event, actor)
    _refuse_if_scheduled(event)
    chosen = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(registration_session)
        .join(Registration, Registration.id == registration_session.c.registration_id)
        .where(registration_session.c.session_id == session.id, Registration.status.in_(ACTIVE))
    )
    if chosen:
        raise SetupError("session-chosen", num=chosen)
    _delete_slots(list(session.slots))
    db.session.execute(
        registration_session.delete().where(registration_session.c.session_id == session.id)
    )
    db.session.expire(session, ["slots"])
    event.sessions.remove(session)
    db.session.flush()
    sync_slots(event=event)


def slot_meetings(slot: Slot) -> int:
    """Live meetings (draft or published versions, not cancelled) held in a slot."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Meeting)
        .join(Schedule)
        .where(Meeting.slot_id == slot.id, Schedule.status.in_(LIVE_SCHEDULES))
        .where(Meeting.status != MeetingStatus.CANCELLED)
    )


def set_slot_blocked(*, slot: Slot, blocked: bool, label: str, actor: User) -> Slot:
    """Block a slot (with a label such as "Pause café") or unblock it.

    With a schedule, blocking is refused only when the slot holds meetings; unblocking is
    always possible (it only adds room).
    """
    require_organiser(slot.event, actor)
    if blocked and not slot.blocked and (count := slot_meetings(slot)):
        raise SetupError("slot-has-meetings", num=count)
    slot.blocked = blocked
    slot.label = label.strip() if blocked else ""
    db.session.flush()
    return slot
