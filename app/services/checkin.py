"""Check-in on the day: organisers scan or type a badge code; participants check themselves in.

The code is `Attendee.checkin_code` (the QR code of the badge and of /mon-badge). A typed code
may be its first SHORT_CODE characters (shown under the QR code), when that start is unique in
the event. The first arrival of an organisation also sets `Registration.checked_in_at`.
Self check-in needs the entrance code of the day (see `entrance_code`): a person must be at the
venue, where the organisers display it, not at home (docs/live-day.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.models import Attendee, Event, Registration, User, db
from app.models.enums import EventStatus, RegistrationStatus
from app.models.registration import token_digest
from app.services import ServiceError
from app.services.registrations import is_organiser
from app.templating import to_local

CHECKIN_STATUSES = (EventStatus.PUBLISHED, EventStatus.LIVE)
SHORT_CODE = 8
MAX_CODE = 64
ENTRANCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from a sign
ENTRANCE_LENGTH = 6
LAST_ARRIVALS = 10


class CheckinError(ServiceError):
    """A refused check-in; `at` is the earlier check-in time for the code 'already'."""

    def __init__(self, code: str, *, at: datetime | None = None, name: str = "") -> None:
        super().__init__(code)
        self.at = at
        self.name = name


@dataclass(frozen=True)
class Arrival:
    attendee_id: int
    name: str
    organisation: str
    at: datetime  # naive UTC
    first_of_organisation: bool = False
    # The organisation had been marked absent (no-show handling): the desk says so.
    was_absent: bool = False


@dataclass(frozen=True)
class ArrivalStats:
    count: int
    expected: int
    organisations: int
    organisations_expected: int
    last: list[Arrival]


def _clean(code: str) -> str:
    return re.sub(r"\s+", "", code or "")[:MAX_CODE]


def find_attendee(event: Event, code: str) -> Attendee:
    """The attendee of `event` with this code (or unique code start), or a CheckinError."""
    code = _clean(code)
    if not code:
        raise CheckinError("empty-code")
    attendee = db.session.scalar(
        sa.select(Attendee).where(Attendee.checkin_code_hash == token_digest(code))
    )
    if attendee is not None and not hmac.compare_digest(
        attendee.checkin_code.encode(), code.encode()
    ):
        attendee = None
    if attendee is None and len(code) >= SHORT_CODE:
        matches = db.session.scalars(
            sa.select(Attendee)
            .join(Attendee.registration)
            .where(
                Registration.event_id == event.id,
                sa.func.substr(Attendee.checkin_code, 1, len(code)) == code,
            )
            .limit(2)
        ).all()
        attendee = matches[0] if len(matches) == 1 else None
    if attendee is None:
        raise CheckinError("unknown-code")
    if attendee.registration.event_id != event.id:
        raise CheckinError("other-event")
    if attendee.registration.status is not RegistrationStatus.APPROVED:
        raise CheckinError("not-approved", name=attendee.name)
    return attendee


def _mark_arrived(attendee: Attendee, *, now: datetime) -> Arrival:
    # Conditional updates: two desks scanning one badge at once check it in only once.
    done = db.session.execute(
        sa.update(Attendee)
        .where(Attendee.id == attendee.id, Attendee.checked_in_at.is_(None))
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attendee)
    if done.rowcount != 1:
        raise CheckinError("already", at=attendee.checked_in_at, name=attendee.name)
    registration = attendee.registration
    first = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(registration)
    return Arrival(
        attendee_id=attendee.id,
        name=attendee.name,
        organisation=registration.organisation.name,
        at=now,
        first_of_organisation=first.rowcount == 1,
        was_absent=registration.absent_at is not None,
    )


def check_in(*, event: Event, code: str, actor: User, now: datetime) -> Arrival:
    """An organiser checks in the holder of a badge code."""
    if not is_organiser(event, actor):
        raise CheckinError("not-organiser")
    if event.status not in CHECKIN_STATUSES:
        raise CheckinError("not-live")
    return _mark_arrived(find_attendee(event, code), now=now)


def event_day(event: Event, now: datetime) -> date:
    """Today's date in the event's timezone."""
    return to_local(now, event.timezone).date()


def entrance_code(event: Event, day: date, *, secret: str) -> str:
    """The code of the day shown at the entrance, needed for self check-in."""
    digest = hmac.new(
        secret.encode(), f"entrance:{event.id}:{day.isoformat()}".encode(), hashlib.sha256
    ).digest()
    return "".join(ENTRANCE_ALPHABET[b % len(ENTRANCE_ALPHABET)] for b in digest[:ENTRANCE_LENGTH])


def self_check_in(
    *, event: Event, actor: User, entrance: str, secret: str, now: datetime
) -> Arrival:
    """A participant checks themselves in with the entrance code of the day."""
    attendee = attendee_for(event, actor)
    if attendee is None:
        raise CheckinError("not-attendee")
    if event.status not in CHECKIN_STATUSES:
        raise CheckinError("not-live")
    today = event_day(event, now)
    if not event.starts_on <= today <= event.ends_on:
        raise CheckinError("not-today")
    typed = _clean(entrance).upper()
    if not typed:
        raise CheckinError("empty-entrance")
    if not hmac.compare_digest(typed, entrance_code(event, today, secret=secret)):
        raise CheckinError("wrong-entrance")
    if attendee.checked_in_at is not None:
        raise CheckinError("already", at=attendee.checked_in_at, name=attendee.name)
    return _mark_arrived(attendee, now=now)


def attendee_for(event: Event, user: User) -> Attendee | None:
    """The signed-in person's attendee entry at `event` (by account, else by e-mail)."""
    if not user.is_authenticated:
        return None
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return None
    candidates = db.session.scalars(
        sa.select(Attendee)
        .join(Attendee.registration)
        .where(
            Registration.event_id == event.id,
            Registration.organisation_id.in_(org_ids),
            Registration.status == RegistrationStatus.APPROVED,
            sa.or_(
                Attendee.user_id == user.id,
                sa.func.lower(Attendee.email) == user.email.lower(),
            ),
        )
        .order_by(Attendee.id)
    ).all()
    own = [a for a in candidates if a.user_id == user.id]
    return (own or candidates or [None])[0]


def arrival_stats(event: Event) -> ArrivalStats:
    """Arrivals so far: people and organisations checked in, expected, the last arrivals."""
    approved = (Registration.event_id == event.id) & (
        Registration.status == RegistrationStatus.APPROVED
    )
    people = db.session.execute(
        sa.select(sa.func.count(Attendee.id), sa.func.count(Attendee.checked_in_at))
        .join(Attendee.registration)
        .where(approved)
    ).one()
    orgs = db.session.execute(
        sa.select(sa.func.count(Registration.id), sa.func.count(Registration.checked_in_at)).where(
            approved
        )
    ).one()
    last = db.session.scalars(
        sa.select(Attendee)
        .join(Attendee.registration)
        .where(approved, Attendee.checked_in_at.is_not(None))
        .options(selectinload(Attendee.registration).selectinload(Registration.organisation))
        .order_by(Attendee.checked_in_at.desc(), Attendee.id.desc())
        .limit(LAST_ARRIVALS)
    )
    return ArrivalStats(
        count=people[1],
        expected=people[0],
        organisations=orgs[1],
        organisations_expected=orgs[0],
        last=[
            Arrival(
                attendee_id=a.id,
                name=a.name,
                organisation=a.registration.organisation.name,
                at=a.checked_in_at,
            )
            for a in last
        ],
    )
