"""On site: absences and no-show reports cancel what is left, tell people, push live."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta

import icalendar
import pytest
import sqlalchemy as sa

from app.extensions import socketio
from app.models import Event, Meeting, Notification, Registration, Schedule, User, db
from app.models.base import utcnow
from app.models.enums import (
    EventFormat,
    EventStatus,
    MeetingOrigin,
    MeetingStatus,
    OrganisationKind,
    RegistrationRole,
    ScheduleStatus,
)
from app.services import ServiceError
from app.services.onsite import (
    add_published_meeting,
    mark_absent,
    mark_present,
    report_no_show,
)
from tests.conftest import Outbox, own_app_context

PASSWORD = "correct horse battery"


@dataclass
class World:
    event: Event
    schedule: Schedule
    alpha: Registration  # company, alice@
    beta: Registration  # company, bob@
    pixel: Registration  # provider, paul@
    quanta: Registration  # provider, quinn@
    organiser: User
    past: Meeting  # beta–pixel, slot 0
    freed: Meeting  # alpha–pixel, slot 2, table T1
    later: Meeting  # beta–pixel, slot 3, table T1
    other: Meeting  # beta–quanta, slot 4, table T2

    def user(self, email: str) -> User:
        return db.session.scalar(sa.select(User).where(User.email == email))

    def slot(self, i: int):
        return self.event.slots[i]

    @property
    def now(self) -> datetime:
        """During slot 1: slot 0 is over, slot 2 and later are to come."""
        return self.slot(1).starts_at + timedelta(minutes=1)


def build_world(factory, *, tables: int = 4, fmt=EventFormat.FREE_TABLES) -> World:
    """A published schedule: pixel meets beta (past), alpha (slot 2), beta (slot 3)."""
    event = factory.event(status=EventStatus.LIVE, tables=tables, format=fmt, slug="forum-ia")
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    regs = {}
    for key, name, email, role in (
        ("alpha", "Alpha SAS", "alice@example.fr", RegistrationRole.SEEKER),
        ("beta", "Beta SARL", "bob@example.fr", RegistrationRole.SEEKER),
        ("pixel", "Pixel IA", "paul@example.fr", RegistrationRole.PROVIDER),
        ("quanta", "Quanta IA", "quinn@example.fr", RegistrationRole.PROVIDER),
    ):
        kind = OrganisationKind.PROVIDER if role is RegistrationRole.PROVIDER else None
        org = factory.organisation(name=name, **({"kind": kind} if kind else {}))
        factory.member(factory.user(email=email, name=name), org)
        regs[key] = factory.registration(event=event, organisation=org, role=role)
    slots, t = event.slots, event.tables
    schedule = Schedule(
        event=event, version=1, status=ScheduleStatus.PUBLISHED, published_at=utcnow()
    )
    past = Meeting(registration_a=regs["beta"], registration_b=regs["pixel"], slot=slots[0])
    freed = Meeting(registration_a=regs["alpha"], registration_b=regs["pixel"], slot=slots[2])
    later = Meeting(registration_a=regs["beta"], registration_b=regs["pixel"], slot=slots[3])
    other = Meeting(registration_a=regs["beta"], registration_b=regs["quanta"], slot=slots[4])
    past.table, freed.table, later.table = t[0], t[0], t[0]
    other.table = t[1] if len(t) > 1 else t[0]
    schedule.meetings.extend([past, freed, later, other])
    db.session.add(schedule)
    db.session.commit()
    return World(
        event,
        schedule,
        **regs,
        organiser=organiser,
        past=past,
        freed=freed,
        later=later,
        other=other,
    )


def login(client, email: str):
    response = client.post("/compte/connexion", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def socket_of(app, http):
    with own_app_context():
        sio = socketio.test_client(app, flask_test_client=http)
    assert sio.is_connected()
    return sio


def watch(sio, slug: str) -> dict:
    with own_app_context():
        return sio.emit("watch", {"event": slug}, callback=True)


def text(response) -> str:
    """The page as a reader sees it (entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))


def notifications_of(user: User) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)))


@pytest.fixture
def world(factory) -> World:
    return build_world(factory)


# Absence marked by an organiser


