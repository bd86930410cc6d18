"""Setting up an event: details, lifecycle, organisers, sessions cut into slots, tables.

Rules (see docs/event-setup.md): admins create events and choose organisers; organisers edit
them. Times are entered in the event's local time and stored as naive UTC. Once a schedule
exists for the event, sessions and slots are frozen, except blocking a slot without meetings
(and unblocking any slot).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from app.models import Event, Meeting, MeetingTable, Registration, Schedule, Session, Slot, User, db
from app.models.enums import (
    ApprovalMode,
    EventFormat,
    EventStatus,
    MeetingStatus,
    ScheduleStatus,
)
from app.models.event import DEFAULT_REQUEST_WEIGHTS
from app.models.registration import registration_session, registration_unavailable_slot
from app.models.taxonomy import Sector
from app.services import ServiceError
from app.services.registrations import ACTIVE, is_organiser
from app.services.schedules import published_schedule

COMMON_TIMEZONES = (
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Zurich",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Lisbon",
    "Europe/London",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "America/Toronto",
    "Africa/Casablanca",
    "Africa/Dakar",
    "Africa/Abidjan",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "UTC",
)
DEFAULT_WEIGHTS = DEFAULT_REQUEST_WEIGHTS
WEIGHT_KEYS = ("mutual_must_meet", "must_meet", "would_like", "if_time", "organiser")
LIVE_SCHEDULES = (ScheduleStatus.DRAFT, ScheduleStatus.PUBLISHED)
_TEMP_POSITION = 1_000_000


class SetupError(ServiceError):
    """A refused set-up operation: `code` names the rule, `field` the form field it concerns."""

    def __init__(self, code: str, *, field: str | None = None, **params):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params


# --- times ---------------------------------------------------------------------------------


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_to_utc(value: datetime, timezone: str) -> datetime:
    """A naive local datetime in `timezone` as a naive UTC datetime."""
    return value.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime, timezone: str) -> datetime:
    """A naive UTC datetime as a naive local datetime in `timezone`."""
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


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


# --- access --------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_admin):
        raise SetupError("forbidden")


def _require_organiser(event: Event, actor: User) -> None:
    if not is_organiser(event, actor):
        raise SetupError("forbidden")


def organised_events(user: User) -> list[Event]:
    """The events a user may set up: all for admins, else those they organise."""
    query = sa.select(Event).order_by(Event.starts_on.desc(), Event.title)
    if not user.is_admin:
        query = query.where(Event.organisers.any(User.id == user.id))
    return list(db.session.scalars(query))


def grant_organiser(*, event: Event, email: str, actor: User) -> User:
    """Make the account with this e-mail address an organiser of `event` (admins only)."""
    _require_admin(actor)
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise SetupError("no-account", field="email", email=email)
    if user in event.organisers:
        raise SetupError("already-organiser", field="email", email=user.email)
    event.organisers.append(user)
    db.session.flush()
    return user


def revoke_organiser(*, event: Event, user: User, actor: User) -> None:
    _require_admin(actor)
    if user not in event.organisers:
        raise SetupError("not-organiser")
    event.organisers.remove(user)
    db.session.flush()


# --- event details and lifecycle -----------------------------------------------------------


@dataclass(frozen=True)
class EventData:
    """The event form's values; deadlines are naive datetimes in the event's local time."""

    title: str
    starts_on: date
    ends_on: date
    slug: str = ""
    description: str = ""
    sectors: list[Sector] = field(default_factory=list)
    venue: str = ""
    address: str = ""
    city: str = ""
    timezone: str = "Europe/Paris"
    registration_deadline: datetime | None = None
    request_deadline: datetime | None = None
    meeting_minutes: int = 20
    pause_minutes: int = 5
    format: EventFormat = EventFormat.HOME_TABLES
    approval_mode: ApprovalMode = ApprovalMode.AUTO
    max_registrations: int | None = None
    max_meetings_default: int = 12
    max_pending_requests: int = 20
    request_expiry_hours: int | None = None
    request_weights: dict[str, int] = field(default_factory=dict)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "evenement"


def _slug_taken(slug: str, event: Event | None) -> bool:
    query = sa.select(Event.id).where(Event.slug == slug)
    if event is not None and event.id is not None:
        query = query.where(Event.id != event.id)
    return db.session.scalar(query) is not None


def _choose_slug(data: EventData, event: Event | None) -> str:
    if data.slug:
        if _slug_taken(data.slug, event):
            raise SetupError("slug-taken", field="slug", slug=data.slug)
        return data.slug
    if event is not None:
        return event.slug
    base = slugify(data.title)
    slug, n = base, 2
    while _slug_taken(slug, None):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_data(data: EventData) -> None:
    if not valid_timezone(data.timezone):
        raise SetupError("timezone", field="timezone")
    if data.ends_on < data.starts_on:
        raise SetupError("days-order", field="ends_on")
    if data.meeting_minutes <= 0:
        raise SetupError("meeting-minutes", field="meeting_minutes")
    if data.pause_minutes < 0:
        raise SetupError("pause-minutes", field="pause_minutes")
    if set(data.request_weights) != set(WEIGHT_KEYS) or any(
        w < 1 for w in data.request_weights.values()
    ):
        raise SetupError("weights", field="weights")
    opening = local_to_utc(datetime.combine(data.starts_on, time()), data.timezone)
    for name in ("registration_deadline", "request_deadline"):
        value = getattr(data, name)
        if value is not None and local_to_utc(value, data.timezone) > opening:
            raise SetupError("deadline-after-event", field=name)
    if (
        data.registration_deadline
        and data.request_deadline
        and data.request_deadline < data.registration_deadline
    ):
        raise SetupError("request-before-registration", field="request_deadline")


def _apply(event: Event, data: EventData) -> None:
    for name in ("title", "description", "venue", "address", "city", "timezone"):
        setattr(event, name, getattr(data, name).strip() if name != "timezone" else data.timezone)
    for name in (
        "starts_on",
        "ends_on",
        "meeting_minutes",
        "pause_minutes",
        "format",
        "approval_mode",
        "max_registrations",
        "max_meetings_default",
        "max_pending_requests",
        "request_expiry_hours",
    ):
        setattr(event, name, getattr(data, name))
    event.sectors = list(data.sectors)
    event.request_weights = {key: int(data.request_weights[key]) for key in WEIGHT_KEYS}
    for name in ("registration_deadline", "request_deadline"):
        value = getattr(data, name)
        setattr(event, name, None if value is None else local_to_utc(value, data.timezone))


def create_event(*, data: EventData, actor: User) -> Event:
    """A new draft event (admins only); its slug comes from the title when left empty."""
    _require_admin(actor)
    _check_data(data)
    event = Event(slug=_choose_slug(data, None), status=EventStatus.DRAFT)
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(
    *, event: Event, data: EventData, actor: User, status: EventStatus | None = None
) -> Event:
    """Edit an event's details (and move its status). Times of sessions keep their local time."""
    _require_organiser(event, actor)
    _check_data(data)
    if data.slug and data.slug != event.slug and event.status is not EventStatus.DRAFT:
        raise SetupError("slug-locked", field="slug")
    slug = _choose_slug(data, event)
    reslot = (data.meeting_minutes, data.pause_minutes, data.timezone) != (
        event.meeting_minutes,
        event.pause_minutes,
        event.timezone,
    )
    if reslot and schedule_lock(event) is not None:
        changed = next(
            name
            for name in ("meeting_minutes", "pause_minutes", "timezone")
            if getattr(data, name) != getattr(event, name)
        )
        raise SetupError("schedule-exists", field=changed, **_lock_params(event))
    old_timezone = event.timezone
    outside = [
        s
        for s in event.sessions
        if not data.starts_on <= utc_to_local(s.starts_at, old_timezone).date() <= data.ends_on
    ]
    if outside:
        raise SetupError("sessions-outside", field="starts_on", num=len(outside))
    if status is not None and status is not event.status:
        change_status(event=event, status=status, actor=actor)
    event.slug = slug
    _apply(event, data)
    if data.timezone != old_timezone:
        for session in event.sessions:  # keep the wall-clock times the organiser entered
            session.starts_at = local_to_utc(
                utc_to_local(session.starts_at, old_timezone), data.timezone
            )
            session.ends_at = local_to_utc(
                utc_to_local(session.ends_at, old_timezone), data.timezone
            )
    if reslot:
        sync_slots(event=event)
    db.session.flush()
    return event


