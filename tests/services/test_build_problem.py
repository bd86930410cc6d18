"""What the optimiser is asked to schedule for an event."""

from __future__ import annotations

from app.models import db
from app.models.base import utcnow
from app.models.enums import RegistrationRole, RequestStatus
from app.services.optimiser import build_problem


def test_a_participant_marked_absent_gets_no_meeting_in_a_new_version(factory):
    event = factory.event()
    provider = factory.registration(event=event, role=RegistrationRole.PROVIDER)
    present = factory.registration(event=event)
    absent = factory.registration(event=event)
    for company in (present, absent):
        factory.meeting_request(src=company, dst=provider, status=RequestStatus.ACCEPTED)
    absent.absent_at = utcnow()
    db.session.commit()

    problem = build_problem(event).problem

    assert {p.id for p in problem.participants} == {f"r{provider.id}", f"r{present.id}"}
    assert [(r.a, r.b) for r in problem.requests] == [(f"r{present.id}", f"r{provider.id}")]