def test_absent_cancels_remaining_meetings_and_tells_counterparts(world):
    change = mark_absent(registration=world.pixel, actor=world.organiser, now=world.now)
    db.session.commit()
    db.session.expire_all()
    assert world.pixel.absent_at == world.now
    assert (world.freed.status, world.freed.sequence) == (MeetingStatus.CANCELLED, 1)
    assert (world.later.status, world.later.sequence) == (MeetingStatus.CANCELLED, 1)
    assert (world.past.status, world.past.sequence) == (MeetingStatus.SCHEDULED, 0)
    assert (world.other.status, world.other.sequence) == (MeetingStatus.SCHEDULED, 0)
    assert change.registrations == {world.pixel.id, world.alpha.id, world.beta.id}
    told = notifications_of(world.user("alice@example.fr"))
    assert [(n.kind, n.payload["other"]) for n in told] == [("onsite_absence", "Pixel IA")]
    assert len(notifications_of(world.user("bob@example.fr"))) == 1
    assert notifications_of(world.user("quinn@example.fr")) == []


def test_only_organisers_mark_absent(world):
    with pytest.raises(ServiceError, match="forbidden"):
        mark_absent(registration=world.pixel, actor=world.user("alice@example.fr"), now=world.now)


def test_cancelled_meeting_shows_as_cancelled_in_the_calendar(client, world):
    mark_absent(registration=world.pixel, actor=world.organiser, now=world.now)
    db.session.commit()
    body = client.get(f"/calendrier/{world.alpha.calendar_token}.ics").data
    events = {
        str(e["uid"]).split("@")[0]: e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }
    cancelled = events[world.freed.uid]
    assert (str(cancelled["status"]), int(cancelled["sequence"])) == ("CANCELLED", 1)


def test_present_again_restores_the_meetings_its_absence_cancelled_where_still_free(client, world):
    mark_absent(registration=world.pixel, actor=world.organiser, now=world.now)
    db.session.commit()
    # Meanwhile Alpha met Quanta at slot 2, the time of its cancelled meeting with Pixel.
    add_published_meeting(
        schedule=world.schedule,
        a=world.alpha,
        b=world.quanta,
        slot=world.slot(2),
        table=world.event.tables[2],
        origin=MeetingOrigin.WALK_IN,
    )
    db.session.commit()
    later = world.now + timedelta(minutes=5)
    change = mark_present(registration=world.pixel, actor=world.organiser, now=later)
    db.session.commit()
    db.session.expire_all()
    assert world.pixel.absent_at is None
    # Beta's meeting comes back at its table; Alpha's stays cancelled (Alpha is busy).
    assert (world.later.status, world.later.sequence) == (MeetingStatus.SCHEDULED, 2)
    assert world.later.table_id == world.event.tables[0].id
    assert (world.freed.status, world.freed.sequence) == (MeetingStatus.CANCELLED, 1)
    assert (change.restored, change.not_restored) == ([world.later], 1)
    told = notifications_of(world.user("bob@example.fr"))
    assert [(n.kind, n.payload["other"]) for n in told][-1] == ("onsite_restored", "Pixel IA")
    assert [n.kind for n in notifications_of(world.user("alice@example.fr"))] == ["onsite_absence"]
    body = client.get(f"/calendrier/{world.beta.calendar_token}.ics").data
    events = {
        str(e["uid"]).split("@")[0]: e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }
    restored = events[world.later.uid]
    assert (str(restored["status"]), int(restored["sequence"])) == ("CONFIRMED", 2)
    with pytest.raises(ServiceError, match="not-absent"):
        mark_present(registration=world.pixel, actor=world.organiser, now=later)


def test_present_again_leaves_a_meeting_whose_other_side_is_absent_cancelled(world):
    mark_absent(registration=world.pixel, actor=world.organiser, now=world.now)
    mark_absent(registration=world.beta, actor=world.organiser, now=world.now)
    change = mark_present(registration=world.pixel, actor=world.organiser, now=world.now)
    db.session.commit()
    db.session.expire_all()
    # Alpha's meeting comes back; Beta's does not (Beta is absent), nor Beta–Quanta (Beta's
    # absence cancelled it, not Pixel's).
    assert world.freed.status is MeetingStatus.SCHEDULED
    assert world.later.status is MeetingStatus.CANCELLED
    assert world.other.status is MeetingStatus.CANCELLED
    assert (len(change.restored), change.not_restored) == (1, 1)


