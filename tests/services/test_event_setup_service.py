"""Set-up rules in the service: slots in local time, lifecycle moves, locks, tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from app.models import Meeting, MeetingTable, Schedule, db
from app.models.enums import EventStatus, RegistrationRole, ScheduleStatus
from app.services.event_setup import (
    EventData,
    SetupError,
    change_status,
    create_event,
    delete_session,
    delete_table,
    grant_organiser,
    plan_session,
    save_session,
    set_slot_blocked,
    set_tables,
    slot_times,
    status_moves,
    update_event,
)

WEIGHTS = {"mutual_must_meet": 10, "must_meet": 6, "would_like": 4, "if_time": 2, "organiser": 1}
DAY = date(2031, 6, 12)


@pytest.fixture
def admin(factory):
    return factory.user(is_admin=True)


def data_of(event, **changes) -> EventData:
    """The event's current values as form data (deadlines left empty)."""
    values = {
        "title": event.title,
        "slug": event.slug,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "timezone": event.timezone,
        "meeting_minutes": event.meeting_minutes,
        "pause_minutes": event.pause_minutes,
        "request_weights": dict(WEIGHTS),
    }
    return EventData(**(values | changes))


def test_slot_times_fit_inside_the_session():
    start, end = datetime(2031, 1, 1, 9), datetime(2031, 1, 1, 10)
    times = slot_times(start, end, meeting_minutes=20, pause_minutes=5)
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in times] == [
        ("09:00", "09:20"),
        ("09:25", "09:45"),
    ]
    with pytest.raises(ValueError):
        slot_times(start, end, meeting_minutes=0, pause_minutes=5)


def test_create_event_requires_admin(factory):
    data = EventData(title="Salon", starts_on=DAY, ends_on=DAY, request_weights=WEIGHTS)
    with pytest.raises(SetupError) as info:
        create_event(data=data, actor=factory.user())
    assert info.value.code == "forbidden"


def test_create_event_slug_from_title_is_unique(admin):
    data = EventData(
        title="Journée IA — Santé", starts_on=DAY, ends_on=DAY, request_weights=WEIGHTS
    )
    first = create_event(data=data, actor=admin)
    second = create_event(data=data, actor=admin)
    assert (first.slug, second.slug) == ("journee-ia-sante", "journee-ia-sante-2")
    assert first.status is EventStatus.DRAFT


def test_save_session_across_dst_change_keeps_local_times(factory, admin):
    # Paris moves from UTC+1 to UTC+2 on 29 March 2026.
    event = factory.event(
        status=EventStatus.DRAFT,
        starts_on=date(2026, 3, 28),
        ends_on=date(2026, 3, 29),
        sessions=(),
    )
    for day in (date(2026, 3, 28), date(2026, 3, 29)):
        save_session(
            event=event, name=f"Matin {day.day}", day=day, start=time(9), end=time(10), actor=admin
        )
    db.session.commit()
    assert [(s.starts_at, s.position) for s in event.slots] == [
        (datetime(2026, 3, 28, 8, 0), 0),
        (datetime(2026, 3, 28, 8, 25), 1),
        (datetime(2026, 3, 29, 7, 0), 2),
        (datetime(2026, 3, 29, 7, 25), 3),
    ]


def test_plan_session_writes_nothing(factory):
    event = factory.event(starts_on=DAY)
    times = plan_session(event=event, name="Soir", day=DAY, start=time(18), end=time(19))
    assert len(times) == 2
    assert not db.session.new and not db.session.dirty
    assert len(event.sessions) == 2


def test_plan_session_overlap_names_the_other_session(factory):
    event = factory.event(starts_on=DAY)
    with pytest.raises(SetupError) as info:
        plan_session(event=event, name="Midi", day=DAY, start=time(11), end=time(13))
    assert (info.value.code, info.value.field, info.value.params) == (
        "session-overlap",
        "start",
        {"other": "Matin"},
    )


