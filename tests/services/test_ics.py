"""iCalendar builders: parsed back with icalendar, across two published schedule versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from app.models import Attendee, Meeting, Schedule, db
from app.models.enums import MeetingStatus, OrganisationKind, RegistrationRole, ScheduleStatus
from app.services.calendar import (
    Feed,
    calendar_host,
    clean_text,
    find_feed,
    organiser_calendar,
    participant_calendar,
)

EVIL = "Evil\r\nATTENDEE:mailto:x@y;Corp"
NOW = datetime(2026, 1, 1, 12, 0)


@pytest.fixture
def world(factory):
    event = factory.event(
        venue="CCI Lyon", city="Lyon", starts_on=date(2026, 3, 10), timezone="Europe/Paris"
    )
    event.tables[0].zone = "Nord"
    provider = factory.registration(
        event=event,
        role=RegistrationRole.PROVIDER,
        organisation=factory.organisation(kind=OrganisationKind.PROVIDER, name="Vision IA"),
    )
    seeker = factory.registration(event=event, organisation=factory.organisation(name=EVIL))
    other = factory.registration(event=event, organisation=factory.organisation(name="Métal SA"))
    v1 = Schedule(event=event, version=1, status=ScheduleStatus.PUBLISHED, published_at=NOW)
    kept = Meeting(
        registration_a=provider, registration_b=seeker, slot=event.slots[0], table=event.tables[0]
    )
    dropped = Meeting(
        registration_a=provider, registration_b=other, slot=event.slots[1], table=event.tables[0]
    )
    v1.meetings = [kept, dropped]
    db.session.add(v1)
    db.session.commit()
    return {"event": event, "provider": provider, "seeker": seeker, "v1": v1}


def publish_v2(world) -> None:
    """Version 2: the first meeting moves to slot 3 and table 2, the second is cancelled."""
    event, v1 = world["event"], world["v1"]
    kept, dropped = sorted(v1.meetings, key=lambda m: m.slot.position)
    v1.status = ScheduleStatus.SUPERSEDED
    db.session.flush()
    v2 = Schedule(
        event=event, version=2, status=ScheduleStatus.PUBLISHED, published_at=NOW + timedelta(1)
    )
    v2.meetings = [
        Meeting(
            uid=kept.uid,
            sequence=kept.sequence + 1,
            registration_a_id=kept.registration_a_id,
            registration_b_id=kept.registration_b_id,
            slot=event.slots[2],
            table=event.tables[1],
        ),
        Meeting(
            uid=dropped.uid,
            sequence=dropped.sequence + 1,
            registration_a_id=dropped.registration_a_id,
            registration_b_id=dropped.registration_b_id,
            slot=dropped.slot,
            table=dropped.table,
            status=MeetingStatus.CANCELLED,
        ),
    ]
    db.session.add(v2)
    db.session.commit()


def vevents(cal: icalendar.Calendar) -> list[icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(cal.to_ical())
    return sorted(parsed.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))


def provider_events(world, now: datetime = NOW) -> list[icalendar.Event]:
    return vevents(participant_calendar(feed=Feed(world["provider"]), now=now, host="rdv.test"))


def test_calendar_headers_and_timezone(world):
    raw = participant_calendar(feed=Feed(world["provider"]), now=NOW).to_ical()
    cal = icalendar.Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//Rendez-vous IA//Calendriers//FR"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]).startswith(world["event"].title)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_meeting_time_place_and_summary(world):
    first = provider_events(world)[0]
    slot = world["event"].slots[0]
    start = first.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Paris"
    assert first["DTSTART"].params["TZID"] == "Europe/Paris"
    assert start.astimezone(UTC).replace(tzinfo=None) == slot.starts_at
    assert start.hour == 9 and start.minute == 0  # 9:00 in Paris (the factory's first slot)
    assert first.decoded("dtend").astimezone(UTC).replace(tzinfo=None) == slot.ends_at
    assert str(first["LOCATION"]) == "CCI Lyon, Lyon – Table T1, zone Nord"
    assert str(first["STATUS"]) == "CONFIRMED"
    assert first["SEQUENCE"] == 0
    assert str(first["SUMMARY"]) == "Rendez-vous : Evil ATTENDEE:mailto:x@y;Corp"
    assert isinstance(first.decoded("dtstamp"), datetime)


def test_uid_stable_sequence_bumped_and_cancellation(world):
    before = provider_events(world)
    publish_v2(world)
    after = provider_events(world)
    assert sorted(str(e["UID"]) for e in after) == sorted(str(e["UID"]) for e in before)
    assert all(str(e["UID"]).endswith("@rdv.test") for e in after)
    moved_before = before[0]
    moved_after = next(e for e in after if e["UID"] == moved_before["UID"])
    assert moved_after["SEQUENCE"] == moved_before["SEQUENCE"] + 1
    assert moved_after.decoded("dtstart") > moved_before.decoded("dtstart")
    assert "Table T2" in str(moved_after["LOCATION"])
    assert str(moved_after["STATUS"]) == "CONFIRMED"
    cancelled = next(e for e in after if e["UID"] == before[1]["UID"])
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] == 1


def test_cancelled_meetings_omitted_after_the_event(world):
    publish_v2(world)
    after_event = datetime(2026, 3, 11, 23, 30)  # 00:30 on 12 March in Paris
    assert [str(e["STATUS"]) for e in provider_events(world, after_event)] == ["CONFIRMED"]
    last_evening = datetime(2026, 3, 10, 22, 30)  # still 10 March, 23:30 in Paris
    assert len(provider_events(world, last_evening)) == 2


def test_control_characters_cannot_inject_properties(world):
    raw = participant_calendar(feed=Feed(world["provider"]), now=NOW).to_ical()
    assert b"\r\nATTENDEE" not in raw
    cal = icalendar.Calendar.from_ical(raw)
    for component in cal.walk():
        assert "ATTENDEE" not in component
    event = vevents(cal)[0]
    assert "Evil ATTENDEE:mailto:x@y;Corp" in str(event["DESCRIPTION"])
    assert b"x@y\\;Corp" in raw  # icalendar escapes the semicolon


def test_organiser_calendar_lists_every_meeting(world):
    cal = organiser_calendar(event=world["event"], now=NOW)
    events = vevents(cal)
    assert len(events) == 2
    assert str(events[0]["SUMMARY"]) == "Rendez-vous : Vision IA / Evil ATTENDEE:mailto:x@y;Corp"
    assert "CANCELLED" not in cal.to_ical().decode()


def test_summary_in_english_for_an_english_user(world, factory):
    user = factory.user(locale="en")
    attendee = Attendee(
        registration=world["seeker"], user=user, name="Ann", email="ann@example.org"
    )
    db.session.add(attendee)
    db.session.commit()
    events = vevents(participant_calendar(feed=Feed(world["seeker"], attendee), now=NOW))
    assert str(events[0]["SUMMARY"]) == "Meeting: Vision IA"
    assert "Table T1" in str(events[0]["LOCATION"])


def test_empty_calendar_before_publication(factory):
    event = factory.event()
    registration = factory.registration(event=event)
    cal = icalendar.Calendar.from_ical(
        participant_calendar(feed=Feed(registration), now=NOW).to_ical()
    )
    assert cal.walk("VEVENT") == []
    assert len(cal.walk("VTIMEZONE")) == 1


def test_find_feed_by_attendee_or_registration_token(world):
    registration = world["seeker"]
    attendee = Attendee(registration=registration, name="Bob", email="bob@example.org")
    db.session.add(attendee)
    db.session.commit()
    assert find_feed(registration.calendar_token) == Feed(registration)
    assert find_feed(attendee.calendar_token) == Feed(registration, attendee)
    assert find_feed("nope") is None
    assert find_feed("") is None
    assert find_feed("x" * 500) is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("A\r\nB", "A B"),
        ("A\tB\x00C\x7fD", "A B C D"),
        ("Ligne\u2028séparée", "Ligne séparée"),
        ("  Café   Crème ", "Café Crème"),
        (None, ""),
    ],
    ids=["crlf", "c0-and-del", "unicode-separator", "spaces", "none"],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("server_name", "host"),
    [(None, "rdv-ia"), ("", "rdv-ia"), ("Rdv.Example.FR:8443", "rdv.example.fr")],
    ids=["unset", "empty", "with-port"],
)
def test_calendar_host(server_name, host):
    assert calendar_host(server_name) == host


def test_feed_language_follows_the_registering_user(world, factory):
    registration = world["provider"]
    assert Feed(registration).locale == "fr"
    registration.created_by = factory.user(locale="en")
    db.session.commit()
    assert Feed(registration).locale == "en"


@pytest.mark.parametrize(
    "token", ["a\x00b", "a b", "é" * 10, "../x"], ids=["nul", "space", "accents", "path"]
)
def test_find_feed_refuses_malformed_tokens_without_a_query(world, token):
    assert find_feed(token) is None
