"""Constraints that protect the data, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.models import (
    Feedback,
    Meeting,
    Registration,
    Schedule,
    ScheduleRun,
    User,
    db,
)
from app.models.enums import RegistrationRole, RunStatus, ScheduleStatus
from tests.factories import Factory


@pytest.fixture
def f(db_app) -> Factory:
    return Factory(db.session)


def _fails(fn) -> None:
    with pytest.raises(IntegrityError), db.session.begin_nested():
        fn()
        db.session.flush()


def test_user_email_unique_case_insensitive(f):
    f.user(email="Alice@Example.org")
    assert db.session.scalar(sa.select(User.email)) == "alice@example.org"
    _fails(lambda: db.session.add(User(email="ALICE@example.org ", name="Twin")))


def test_registration_one_per_organisation_per_event(f):
    event = f.event()
    org = f.organisation()
    f.registration(event=event, organisation=org)
    _fails(
        lambda: db.session.add(
            Registration(event=event, organisation=org, role=RegistrationRole.SEEKER)
        )
    )
    # The same organisation may register for another event.
    f.registration(event=f.event(), organisation=org)


def test_request_one_per_ordered_pair_and_distinct_parties(f):
    event = f.event()
    a, b = f.registration(event=event), f.registration(event=event, role=RegistrationRole.PROVIDER)
    f.meeting_request(src=a, dst=b)
    _fails(lambda: f.meeting_request(src=a, dst=b))
    f.meeting_request(src=b, dst=a)  # the reverse direction is another request
    _fails(lambda: f.meeting_request(src=a, dst=a))


def test_meeting_parties_differ_and_uid_unique_per_schedule(f):
    event = f.event()
    a, b = f.registration(event=event), f.registration(event=event, role=RegistrationRole.PROVIDER)
    schedule = Schedule(event=event, version=1)
    db.session.add(schedule)
    slot = event.slots[0]
    _fails(lambda: schedule.meetings.append(Meeting(registration_a=a, registration_b=a, slot=slot)))
    schedule.meetings.append(Meeting(registration_a=a, registration_b=b, slot=slot, uid="same"))
    db.session.flush()
    _fails(
        lambda: db.session.add(
            Meeting(schedule=schedule, registration_a=b, registration_b=a, slot=slot, uid="same")
        )
    )


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("registration", "status", "maybe"),
        ("registration", "representatives", 0),
        ("event", "status", "archived"),
    ],
    ids=["registration-status", "representatives-zero", "event-status"],
)
def test_check_constraints_reject_bad_values_written_by_sql(f, table, column, value):
    event = f.event()
    reg = f.registration(event=event)
    row_id = reg.id if table == "registration" else event.id
    db.session.commit()
    stmt = sa.text(f'UPDATE "{table}" SET {column} = :v WHERE id = :id')
    with pytest.raises(IntegrityError):
        db.session.execute(stmt, {"v": value, "id": row_id})
        db.session.flush()
    db.session.rollback()


def test_feedback_rating_between_one_and_five(f):
    event = f.event()
    a, b = f.registration(event=event), f.registration(event=event, role=RegistrationRole.PROVIDER)
    schedule = Schedule(event=event, version=1)
    meeting = Meeting(registration_a=a, registration_b=b, slot=event.slots[0])
    schedule.meetings.append(meeting)
    db.session.add(schedule)
    db.session.flush()
    _fails(lambda: db.session.add(Feedback(meeting=meeting, registration=a, rating=6)))
    db.session.add(Feedback(meeting=meeting, registration=a, rating=5))
    db.session.flush()


def test_only_one_active_optimiser_run_per_event(f):
    event = f.event()
    db.session.add(ScheduleRun(event=event, status=RunStatus.RUNNING))
    db.session.flush()
    _fails(lambda: db.session.add(ScheduleRun(event=event, status=RunStatus.QUEUED)))
    # Finished runs do not count.
    db.session.add(ScheduleRun(event=event, status=RunStatus.FAILED))
    db.session.add(ScheduleRun(event=f.event(), status=RunStatus.QUEUED))
    db.session.flush()


def test_only_one_published_schedule_per_event(f):
    event = f.event()
    db.session.add(Schedule(event=event, version=1, status=ScheduleStatus.PUBLISHED))
    db.session.add(Schedule(event=event, version=2, status=ScheduleStatus.DRAFT))
    db.session.flush()
    _fails(
        lambda: db.session.add(Schedule(event=event, version=3, status=ScheduleStatus.PUBLISHED))
    )


def test_concurrent_edit_of_registration_is_detected(f):
    reg = f.registration(event=f.event())
    db.session.commit()
    # Another request loads the same registration, then this one saves first.
    with sa.orm.Session(db.engine) as other:
        stale_copy = other.get(Registration, reg.id)
        reg.notes = "edited here"
        db.session.commit()
        stale_copy.notes = "edited there from an old copy"
        with pytest.raises(StaleDataError):
            other.commit()
    db.session.refresh(reg)
    assert reg.notes == "edited here"


def test_deleting_event_removes_its_programme(f):
    event = f.event()
    f.registration(event=event)
    db.session.commit()
    event_id = event.id
    db.session.delete(event)
    db.session.commit()
    for model in (Registration, Schedule):
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.event_id == event_id)
            )
            == 0
        )
