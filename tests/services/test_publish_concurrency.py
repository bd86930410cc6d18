"""Two organisers act at the same moment: exactly one publication (or move) happens.

Each organiser works in its own thread with its own app context, hence its own database
session and connection, as two web requests on two gunicorn workers would. Both read the
draft before either writes (a barrier), then publish and commit.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.models import Meeting, Schedule, ScheduleRun, User, db
from app.models.enums import MeetingStatus, RegistrationRole, RunStatus, ScheduleStatus
from app.services import ServiceError
from app.services.publication import publish_schedule
from tests.factories import Factory


@pytest.fixture
def world(db_app):
    """Version 1 published (two meetings), version 2 a draft that drops one of them."""
    f = Factory(db.session)
    event = f.event()
    alice, bob = f.user(email="alice@example.fr"), f.user(email="bob@example.fr")
    event.organisers.extend([alice, bob])
    company = f.registration(event=event)
    providers = [f.registration(event=event, role=RegistrationRole.PROVIDER) for _ in range(2)]
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    v1 = Schedule(event=event, run=run, version=1, status=ScheduleStatus.PUBLISHED)
    kept = Meeting(registration_a=company, registration_b=providers[0], slot=event.slots[0])
    dropped = Meeting(registration_a=company, registration_b=providers[1], slot=event.slots[1])
    v1.meetings.extend([kept, dropped])
    db.session.add_all([run, v1])
    db.session.flush()
    v2 = Schedule(event=event, run=run, version=2)
    v2.meetings.append(
        Meeting(
            registration_a=company,
            registration_b=providers[0],
            slot=event.slots[2],
            uid=kept.uid,
            sequence=1,
        )
    )
    db.session.add(v2)
    db.session.commit()
    return {"app": db_app, "v2": v2.id, "users": (alice.id, bob.id), "dropped": dropped.uid}


def _publish_together(app, jobs: list[tuple[int, int]]) -> list[str]:
    """Run publish_schedule for each (schedule id, user id) in its own thread, all at once."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = [""] * len(jobs)

    def work(index: int, schedule_id: int, user_id: int) -> None:
        with app.app_context():
            try:
                schedule = db.session.get(Schedule, schedule_id)
                actor = db.session.get(User, user_id)
                assert schedule.status is ScheduleStatus.DRAFT  # both saw a draft
                barrier.wait(timeout=10)
                publish_schedule(schedule=schedule, actor=actor)
                db.session.commit()
                outcomes[index] = "published"
            except ServiceError as exc:
                db.session.rollback()
                outcomes[index] = f"refused:{exc}"
            except Exception as exc:  # noqa: BLE001 - reported to the test thread
                db.session.rollback()
                outcomes[index] = f"error:{exc!r}"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=work, args=(i, schedule_id, user_id))
        for i, (schedule_id, user_id) in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_organisers_publish_the_same_draft_once(world):
    alice, bob = world["users"]
    outcomes = _publish_together(world["app"], [(world["v2"], alice), (world["v2"], bob)])
    assert sorted(outcomes) == ["published", "refused:published-meanwhile"], outcomes
    db.session.expire_all()
    schedules = list(db.session.scalars(sa.select(Schedule).order_by(Schedule.version)))
    assert [s.status for s in schedules] == [ScheduleStatus.SUPERSEDED, ScheduleStatus.PUBLISHED]
    v2 = schedules[1]
    winner = alice if outcomes[0] == "published" else bob
    assert v2.published_by_id == winner
    # The meeting dropped from version 1 is kept once, as cancelled, in version 2.
    cancelled = [m for m in v2.meetings if m.status is MeetingStatus.CANCELLED]
    assert [m.uid for m in cancelled] == [world["dropped"]]
    assert len(v2.meetings) == 2


def test_publishing_an_older_draft_while_a_newer_one_is_published(world):
    """Alice publishes draft 2 while Bob publishes draft 3: draft 2 is no longer the newest."""
    alice, bob = world["users"]
    v2 = db.session.get(Schedule, world["v2"])
    v3 = Schedule(event=v2.event, run=v2.run, version=3)
    source = v2.meetings[0]
    v3.meetings.append(
        Meeting(
            registration_a_id=source.registration_a_id,
            registration_b_id=source.registration_b_id,
            slot=v2.event.slots[3],
            uid=source.uid,
            sequence=1,
        )
    )
    db.session.add(v3)
    db.session.commit()
    outcomes = _publish_together(world["app"], [(world["v2"], alice), (v3.id, bob)])
    assert outcomes == ["refused:not-newest", "published"], outcomes
    db.session.expire_all()
    statuses = list(db.session.scalars(sa.select(Schedule.status).order_by(Schedule.version)))
    assert statuses == [ScheduleStatus.SUPERSEDED, ScheduleStatus.DRAFT, ScheduleStatus.PUBLISHED]


def test_two_organisers_moving_a_company_s_meetings_to_the_same_slot(world):
    """Both see the company free at slot 6 and move one of its two meetings there (different
    tables): one wins, the other is refused, and the company is not double-booked."""
    from app.models import MeetingTable, Slot
    from app.models.enums import EventFormat
    from app.services.meeting_edits import move_meeting

    v2 = db.session.get(Schedule, world["v2"])
    v2.event.format = EventFormat.FREE_TABLES
    company = v2.meetings[0].registration_a
    other = Factory(db.session).registration(event=v2.event, role=RegistrationRole.PROVIDER)
    v2.meetings.append(
        Meeting(registration_a=company, registration_b=other, slot=v2.event.slots[3])
    )
    db.session.commit()
    ids = [m.id for m in v2.meetings]
    slot_id = v2.event.slots[6].id
    tables = [v2.event.tables[2].id, v2.event.tables[3].id]
    app, barrier = world["app"], threading.Barrier(2)
    outcomes = [""] * 2

    def work(index: int, meeting_id: int, user_id: int) -> None:
        with app.app_context():
            try:
                meeting = db.session.get(Meeting, meeting_id)
                seen = (meeting.slot_id, meeting.table_id)
                slot = db.session.get(Slot, slot_id)
                table = db.session.get(MeetingTable, tables[index])
                actor = db.session.get(User, user_id)
                list(meeting.schedule.meetings)  # both pages showed the company free at slot 6
                barrier.wait(timeout=10)
                move_meeting(meeting=meeting, slot=slot, table=table, actor=actor, seen=seen)
                db.session.commit()
                outcomes[index] = "moved"
            except ServiceError as exc:
                db.session.rollback()
                outcomes[index] = f"refused:{exc}"
            except Exception as exc:  # noqa: BLE001 - reported to the test thread
                db.session.rollback()
                outcomes[index] = f"error:{exc!r}"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=work, args=(i, mid, uid))
        for i, (mid, uid) in enumerate(zip(ids, world["users"], strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    name = company.organisation.name
    assert sorted(outcomes) == ["moved", f"refused:double-booked:{name}"], outcomes
    db.session.expire_all()
    slots = [m.slot_id for m in db.session.get(Schedule, world["v2"]).meetings]
    assert slots.count(slot_id) == 1