def test_present_again_on_the_organiser_page_says_what_came_back(app, client, world):
    login(client, "orga@example.fr")
    client.post(f"/organisateur/evenements/forum-ia/absences/{world.pixel.id}/absent")
    mark_absent(registration=world.beta, actor=world.organiser, now=utcnow())
    db.session.commit()
    page = client.post(
        f"/organisateur/evenements/forum-ia/absences/{world.pixel.id}/present",
        follow_redirects=True,
    )
    assert (
        "Pixel IA est de nouveau présent : 1 rendez-vous rétabli. 2 rendez-vous annulés n'ont "
        "pas pu être rétablis : l'autre partie ou la place n'est plus libre." in text(page)
    )
    told = Outbox(app).last(to="alice@example.fr")
    assert told["Subject"] == "Rendez-vous rétabli : Pixel IA est finalement là"
    assert "Pixel IA est finalement là : votre rendez-vous de" in told.get_content()


def test_organiser_page_marks_absent_and_pushes_to_counterparts_and_organisers(app, world):
    organiser_http = login(app.test_client(), "orga@example.fr")
    alice_http = login(app.test_client(), "alice@example.fr")
    quinn_http = login(app.test_client(), "quinn@example.fr")
    organiser = socket_of(app, organiser_http)
    alice, quinn = socket_of(app, alice_http), socket_of(app, quinn_http)
    try:
        assert watch(organiser, "forum-ia")["organiser"] is True
        for sio in (organiser, alice, quinn):
            sio.get_received()
        url = f"/organisateur/evenements/forum-ia/absences/{world.pixel.id}/absent"
        response = organiser_http.post(url, follow_redirects=True)
        assert "Pixel IA est absent : 3 rendez-vous annulés." in response.get_data(as_text=True)
        names = [m["name"] for m in alice.get_received()]
        assert {"agenda_changed", "onsite", "notifications"} <= set(names)
        received = organiser.get_received()
        # The public now/next screen (the event's room) re-reads its tables at once.
        assert "screen_changed" in [m["name"] for m in received]
        absence = [m["args"][0] for m in received if m["name"] == "absence"]
        assert absence == [
            {"event": "forum-ia", "kind": "absent", "registration": world.pixel.id, "cancelled": 3}
        ]
        assert [m for m in quinn.get_received() if m["name"] in ("onsite", "absence")] == []
    finally:
        for sio in (organiser, alice, quinn):
            sio.disconnect()


def test_absences_page_is_for_organisers_only(client, world):
    login(client, "alice@example.fr")
    assert client.get("/organisateur/evenements/forum-ia/absences").status_code == 403
    url = f"/organisateur/evenements/forum-ia/absences/{world.pixel.id}/absent"
    assert client.post(url).status_code == 403
    db.session.expire_all()
    assert world.pixel.absent_at is None


# No-show reported by a counterpart


def test_no_show_report_refused_before_five_minutes(world):
    alice = world.user("alice@example.fr")
    early = world.slot(2).starts_at + timedelta(minutes=4, seconds=59)
    with pytest.raises(ServiceError, match="too-early"):
        report_no_show(meeting=world.freed, actor=alice, now=early)


def test_no_show_report_refused_to_people_outside_the_meeting(world):
    bob = world.user("bob@example.fr")
    late = world.slot(2).starts_at + timedelta(minutes=6)
    with pytest.raises(ServiceError, match="forbidden"):
        report_no_show(meeting=world.freed, actor=bob, now=late)
    with pytest.raises(ServiceError, match="forbidden"):
        report_no_show(meeting=world.freed, actor=world.organiser, now=late)


def test_no_show_of_someone_not_checked_in_marks_them_absent(world):
    alice = world.user("alice@example.fr")
    late = world.slot(2).starts_at + timedelta(minutes=6)
    change = report_no_show(meeting=world.freed, actor=alice, now=late)
    db.session.commit()
    db.session.expire_all()
    assert world.freed.status is MeetingStatus.NO_SHOW
    assert (world.freed.no_show_registration_id, world.freed.no_show_reported_by_id) == (
        world.pixel.id,
        alice.id,
    )
    assert world.pixel.absent_at == late
    assert world.later.status is MeetingStatus.CANCELLED
    assert change.absent.id == world.pixel.id
    assert [n.kind for n in notifications_of(world.user("bob@example.fr"))] == ["onsite_absence"]


