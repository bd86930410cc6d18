"""Building an event's programme: sessions cut into meeting slots."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import Event, Session, Slot


def slot_times(
    start: datetime, end: datetime, *, meeting_minutes: int, pause_minutes: int
) -> list[tuple[datetime, datetime]]:
    """Consecutive (start, end) meeting slots that fit in [start, end]."""
    if meeting_minutes <= 0:
        raise ValueError("meeting_minutes must be positive")
    meeting, pause = timedelta(minutes=meeting_minutes), timedelta(minutes=pause_minutes)
    times, cursor = [], start
    while cursor + meeting <= end:
        times.append((cursor, cursor + meeting))
        cursor += meeting + pause
    return times


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
