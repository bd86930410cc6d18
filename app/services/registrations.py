"""Event registration: register, edit until the deadline, cancel; organiser approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.models import Attendee, Event, Organisation, Registration, Session, Slot, User, db
from app.models.enums import (
    ApprovalMode,
    EventStatus,
    OrganisationKind,
    RegistrationRole,
    RegistrationStatus,
)
from app.services import ServiceError
from app.services.organisations import require_member

OPEN_STATUSES = (EventStatus.REGISTRATION_OPEN, EventStatus.MATCHMAKING)
ACTIVE = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)
MAX_REPRESENTATIVES = 10


@dataclass(frozen=True)
class AttendeeData:
    name: str
    email: str
    job_title: str = ""


@dataclass(frozen=True)
class RegistrationData:
    sessions: list[Session]
    unavailable_slots: list[Slot]
    representatives: int
    max_meetings: int | None
    attendees: list[AttendeeData]
    notes: str = ""


def closed_reason(event: Event, *, now: datetime) -> str | None:
    """Why registration is closed ('not-open', 'deadline', 'full'), or None if open."""
    if event.status not in OPEN_STATUSES:
        return "not-open"
    if event.registration_deadline is not None and now > event.registration_deadline:
        return "deadline"
    if event.max_registrations is not None and active_count(event) >= event.max_registrations:
        return "full"
    return None


def active_count(event: Event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE))
    )


def find_registration(event: Event, organisation: Organisation) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.organisation_id == organisation.id
        )
    )


def _validate(event: Event, data: RegistrationData) -> None:
    if not data.sessions:
        raise ServiceError("no-session")
    if any(s.event_id != event.id for s in data.sessions) or any(
        s.event_id != event.id for s in data.unavailable_slots
    ):
        raise ServiceError("foreign-slot")
    if not 1 <= data.representatives <= MAX_REPRESENTATIVES:
        raise ServiceError("representatives")
    if not data.attendees:
        raise ServiceError("no-attendee")
    if len({a.email.lower() for a in data.attendees}) != len(data.attendees):
        raise ServiceError("duplicate-attendee")


def _apply(registration: Registration, data: RegistrationData) -> None:
    registration.sessions = list(data.sessions)
    attended = {s.id for s in data.sessions}
    # Slots of sessions not attended are unavailable too: the optimiser must not use them.
    skipped = [slot for slot in registration.event.slots if slot.session_id not in attended]
    registration.unavailable_slots = sorted(
        {*data.unavailable_slots, *skipped}, key=lambda slot: slot.position
    )
    registration.representatives = data.representatives
    registration.max_meetings = data.max_meetings
    registration.notes = data.notes
    by_email = {a.email.lower(): a for a in registration.attendees}
    kept = []
    for item in data.attendees:
        attendee = by_email.get(item.email.lower()) or Attendee(
            email=item.email.lower(), name=item.name
        )
        attendee.name, attendee.job_title = item.name.strip(), item.job_title.strip()
        kept.append(attendee)
    registration.attendees = kept


def register_organisation(
    *, event: Event, organisation: Organisation, actor: User, data: RegistrationData, now: datetime
) -> Registration:
    require_member(organisation, actor)
    reason = closed_reason(event, now=now)
    if reason:
        raise ServiceError(f"closed-{reason}")
    if find_registration(event, organisation) is not None:
        raise ServiceError("already-registered")
    _validate(event, data)
    provider = organisation.kind is OrganisationKind.PROVIDER
    registration = Registration(
        event=event,
        organisation=organisation,
        created_by=actor,
        role=RegistrationRole.PROVIDER if provider else RegistrationRole.SEEKER,
        status=RegistrationStatus.APPROVED
        if event.approval_mode is ApprovalMode.AUTO
        else RegistrationStatus.PENDING,
    )
    db.session.add(registration)
    _apply(registration, data)
    db.session.flush()
    _counters_changed(event.id)
    return registration


def update_registration(
    *,
    registration: Registration,
    actor: User,
    data: RegistrationData,
    seen_version: int,
    now: datetime,
) -> None:
    """Edit until the deadline; `seen_version` detects an edit made meanwhile by someone else."""
    require_member(registration.organisation, actor)
    event = registration.event
    if registration.status not in ACTIVE:
        raise ServiceError("not-active")
    if event.registration_deadline is not None and now > event.registration_deadline:
        raise ServiceError("closed-deadline")
    if seen_version != registration.version:
        raise ServiceError("stale")
    _validate(event, data)
    _apply(registration, data)
    db.session.flush()


def cancel_registration(*, registration: Registration, actor: User) -> None:
    require_member(registration.organisation, actor)
    if registration.status not in ACTIVE:
        raise ServiceError("not-active")
    registration.status = RegistrationStatus.CANCELLED
    db.session.flush()
    _counters_changed(registration.event_id)


def _counters_changed(event_id: int) -> None:
    """The organisers' dashboard refreshes its counters once this transaction commits."""
    from app.realtime.dashboard import counters_changed_after_commit

    counters_changed_after_commit(event_id)


def is_organiser(event: Event, user: User) -> bool:
    return bool(user.is_authenticated and (user.is_admin or user in event.organisers))


def decide_registration(*, registration: Registration, actor: User, approve: bool) -> None:
    """An organiser approves or rejects a pending (or rejected/approved) registration."""
    if not is_organiser(registration.event, actor):
        raise ServiceError("forbidden")
    if registration.status is RegistrationStatus.CANCELLED:
        raise ServiceError("not-active")
    registration.status = RegistrationStatus.APPROVED if approve else RegistrationStatus.REJECTED
    db.session.flush()
    _counters_changed(registration.event_id)


def approved_registration(event: Event, user: User) -> Registration | None:
    """The approved registration of one of the user's organisations at this event."""
    if not user.is_authenticated:
        return None
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return None
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.organisation_id.in_(org_ids),
            Registration.status == RegistrationStatus.APPROVED,
        )
    )


def user_registrations(user: User) -> list[Registration]:
    """Registrations of all the user's organisations, soonest event first."""
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(Event)
            .where(Registration.organisation_id.in_(org_ids))
            .order_by(Event.starts_on.desc(), Registration.id)
        )
    )
