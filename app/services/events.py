"""Read-side queries about events for the public pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.models import Event, Registration, db
from app.models.enums import EventStatus, RegistrationRole, RegistrationStatus

PUBLIC_STATUSES = tuple(s for s in EventStatus if s is not EventStatus.DRAFT)


def list_upcoming_events(*, today: date) -> list[Event]:
    """Events visible to the public that have not ended yet, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.status.in_(PUBLIC_STATUSES), Event.ends_on >= today)
            .order_by(Event.starts_on, Event.title)
        )
    )


def get_public_event(slug: str) -> Event | None:
    return db.session.scalar(
        sa.select(Event).where(Event.slug == slug, Event.status.in_(PUBLIC_STATUSES))
    )


@dataclass(frozen=True)
class ParticipantCounts:
    companies: int
    providers: int

    @property
    def total(self) -> int:
        return self.companies + self.providers


def participant_counts(event: Event) -> ParticipantCounts:
    """Approved registrations of an event, by role."""
    rows = db.session.execute(
        sa.select(Registration.role, sa.func.count())
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.APPROVED,
        )
        .group_by(Registration.role)
    ).all()
    counts = {role: n for role, n in rows}
    return ParticipantCounts(
        companies=counts.get(RegistrationRole.SEEKER, 0),
        providers=counts.get(RegistrationRole.PROVIDER, 0),
    )
