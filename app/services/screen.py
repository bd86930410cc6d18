"""The public now/next screen: the current and next rounds, who sits at which table, news.

Public data only (docs/live-day.md): slot times, session names, table labels and zones, the
names of the two organisations of each meeting, and visible announcements. Never a person's
name, e-mail or any registration detail. Only the published schedule of a non-draft event.
A round is a slot; blocked slots are breaks and are not shown as rounds.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app, has_request_context
from flask_babel import get_locale
from sqlalchemy.orm import selectinload

from app.models import Event, Meeting, Registration, Slot, db
from app.models.enums import EventStatus, MeetingStatus, RegistrationRole
from app.services.announcements import visible_announcements
from app.services.schedules import published_schedule
from app.templating import to_local

HIDDEN_STATUSES = (MeetingStatus.CANCELLED, MeetingStatus.NO_SHOW)


def screen_available(event: Event) -> bool:
    """Whether the event has a public screen at all (any status but draft)."""
    return event.status is not EventStatus.DRAFT


def _ms(value: datetime) -> int:
    """A naive-UTC datetime as milliseconds since the epoch (what JavaScript's Date takes)."""
    return int(value.replace(tzinfo=UTC).timestamp() * 1000)


def _pair(meeting: Meeting) -> tuple[Registration, Registration]:
    """(host, guest): the AI provider first, as it usually keeps its table."""
    a, b = meeting.registration_a, meeting.registration_b
    return (
        (b, a)
        if a.role is not RegistrationRole.PROVIDER and b.role is RegistrationRole.PROVIDER
        else (a, b)
    )


def _assignments(schedule_id: int, slot: Slot) -> list[dict]:
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.schedule_id == schedule_id,
            Meeting.slot_id == slot.id,
            Meeting.status.not_in(HIDDEN_STATUSES),
        )
        .options(
            selectinload(Meeting.table),
            selectinload(Meeting.registration_a).selectinload(Registration.organisation),
            selectinload(Meeting.registration_b).selectinload(Registration.organisation),
        )
    ).all()
    rows = []
    for m in meetings:
        host, guest = _pair(m)
        rows.append(
            {
                "table": m.table.label if m.table else "",
                "zone": m.table.zone if m.table else "",
                "host": host.organisation.name,
                "guest": guest.organisation.name,
                "_order": (m.table is None, m.table.position if m.table else 0, m.id),
            }
        )
    rows.sort(key=lambda r: r.pop("_order"))
    return rows


def _locale() -> str:
    """The language of the page asking (French outside a request)."""
    if has_request_context():
        return str(get_locale())
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _round(event: Event, schedule_id: int, slot: Slot, *, now: datetime, locale: str) -> dict:
    start, end = to_local(slot.starts_at, event.timezone), to_local(slot.ends_at, event.timezone)
    return {
        "slot": slot.id,
        "label": slot.label or slot.session.name,
        "session": slot.session.name,
        "starts_at": _ms(slot.starts_at),
        "ends_at": _ms(slot.ends_at),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "day": start.date().isoformat(),
        # In words, in the page's language and the event's timezone: "samedi 26 décembre".
        "day_label": format_date(start.date(), "EEEE d MMMM", locale=locale),
        "other_day": start.date() != to_local(now, event.timezone).date(),
        "meetings": _assignments(schedule_id, slot),
    }


def screen_state(event: Event, *, now: datetime, locale: str | None = None) -> dict:
    """What the screen shows at `now` (naive UTC), as JSON-ready data.

    `now` is the server's clock, sent along so that the browser counts down with an offset
    and a wrong clock on the screen's computer does not matter. Dates in words are in
    `locale` (by default the language of the page asking).
    """
    locale = locale or _locale()
    announcements = [
        {"id": a.id, "message": a.message, "at": _ms(a.created_at)}
        for a in visible_announcements(event)
    ]
    local_now = to_local(now, event.timezone)
    state = {
        "event": {"slug": event.slug, "title": event.title},
        "now": _ms(now),
        "clock": local_now.strftime("%H:%M"),
        "utc_offset": int(local_now.utcoffset().total_seconds() * 1000),
        "available": False,
        "phase": "unpublished",
        "current": None,
        "next": None,
        "announcements": announcements,
    }
    schedule = published_schedule(event)
    if schedule is None:
        return state
    slots = [s for s in event.slots if not s.blocked]
    current = next((s for s in slots if s.starts_at <= now < s.ends_at), None)
    upcoming = next((s for s in slots if s.starts_at > now), None)
    if current:
        phase = "round"
    elif upcoming is None:
        phase = "finished"
    elif any(s.ends_at <= now for s in slots):
        phase = "break"
    else:
        phase = "before"
    state.update(
        available=True,
        phase=phase,
        version=schedule.version,
        current=_round(event, schedule.id, current, now=now, locale=locale) if current else None,
        next=_round(event, schedule.id, upcoming, now=now, locale=locale) if upcoming else None,
    )
    return state
