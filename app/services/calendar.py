"""iCalendar feeds: one participant's meetings, or every meeting of an event for organisers.

Small builders, as in pretalx: each VEVENT keeps a stable UID (`<meeting uid>@<host>`) across
schedule versions, its SEQUENCE grows when the meeting moves or is cancelled, and user text
is stripped of control characters before it reaches a property. Times are written in the
event's timezone with a VTIMEZONE, so calendar clients never guess.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from app.models import Attendee, Event, Meeting, Registration, Schedule, User, db
from app.models.enums import MeetingStatus
from app.models.registration import new_token, token_digest
from app.services import ServiceError
from app.services.organisations import require_member
from app.services.schedules import counterpart, meetings_of, published_schedule, schedule_meetings

PRODID = "-//Rendez-vous IA//Calendriers//FR"
DEFAULT_HOST = "rdv-ia"
# Calendar clients poll subscriptions; ask for an hour (some clients ignore it).
REFRESH = timedelta(hours=1)
# Tokens come from `secrets.token_urlsafe`: anything else is refused without a query
# (PostgreSQL rejects a NUL character in a string parameter).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Feed:
    """What a calendar token opens: a registration's meetings, seen by one attendee or all."""

    registration: Registration
    attendee: Attendee | None = None

    @property
    def locale(self) -> str:
        user = self.attendee.user if self.attendee else self.registration.created_by
        return user.locale if user is not None and user.locale in ("fr", "en") else "fr"


def clean_text(value: str | None) -> str:
    """User text safe for one iCalendar property: control characters become single spaces."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def calendar_host(server_name: str | None) -> str:
    """The right-hand side of UIDs: the configured host (without port) or a constant."""
    host = (server_name or "").split(":", 1)[0].strip().lower()
    return host or DEFAULT_HOST


def meeting_uid(meeting: Meeting, host: str) -> str:
    return f"{meeting.uid}@{host}"


def find_feed(token: str) -> Feed | None:
    """The attendee or registration whose calendar token this is, or None."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    # Looked up by digest, then confirmed in constant time: neither the database index nor
    # a string comparison walks the secret itself character by character.
    digest = token_digest(token)
    attendee = db.session.scalar(sa.select(Attendee).where(Attendee.calendar_token_hash == digest))
    if attendee is not None and hmac.compare_digest(attendee.calendar_token, token):
        return Feed(registration=attendee.registration, attendee=attendee)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.calendar_token_hash == digest)
    )
    if registration is not None and hmac.compare_digest(registration.calendar_token, token):
        return Feed(registration=registration)
    return None


def regenerate_calendar_token(
    *, registration: Registration, actor: User, attendee: Attendee | None = None
) -> str:
    """Replace a calendar token (the old feed URL stops working); members only."""
    require_member(registration.organisation, actor)
    if attendee is not None and attendee.registration_id != registration.id:
        raise ServiceError("forbidden")
    target = attendee if attendee is not None else registration
    target.calendar_token = new_token()
    target.calendar_token_hash = token_digest(target.calendar_token)
    db.session.flush()
    return target.calendar_token


def event_is_over(event: Event, now: datetime) -> bool:
    """True once the event's last day has ended in its own timezone (`now` is naive UTC)."""
    local_today = now.replace(tzinfo=UTC).astimezone(ZoneInfo(event.timezone)).date()
    return local_today > event.ends_on


def visible_meetings(meetings: list[Meeting], event: Event, now: datetime) -> list[Meeting]:
    """Cancelled meetings stay in feeds (so clients remove them) until the event is over."""
    if not event_is_over(event, now):
        return meetings
    return [m for m in meetings if m.status is not MeetingStatus.CANCELLED]