def test_save_session_edit_keeps_blocked_slots_that_do_not_move(factory, admin):
    event = factory.event(starts_on=DAY)
    morning = event.sessions[0]
    first = morning.slots[0]
    set_slot_blocked(slot=first, blocked=True, label="Accueil café", actor=admin)
    save_session(
        event=event,
        name="Matin",
        day=DAY,
        start=time(9),
        end=time(11),
        actor=admin,
        session=morning,
    )
    db.session.commit()
    assert (first.blocked, first.label, first.position) == (True, "Accueil café", 0)
    assert len(morning.slots) == 5
    assert [s.position for s in event.slots] == list(range(len(event.slots)))


def test_update_event_meeting_length_regenerates_slots(factory, admin):
    event = factory.event(starts_on=DAY, status=EventStatus.DRAFT)
    update_event(event=event, data=data_of(event, meeting_minutes=30, pause_minutes=0), actor=admin)
    db.session.commit()
    assert len(event.slots) == 12  # two sessions of 3 hours, 6 meetings each
    assert {s.ends_at - s.starts_at for s in event.slots} == {
        datetime(1, 1, 1, 0, 30) - datetime(1, 1, 1)
    }


def test_update_event_timezone_keeps_wall_clock_times(factory, admin):
    event = factory.event(starts_on=DAY, status=EventStatus.DRAFT)
    update_event(event=event, data=data_of(event, timezone="America/Martinique"), actor=admin)
    db.session.commit()
    # 9:00 in Martinique (UTC-4) is 13:00 UTC.
    assert event.sessions[0].starts_at == datetime(2031, 6, 12, 13, 0)
    assert event.slots[0].starts_at == datetime(2031, 6, 12, 13, 0)


def test_update_event_days_leaving_sessions_out_is_refused(factory, admin):
    event = factory.event(starts_on=DAY)
    later = date(2031, 6, 13)
    with pytest.raises(SetupError) as info:
        update_event(event=event, data=data_of(event, starts_on=later, ends_on=later), actor=admin)
    assert (info.value.code, info.value.params) == ("sessions-outside", {"num": 2})


def test_update_event_slug_locked_after_draft(factory, admin):
    event = factory.event(status=EventStatus.REGISTRATION_OPEN)
    with pytest.raises(SetupError) as info:
        update_event(event=event, data=data_of(event, slug="nouvelle-adresse"), actor=admin)
    assert info.value.code == "slug-locked"


def _scheduled(factory, event, slot, *, status=ScheduleStatus.DRAFT, table=None):
    a = factory.registration(event=event)
    b = factory.registration(event=event, role=RegistrationRole.PROVIDER)
    schedule = Schedule(event=event, version=1, status=status)
    schedule.meetings.append(Meeting(registration_a=a, registration_b=b, slot=slot, table=table))
    db.session.add(schedule)
    db.session.commit()
    return schedule


def test_update_event_meeting_length_refused_once_scheduled(factory, admin):
    event = factory.event(starts_on=DAY, status=EventStatus.SCHEDULING)
    _scheduled(factory, event, event.slots[0], status=ScheduleStatus.PUBLISHED)
    with pytest.raises(SetupError) as info:
        update_event(event=event, data=data_of(event, meeting_minutes=30), actor=admin)
    assert (info.value.code, info.value.field) == ("schedule-exists", "meeting_minutes")
    assert info.value.params == {"num": 1, "published": True}


def test_delete_session_refused_when_chosen_by_a_registration(factory, admin):
    event = factory.event(starts_on=DAY)
    registration = factory.registration(event=event)
    registration.sessions.append(event.sessions[1])
    db.session.commit()
    with pytest.raises(SetupError) as info:
        delete_session(event=event, session=event.sessions[1], actor=admin)
    assert (info.value.code, info.value.params) == ("session-chosen", {"num": 1})


