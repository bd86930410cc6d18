"""Short announcements from an event's organisers, shown live on the now/next screen."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from app.models import Announcement, Event, User, db
from app.services import ServiceError
from app.services.registrations import is_organiser

MAX_LENGTH = 280
SCREEN_COUNT = 5
# Control characters (tab and newline aside) would garble the screen and the logs.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class AnnouncementError(ServiceError):
    """A refused announcement operation."""


def post_announcement(*, event: Event, actor: User, message: str, now: datetime) -> Announcement:
    """Publish an announcement for `event` (organisers only)."""
    if not is_organiser(event, actor):
        raise AnnouncementError("not-organiser")
    text = _CONTROL.sub("", message or "").strip()
    if not text:
        raise AnnouncementError("empty")
    if len(text) > MAX_LENGTH:
        raise AnnouncementError("too-long")
    announcement = Announcement(event_id=event.id, message=text, created_by=actor, created_at=now)
    db.session.add(announcement)
    db.session.flush()
    return announcement


def set_hidden(*, announcement: Announcement, actor: User, hidden: bool, now: datetime) -> None:
    """Hide an announcement from the screen, or show it again."""
    event = db.session.get(Event, announcement.event_id)
    if event is None or not is_organiser(event, actor):
        raise AnnouncementError("not-organiser")
    announcement.hidden_at = now if hidden else None
    db.session.flush()


def event_announcements(event: Event) -> list[Announcement]:
    """Every announcement of the event, newest first (for the organisers)."""
    return list(
        db.session.scalars(
            sa.select(Announcement)
            .where(Announcement.event_id == event.id)
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        )
    )


def visible_announcements(event: Event, limit: int = SCREEN_COUNT) -> list[Announcement]:
    """The latest announcements not hidden, newest first."""
    return list(
        db.session.scalars(
            sa.select(Announcement)
            .where(Announcement.event_id == event.id, Announcement.hidden_at.is_(None))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(limit)
        )
    )
