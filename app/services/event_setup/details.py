"""An event's details and lifecycle, and who organises it.

Admins create events and choose organisers; organisers edit them. Deadlines are entered in the
event's local time and stored as naive UTC.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa

from app.models import Event, OrganiserInvitation, Registration, User, db
from app.models.base import utcnow
from app.models.enums import ApprovalMode, EventFormat, EventStatus
from app.models.event import DEFAULT_REQUEST_WEIGHTS, event_organiser
from app.models.taxonomy import Sector
from app.services.event_setup.common import SetupError, require_admin, require_organiser
from app.services.event_setup.slots import lock_params, schedule_lock, sync_slots
from app.services.event_setup.times import local_to_utc, utc_to_local, valid_timezone
from app.services.registrations import ACTIVE
from app.services.schedules import published_schedule

DEFAULT_WEIGHTS = DEFAULT_REQUEST_WEIGHTS
WEIGHT_KEYS = ("mutual_must_meet", "must_meet", "would_like", "if_time", "organiser")


def organised_events(user: User) -> list[Event]:
    """The events a user may set up: all for admins, else those they organise."""
    query = sa.select(Event).order_by(Event.starts_on.desc(), Event.title)
    if not user.is_admin:
        query = query.where(Event.organisers.any(User.id == user.id))
    return list(db.session.scalars(query))


def organises_any(user: User) -> bool:
    """Whether the user has set-up pages: admins, and the organisers of some event."""
    if user.is_admin:
        return True
    organised = sa.select(event_organiser.c.event_id).where(event_organiser.c.user_id == user.id)
    return db.session.scalar(organised.limit(1)) is not None


def grant_organiser(*, event: Event, email: str, actor: User) -> User:
    """Make the account with this e-mail address an organiser of `event` (admins only)."""
    require_admin(actor)
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise SetupError("no-account", field="email", email=email)
    if user in event.organisers:
        raise SetupError("already-organiser", field="email", email=user.email)
    event.organisers.append(user)
    db.session.flush()
    return user


def invite_organiser(*, event: Event, email: str, actor: User) -> OrganiserInvitation:
    """Invite an address with no account yet to organise `event` (admins only); a pending
    invitation to the same address is reused (the e-mail is sent again)."""
    require_admin(actor)
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise SetupError("has-account", field="email", email=email)
    invitation = db.session.scalar(
        sa.select(OrganiserInvitation).where(
            OrganiserInvitation.event_id == event.id, OrganiserInvitation.email == email
        )
    )
    if invitation is None:
        invitation = OrganiserInvitation(event=event, email=email)
        db.session.add(invitation)
    elif invitation.accepted_at is not None:
        raise SetupError("already-organiser", field="email", email=email)
    invitation.invited_by = actor
    db.session.flush()
    return invitation


def pending_organiser_invitations(event: Event) -> list[OrganiserInvitation]:
    return list(
        db.session.scalars(
            sa.select(OrganiserInvitation)
            .where(
                OrganiserInvitation.event_id == event.id,
                OrganiserInvitation.accepted_at.is_(None),
            )
            .order_by(OrganiserInvitation.id)
        )
    )


def withdraw_organiser_invitation(*, invitation: OrganiserInvitation, actor: User) -> None:
    """Delete a pending invitation: its link stops working (admins only)."""
    require_admin(actor)
    if invitation.accepted_at is not None:
        raise SetupError("invitation-used")
    db.session.delete(invitation)
    db.session.flush()


def accept_organiser_invitation(*, invitation: OrganiserInvitation, user: User) -> None:
    """Become an organiser of the event: only the invited address can accept, and once."""
    if invitation.accepted_at is not None:
        raise SetupError("invitation-used")
    if invitation.email != user.email:
        raise SetupError("invitation-other-email", email=invitation.email)
    invitation.accepted_at = utcnow()
    if user not in invitation.event.organisers:
        invitation.event.organisers.append(user)
    db.session.flush()


def revoke_organiser(*, event: Event, user: User, actor: User) -> None:
    require_admin(actor)
    if user not in event.organisers:
        raise SetupError("not-organiser")
    event.organisers.remove(user)
    db.session.flush()


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
    require_admin(actor)
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
    require_organiser(event, actor)
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
        raise SetupError("schedule-exists", field=changed, **lock_params(event))
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
    require_organiser(event, actor)
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