ORDER = list(EventStatus)
# Backward moves that make sense: undo one step before publication, or reopen a closed day.
BACKWARD = {
    EventStatus.REGISTRATION_OPEN: EventStatus.DRAFT,
    EventStatus.MATCHMAKING: EventStatus.REGISTRATION_OPEN,
    EventStatus.SCHEDULING: EventStatus.MATCHMAKING,
    EventStatus.LIVE: EventStatus.PUBLISHED,
    EventStatus.CLOSED: EventStatus.LIVE,
}


def status_moves(event: Event) -> list[EventStatus]:
    """The statuses an event may move to from its current one (next step, or one back)."""
    index = ORDER.index(event.status)
    moves = []
    if event.status in BACKWARD:
        moves.append(BACKWARD[event.status])
    if index + 1 < len(ORDER):
        moves.append(ORDER[index + 1])
    return moves


def change_status(*, event: Event, status: EventStatus, actor: User) -> None:
    _require_organiser(event, actor)
    if status not in status_moves(event):
        raise SetupError("status-move", field="status")
    opening = status is EventStatus.REGISTRATION_OPEN and event.status is EventStatus.DRAFT
    if opening and not any(not s.blocked for s in event.slots):
        raise SetupError("status-no-slots", field="status")
    if status is EventStatus.DRAFT and (active := _active_registrations(event)):
        raise SetupError("status-registrations", field="status", num=active)
    if status is EventStatus.PUBLISHED and published_schedule(event) is None:
        raise SetupError("status-no-schedule", field="status")
    event.status = status
    db.session.flush()