def new_calendar(event: Event, name: str) -> icalendar.Calendar:
    """An empty VCALENDAR with its headers and the event's VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", clean_text(name))
    cal.add("x-wr-timezone", event.timezone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    if event.timezone != "UTC":
        cal.add_component(
            icalendar.Timezone.from_tzid(
                event.timezone,
                first_date=date(event.starts_on.year - 1, 1, 1),
                last_date=date(event.ends_on.year + 1, 12, 31),
            )
        )
    return cal


def meeting_location(event: Event, meeting: Meeting) -> str:
    place = ", ".join(p for p in (clean_text(event.venue), clean_text(event.city)) if p)
    table = ""
    if meeting.table is not None:
        table = _("Table %(label)s", label=clean_text(meeting.table.label))
        if meeting.table.zone:
            table = _("%(table)s, zone %(zone)s", table=table, zone=clean_text(meeting.table.zone))
    return " – ".join(p for p in (place, table) if p)


def _local(value: datetime, event: Event) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(event.timezone))


def _stamp(schedule: Schedule, now: datetime) -> datetime:
    # The publication time: the feed stays byte-identical between versions (ETag-friendly).
    return (schedule.published_at or now).replace(tzinfo=UTC)


def meeting_vevent(
    meeting: Meeting,
    *,
    event: Event,
    summary: str,
    description: str,
    host: str,
    stamp: datetime,
) -> icalendar.Event:
    """One VEVENT; `summary` and `description` are already built from cleaned text."""
    vevent = icalendar.Event()
    vevent.add("uid", meeting_uid(meeting, host))
    vevent.add("sequence", meeting.sequence)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", _local(meeting.slot.starts_at, event))
    vevent.add("dtend", _local(meeting.slot.ends_at, event))
    vevent.add("summary", summary)
    vevent.add("location", meeting_location(event, meeting))
    vevent.add("description", description)
    cancelled = meeting.status is MeetingStatus.CANCELLED
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return vevent


def _participant_texts(
    meeting: Meeting, registration: Registration, agenda_url: str | None
) -> tuple[str, str]:
    other = clean_text(counterpart(meeting, registration).organisation.name)
    summary = _("Meeting: %(name)s", name=other)
    if meeting.status is MeetingStatus.CANCELLED:
        summary = _("Cancelled: %(summary)s", summary=summary)
    lines = [_("With: %(name)s", name=other)]
    if meeting.table is not None:
        lines.append(_("Table: %(label)s", label=clean_text(meeting.table.label)))
    if agenda_url:
        lines.append(_("Your agenda: %(url)s", url=agenda_url))
    return summary, "\n".join(lines)


def participant_calendar(
    *,
    feed: Feed,
    now: datetime,
    host: str = DEFAULT_HOST,
    agenda_url: str | None = None,
) -> icalendar.Calendar:
    """The calendar of one registration (or one of its attendees), in their language."""
    registration = feed.registration
    event = registration.event
    with force_locale(feed.locale):
        name = f"{event.title} – {registration.organisation.name}"
        cal = new_calendar(event, name)
        schedule = published_schedule(event)
        if schedule is None:
            return cal
        stamp = _stamp(schedule, now)
        for meeting in visible_meetings(meetings_of(schedule, registration), event, now):
            summary, description = _participant_texts(meeting, registration, agenda_url)
            cal.add_component(
                meeting_vevent(
                    meeting,
                    event=event,
                    summary=summary,
                    description=description,
                    host=host,
                    stamp=stamp,
                )
            )
    return cal


def organiser_calendar(
    *, event: Event, now: datetime, locale: str = "fr", host: str = DEFAULT_HOST
) -> icalendar.Calendar:
    """Every meeting of the published schedule, for the organisers' calendars."""
    with force_locale(locale):
        cal = new_calendar(event, _("%(title)s (organisers)", title=event.title))
        schedule = published_schedule(event)
        if schedule is None:
            return cal
        stamp = _stamp(schedule, now)
        for meeting in visible_meetings(schedule_meetings(schedule), event, now):
            a = clean_text(meeting.registration_a.organisation.name)
            b = clean_text(meeting.registration_b.organisation.name)
            summary = _("Meeting: %(a)s / %(b)s", a=a, b=b)
            if meeting.status is MeetingStatus.CANCELLED:
                summary = _("Cancelled: %(summary)s", summary=summary)
            cal.add_component(
                meeting_vevent(
                    meeting,
                    event=event,
                    summary=summary,
                    description=_("Between %(a)s and %(b)s", a=a, b=b),
                    host=host,
                    stamp=stamp,
                )
            )
    return cal