def test_delete_session_drops_availability_marks(factory, admin):
    event = factory.event(starts_on=DAY)
    registration = factory.registration(event=event)
    registration.unavailable_slots = [event.sessions[1].slots[0], event.sessions[0].slots[0]]
    db.session.commit()
    delete_session(event=event, session=event.sessions[1], actor=admin)
    db.session.commit()
    db.session.expire_all()
    assert [s.session.name for s in registration.unavailable_slots] == ["Matin"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EventStatus.DRAFT, [EventStatus.REGISTRATION_OPEN]),
        (EventStatus.REGISTRATION_OPEN, [EventStatus.DRAFT, EventStatus.MATCHMAKING]),
        (EventStatus.SCHEDULING, [EventStatus.MATCHMAKING, EventStatus.PUBLISHED]),
        (EventStatus.PUBLISHED, [EventStatus.LIVE]),
        (EventStatus.CLOSED, [EventStatus.LIVE]),
    ],
    ids=["draft", "registration-open", "scheduling", "published", "closed"],
)
def test_status_moves_one_step(factory, status, expected):
    assert status_moves(factory.event(status=status)) == expected


def test_change_status_back_to_draft_refused_with_registrations(factory, admin):
    event = factory.event(status=EventStatus.REGISTRATION_OPEN)
    factory.registration(event=event)
    with pytest.raises(SetupError) as info:
        change_status(event=event, status=EventStatus.DRAFT, actor=admin)
    assert info.value.code == "status-registrations"


def test_change_status_publish_needs_a_published_schedule(factory, admin):
    event = factory.event(status=EventStatus.SCHEDULING)
    with pytest.raises(SetupError) as info:
        change_status(event=event, status=EventStatus.PUBLISHED, actor=admin)
    assert info.value.code == "status-no-schedule"
    _scheduled(factory, event, event.slots[0], status=ScheduleStatus.PUBLISHED)
    change_status(event=event, status=EventStatus.PUBLISHED, actor=admin)
    assert event.status is EventStatus.PUBLISHED


def test_change_status_open_registration_needs_slots(factory, admin):
    event = factory.event(status=EventStatus.DRAFT, sessions=())
    with pytest.raises(SetupError) as info:
        change_status(event=event, status=EventStatus.REGISTRATION_OPEN, actor=admin)
    assert info.value.code == "status-no-slots"


def test_set_tables_refuses_removing_a_table_used_by_a_meeting(factory, admin):
    event = factory.event(starts_on=DAY)
    _scheduled(factory, event, event.slots[0], table=event.tables[3])
    with pytest.raises(SetupError) as info:
        set_tables(event=event, count=2, pattern="T{n}", zones=[], actor=admin)
    assert (info.value.code, info.value.params) == ("table-meetings", {"label": "T4", "num": 1})


def test_set_tables_swaps_labels_without_collision(factory, admin):
    event = factory.event(tables=3)
    set_tables(event=event, count=3, pattern="{n}", zones=["Nord", "Sud"], actor=admin)
    db.session.commit()
    assert [(t.label, t.zone) for t in event.tables] == [("1", "Nord"), ("2", "Nord"), ("3", "Sud")]
    set_tables(event=event, count=4, pattern="T{n}", zones=[], actor=admin)
    db.session.commit()
    assert [t.label for t in event.tables] == ["T1", "T2", "T3", "T4"]


def test_delete_table_used_by_meeting_refused(factory, admin):
    event = factory.event(starts_on=DAY)
    _scheduled(factory, event, event.slots[0], table=event.tables[0])
    with pytest.raises(SetupError) as info:
        delete_table(table=event.tables[0], actor=admin)
    assert info.value.code == "table-meetings"
    assert db.session.get(MeetingTable, event.tables[0].id) is not None


def test_grant_organiser_twice_is_refused(factory, admin):
    event = factory.event()
    user = factory.user(email="orga@example.fr")
    grant_organiser(event=event, email="orga@example.fr", actor=admin)
    with pytest.raises(SetupError) as info:
        grant_organiser(event=event, email="ORGA@example.fr ", actor=admin)
    assert info.value.code == "already-organiser"
    assert event.organisers == [user]
    with pytest.raises(SetupError):
        grant_organiser(event=event, email="orga@example.fr", actor=user)


def test_event_data_weights_must_be_positive(admin):
    data = EventData(title="Salon", starts_on=DAY, ends_on=DAY, request_weights=WEIGHTS)
    with pytest.raises(SetupError) as info:
        create_event(data=replace(data, request_weights=WEIGHTS | {"if_time": 0}), actor=admin)
    assert info.value.code == "weights"
