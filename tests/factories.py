"""Data factories for tests: small, explicit builders.

Each builder commits, as an earlier request would have: requests made by the test client run
in their own database session and only see committed data.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.models import (
    Event,
    MeetingRequest,
    MeetingTable,
    Membership,
    Organisation,
    Registration,
    User,
)
from app.models.enums import (
    EventStatus,
    MemberRole,
    OrganisationKind,
    RegistrationRole,
    RegistrationStatus,
)
from app.services.event_setup import add_session, generate_slots

_counter = itertools.count(1)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    aware = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo("Europe/Paris"))
    return aware.astimezone(UTC).replace(tzinfo=None)


class Factory:
    def __init__(self, session):
        self.session = session

    def _add(self, obj):
        self.session.add(obj)
        self.session.commit()
        return obj

    def user(
        self, *, email: str | None = None, password: str = "correct horse battery", **kw
    ) -> User:
        kw.setdefault("email_confirmed_at", datetime(2026, 1, 1))
        user = User(
            email=email or f"user{next(_counter)}@example.org", name=kw.pop("name", "Test"), **kw
        )
        user.set_password(password)
        return self._add(user)

    def organisation(
        self, *, kind: OrganisationKind = OrganisationKind.COMPANY, **kw
    ) -> Organisation:
        kw.setdefault("name", f"Organisation {next(_counter)}")
        return self._add(Organisation(kind=kind, **kw))

    def event(
        self,
        *,
        status: EventStatus = EventStatus.REGISTRATION_OPEN,
        starts_on: date | None = None,
        sessions: tuple[tuple[str, int, int], ...] = (("Matin", 9, 12), ("Après-midi", 14, 17)),
        tables: int = 4,
        **kw,
    ) -> Event:
        day = starts_on or date.today() + timedelta(days=30)
        n = next(_counter)
        kw.setdefault("slug", f"event-{n}")
        kw.setdefault("title", f"Événement {n}")
        kw.setdefault("meeting_minutes", 20)
        kw.setdefault("pause_minutes", 5)
        event = Event(status=status, starts_on=day, ends_on=kw.pop("ends_on", day), **kw)
        for name, start_h, end_h in sessions:
            add_session(
                event=event, name=name, starts_at=_local(day, start_h), ends_at=_local(day, end_h)
            )
        generate_slots(event=event)
        event.tables = [MeetingTable(label=f"T{i}", position=i) for i in range(1, tables + 1)]
        return self._add(event)

    def registration(
        self,
        *,
        event: Event,
        organisation: Organisation | None = None,
        role: RegistrationRole = RegistrationRole.SEEKER,
        status: RegistrationStatus = RegistrationStatus.APPROVED,
        **kw,
    ) -> Registration:
        if organisation is None:
            kind = (
                OrganisationKind.PROVIDER
                if role is RegistrationRole.PROVIDER
                else OrganisationKind.COMPANY
            )
            organisation = self.organisation(kind=kind)
        return self._add(
            Registration(event=event, organisation=organisation, role=role, status=status, **kw)
        )

    def meeting_request(self, *, src: Registration, dst: Registration, **kw) -> MeetingRequest:
        return self._add(
            MeetingRequest(event=src.event, from_registration=src, to_registration=dst, **kw)
        )

    def member(self, user: User, organisation: Organisation, role=MemberRole.OWNER) -> Membership:
        return self._add(Membership(user=user, organisation=organisation, role=role))