def _active_registrations(event: Event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE))
    )


# --- schedule lock -------------------------------------------------------------------------


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


def _lock_params(event: Event) -> dict:
    lock = schedule_lock(event)
    return {"num": lock.meetings, "published": lock.published} if lock else {}


def _refuse_if_scheduled(event: Event) -> None:
    if schedule_lock(event) is not None:
        raise SetupError("schedule-exists", **_lock_params(event))


# --- sessions and slots --------------------------------------------------------------------


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
    _require_organiser(event, actor)
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
    _require_organiser(event, actor)
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
    _require_organiser(slot.event, actor)
    if blocked and not slot.blocked and (count := slot_meetings(slot)):
        raise SetupError("slot-has-meetings", num=count)
    slot.blocked = blocked
    slot.label = label.strip() if blocked else ""
    db.session.flush()
    return slot


# --- tables --------------------------------------------------------------------------------


def table_refusal(table: MeetingTable) -> SetupError | None:
    """Why a table cannot be deleted (home table, or used by meetings), or None."""
    homes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.home_table_id == table.id, Registration.status.in_(ACTIVE))
    )
    if homes:
        return SetupError("table-home", label=table.label, num=homes)
    meetings = db.session.scalar(
        sa.select(sa.func.count()).select_from(Meeting).where(Meeting.table_id == table.id)
    )
    if meetings:
        return SetupError("table-meetings", label=table.label, num=meetings)
    return None


def _table_zones(count: int, zones: list[str]) -> list[str]:
    """Consecutive tables share a zone: 10 tables in 2 zones are 5 + 5."""
    if not zones:
        return [""] * count
    size = max(1, math.ceil(count / len(zones)))
    return [zones[min(i // size, len(zones) - 1)] for i in range(count)]


def set_tables(*, event: Event, count: int, pattern: str, zones: list[str], actor: User) -> None:
    """Number the tables 1..count with a label pattern such as "T{n}" and spread the zones."""
    _require_organiser(event, actor)
    if count < 0:
        raise SetupError("table-count", field="count")
    if "{n}" not in pattern:
        raise SetupError("table-pattern", field="pattern")
    tables = sorted(event.tables, key=lambda t: (t.position, t.id))
    for table in tables[count:]:
        if (refusal := table_refusal(table)) is not None:
            refusal.field = "count"
            raise refusal
    for table in tables[count:]:
        event.tables.remove(table)
    kept = tables[:count]
    for table in kept:  # temporary labels: the new ones may swap with the old ones
        table.label = f"~{table.id}"
    db.session.flush()
    labels, zone_list = (
        [pattern.replace("{n}", str(n)) for n in range(1, count + 1)],
        _table_zones(count, zones),
    )
    if any(len(label) > 40 for label in labels):
        raise SetupError("table-pattern", field="pattern")
    for n in range(count):
        if n < len(kept):
            table = kept[n]
        else:
            table = MeetingTable(event=event)
            db.session.add(table)
        table.label, table.zone, table.position = labels[n], zone_list[n], n + 1
    db.session.flush()


def update_table(*, table: MeetingTable, label: str, zone: str, actor: User) -> MeetingTable:
    _require_organiser(table.event, actor)
    label = label.strip()
    if not label:
        raise SetupError("table-label", field="label")
    if any(t is not table and t.label == label for t in table.event.tables):
        raise SetupError("table-label-taken", field="label", label=label)
    table.label, table.zone = label, zone.strip()
    db.session.flush()
    return table


def delete_table(*, table: MeetingTable, actor: User) -> None:
    _require_organiser(table.event, actor)
    if (refusal := table_refusal(table)) is not None:
        raise refusal
    table.event.tables.remove(table)
    db.session.flush()