def test_no_show_of_someone_checked_in_only_marks_that_meeting(world):
    world.pixel.checked_in_at = world.slot(0).starts_at
    db.session.commit()
    late = world.slot(2).starts_at + timedelta(minutes=6)
    change = report_no_show(meeting=world.freed, actor=world.user("alice@example.fr"), now=late)
    db.session.commit()
    db.session.expire_all()
    assert world.freed.status is MeetingStatus.NO_SHOW
    assert world.pixel.absent_at is None
    assert world.later.status is MeetingStatus.SCHEDULED
    assert change.no_show.id == world.freed.id


def test_on_site_page_refuses_a_report_before_the_meeting(client, world):
    login(client, "alice@example.fr")
    page = text(client.get("/evenements/forum-ia/sur-place"))
    assert "Pixel IA" in page
    assert "Pixel IA n'est pas venu" not in page
    url = f"/evenements/forum-ia/sur-place/rendez-vous/{world.freed.id}/absent"
    page = text(client.post(url, follow_redirects=True))
    assert "Vous pouvez signaler une absence 5 minutes après le début." in page
    db.session.expire_all()
    assert world.freed.status is MeetingStatus.SCHEDULED


def test_on_site_page_reports_a_no_show_after_five_minutes(client, world):
    slot = world.slot(2)
    slot.starts_at, slot.ends_at = utcnow() - timedelta(minutes=6), utcnow() + timedelta(minutes=14)
    db.session.commit()
    login(client, "alice@example.fr")
    page = text(client.get("/evenements/forum-ia/sur-place"))
    assert f"/sur-place/rendez-vous/{world.freed.id}/absent" in page
    url = f"/evenements/forum-ia/sur-place/rendez-vous/{world.freed.id}/absent"
    page = text(client.post(url, follow_redirects=True))
    assert "Merci : l'absence est enregistrée." in page
    db.session.expire_all()
    assert world.freed.status is MeetingStatus.NO_SHOW
    assert world.pixel.absent_at is not None


# Access


def test_on_site_page_needs_a_login(client, world):
    response = client.get("/evenements/forum-ia/sur-place")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")


def test_participant_of_another_event_is_refused(client, factory, world):
    other_event = factory.event(status=EventStatus.LIVE)
    org = factory.organisation(name="Ailleurs SAS")
    factory.member(factory.user(email="eve@example.fr"), org)
    factory.registration(event=other_event, organisation=org)
    login(client, "eve@example.fr")
    assert client.get("/evenements/forum-ia/sur-place").status_code == 403
    url = f"/evenements/forum-ia/sur-place/rendez-vous/{world.freed.id}/absent"
    assert client.post(url).status_code == 403
    url = f"/evenements/{other_event.slug}/sur-place/rendez-vous/{world.freed.id}/absent"
    assert client.post(url).status_code == 404


def test_no_show_of_someone_checked_in_tells_the_organisers_live(app, world):
    slot = world.slot(2)
    slot.starts_at, slot.ends_at = utcnow() - timedelta(minutes=6), utcnow() + timedelta(minutes=14)
    world.pixel.checked_in_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    organiser_http = login(app.test_client(), "orga@example.fr")
    organiser = socket_of(app, organiser_http)
    try:
        assert watch(organiser, "forum-ia")["organiser"] is True
        organiser.get_received()
        alice = login(app.test_client(), "alice@example.fr")
        alice.post(f"/evenements/forum-ia/sur-place/rendez-vous/{world.freed.id}/absent")
        received = organiser.get_received()
        # The public now/next screen (the event's room) re-reads its tables at once.
        assert "screen_changed" in [m["name"] for m in received]
        absence = [m["args"][0] for m in received if m["name"] == "absence"]
        assert absence == [
            {"event": "forum-ia", "kind": "no_show", "registration": world.pixel.id, "cancelled": 0}
        ]
    finally:
        organiser.disconnect()
    db.session.expire_all()
    assert world.pixel.absent_at is None
