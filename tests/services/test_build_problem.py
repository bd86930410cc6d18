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


def test_a_rerun_on_the_day_keeps_what_has_begun_and_plans_only_later_slots(factory):
    import scheduling
    from app.models import Meeting, Schedule, ScheduleRun
    from app.models.enums import MeetingStatus, RunStatus, ScheduleStatus
    from app.services.optimiser import store_draft

    event = factory.event()
    provider = factory.registration(event=event, role=RegistrationRole.PROVIDER, max_meetings=2)
    met, waiting, new = (factory.registration(event=event) for _ in range(3))
    asked = [
        factory.meeting_request(src=company, dst=provider, status=RequestStatus.ACCEPTED)
        for company in (met, waiting, new)
    ]
    slots = event.slots
    published = Schedule(event=event, version=1, status=ScheduleStatus.PUBLISHED)
    published.meetings = [
        Meeting(request=asked[0], registration_a=met, registration_b=provider, slot=slots[0]),
        Meeting(request=asked[1], registration_a=waiting, registration_b=provider, slot=slots[3]),
    ]
    db.session.add(published)
    db.session.commit()
    past, later = published.meetings
    now = slots[1].starts_at  # the first slot is over, the second just started

    built = build_problem(event, now=now)
    problem = built.problem

    assert [s.id for s in problem.slots] == [f"s{s.id}" for s in slots[2:]]
    # The pair that met is not planned again; the provider has one meeting left to give.
    assert sorted(r.a for r in problem.requests) == sorted([f"r{waiting.id}", f"r{new.id}"])
    assert {p.id: p.max_meetings for p in problem.participants}[f"r{provider.id}"] == 1
    assert [a.slot for a in problem.previous] == [f"s{slots[3].id}"]

    solution = scheduling.solve(problem, time_limit_s=5, workers=1, seed=0)
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    db.session.add(run)
    draft = store_draft(run=run, built=built, solution=solution)
    kept = {m.uid: (m.slot_id, m.status) for m in draft.meetings}
    assert kept[past.uid] == (slots[0].id, MeetingStatus.SCHEDULED)  # as it was, not moved
    assert kept[later.uid] == (slots[3].id, MeetingStatus.SCHEDULED)  # stability kept it
    assert len(draft.meetings) == 2  # the provider's maximum of 2 is reached
