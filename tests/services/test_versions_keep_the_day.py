"""A new version published on the day keeps what already happened (held, no-show, walk-ins)."""

from __future__ import annotations

from app.models import Meeting, Schedule, db
from app.models.enums import MeetingOrigin, MeetingStatus, RegistrationRole, ScheduleStatus
from app.services.meeting_edits import editable_draft
from app.services.publication import publish_schedule


def test_held_no_show_and_walk_in_meetings_survive_a_new_version(factory):
    organiser = factory.user()
    event = factory.event()
    event.organisers.append(organiser)
    provider = factory.registration(event=event, role=RegistrationRole.PROVIDER)
    a, b, c, d = (factory.registration(event=event) for _ in range(4))
    slots, tables = event.slots, event.tables
    published = Schedule(event=event, version=1, status=ScheduleStatus.PUBLISHED)
    held = Meeting(
        registration_a=a,
        registration_b=provider,
        slot=slots[0],
        table=tables[0],
        status=MeetingStatus.HELD,
    )
    missed = Meeting(
        registration_a=b,
        registration_b=provider,
        slot=slots[1],
        table=tables[0],
        status=MeetingStatus.NO_SHOW,
        no_show_registration_id=b.id,
    )
    walk_in = Meeting(
        registration_a=c,
        registration_b=provider,
        slot=slots[2],
        table=tables[0],
        origin=MeetingOrigin.WALK_IN,
    )
    planned = Meeting(registration_a=d, registration_b=provider, slot=slots[3], table=tables[0])
    published.meetings = [held, missed, walk_in, planned]
    factory._add(published)

    draft = editable_draft(event=event, actor=organiser)
    copies = {m.uid: m for m in draft.meetings}
    assert copies[held.uid].status is MeetingStatus.HELD
    assert copies[missed.uid].status is MeetingStatus.NO_SHOW
    assert copies[missed.uid].no_show_registration_id == b.id
    assert copies[walk_in.uid].origin is MeetingOrigin.WALK_IN

    # The organiser drops the walk-in and the held meeting from the draft, then publishes.
    draft.meetings.remove(copies[walk_in.uid])
    draft.meetings.remove(copies[held.uid])
    db.session.flush()
    publish_schedule(schedule=draft, actor=organiser)
    db.session.commit()

    after = {m.uid: m for m in db.session.get(Schedule, draft.id).meetings}
    assert after[held.uid].status is MeetingStatus.HELD  # history is not cancelled
    assert after[held.uid].sequence == held.sequence
    assert after[walk_in.uid].status is MeetingStatus.CANCELLED
    assert after[walk_in.uid].origin is MeetingOrigin.WALK_IN
    assert after[walk_in.uid].sequence == walk_in.sequence + 1
    assert after[missed.uid].status is MeetingStatus.NO_SHOW
    assert after[planned.uid].status is MeetingStatus.SCHEDULED
