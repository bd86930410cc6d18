"""Walk-in meetings: two present participants book a free upcoming slot on the spot."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import Meeting, Registration, Slot, User, db
from app.models.base import utcnow
from app.models.enums import EventFormat, MeetingStatus, RegistrationRole
from app.services import ServiceError
from app.services.onsite import book_walk_in
from tests.conftest import make_app
from tests.live.test_onsite import World, build_world, login, socket_of, text

ON_SITE = "/evenements/forum-ia/sur-place"


def _check_in(*registrations: Registration) -> None:
    for registration in registrations:
        registration.checked_in_at = utcnow() - timedelta(hours=1)
    db.session.commit()


@pytest.fixture
def world(factory) -> World:
    world = build_world(factory)
    _check_in(world.alpha, world.beta, world.pixel, world.quanta)
    return world


def _walk_ins() -> list[Meeting]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Meeting).where(Meeting.origin == "walk_in")))


def _book(world: World, slot_index: int, *, booker=None, other=None, now=None):
    return book_walk_in(
        booker=booker or world.alpha,
        other=other or world.quanta,
        slot=world.slot(slot_index),
        actor=world.user("alice@example.fr"),
        now=now or world.now,
    )


def test_walk_in_is_booked_at_a_free_table_and_the_other_side_is_told(app, world):
    quinn_http = login(app.test_client(), "quinn@example.fr")
    quinn = socket_of(app, quinn_http)
    alice = login(app.test_client(), "alice@example.fr")
    try:
        quinn.get_received()
        form = text(alice.get(ON_SITE))
        assert "Quanta IA" in form and 'name="slot_id"' in form
        data = {"partner_id": world.quanta.id, "slot_id": world.slot(5).id}
        page = text(alice.post(f"{ON_SITE}/sans-rendez-vous", data=data, follow_redirects=True))
        assert "Rendez-vous réservé : il figure dans les deux agendas." in page
        [meeting] = _walk_ins()
        assert (meeting.registration_a_id, meeting.registration_b_id) == (
            world.alpha.id,
            world.quanta.id,
        )
        assert (meeting.slot_id, meeting.status) == (world.slot(5).id, MeetingStatus.SCHEDULED)
        assert meeting.table_id == world.event.tables[0].id
        names = {m["name"] for m in quinn.get_received()}
        assert {"agenda_changed", "onsite", "notifications"} <= names
        page = text(login(app.test_client(), "quinn@example.fr").get("/espace/notifications"))
        assert "Alpha SAS a réservé un rendez-vous avec vous" in page
    finally:
        quinn.disconnect()


def test_walk_in_needs_the_booker_checked_in(client, world):
    world.alpha.checked_in_at = None
    db.session.commit()
    login(client, "alice@example.fr")
    data = {"partner_id": world.quanta.id, "slot_id": world.slot(5).id}
    page = text(client.post(f"{ON_SITE}/sans-rendez-vous", data=data, follow_redirects=True))
    assert "Enregistrez d'abord votre arrivée à l'accueil" in page
    assert _walk_ins() == []
    with pytest.raises(ServiceError, match="not-checked-in"):
        _book(world, 5)


def test_walk_in_needs_the_other_side_present(world):
    world.quanta.checked_in_at = None
    db.session.commit()
    with pytest.raises(ServiceError, match="other-not-here:Quanta IA"):
        _book(world, 5)


def test_walk_in_refused_when_someone_is_busy_and_the_form_keeps_the_choice(client, world):
    login(client, "alice@example.fr")
    data = {"partner_id": world.quanta.id, "slot_id": world.slot(4).id}  # Quanta meets Beta
    response = client.post(f"{ON_SITE}/sans-rendez-vous", data=data)
    assert response.status_code == 422
    page = text(response)
    assert "Quanta IA a déjà un rendez-vous à cette heure." in page
    assert f'<option selected value="{world.slot(4).id}">' in page
    assert _walk_ins() == []


def test_walk_in_refused_when_no_table_is_free(factory):
    world = build_world(factory, tables=2)
    _check_in(world.alpha, world.quanta)
    gamma = factory.registration(event=world.event)
    delta = factory.registration(event=world.event, role=RegistrationRole.PROVIDER)
    for pair, table in (((world.beta, world.pixel), 0), ((gamma, delta), 1)):
        db.session.add(
            Meeting(
                schedule=world.schedule,
                registration_a=pair[0],
                registration_b=pair[1],
                slot=world.slot(5),
                table=world.event.tables[table],
            )
        )
    db.session.commit()
    with pytest.raises(ServiceError, match="no-table"):
        _book(world, 5)


def test_walk_in_refused_for_a_slot_that_started(world):
    with pytest.raises(ServiceError, match="slot-started"):
        _book(world, 1)  # world.now is during slot 1


def test_walk_in_refused_when_the_pair_already_meets(world):
    with pytest.raises(ServiceError, match="already-meeting"):
        _book(world, 6, other=world.pixel)  # they meet at slot 2


def test_walk_in_uses_the_host_table_when_hosts_keep_one(factory):
    world = build_world(factory, fmt=EventFormat.HOME_TABLES)
    world.quanta.home_table = world.event.tables[3]
    db.session.commit()
    _check_in(world.alpha, world.quanta)
    _book(world, 5)
    assert _walk_ins()[0].table_id == world.event.tables[3].id


def test_walk_in_refused_at_a_maximum_of_meetings(world):
    world.alpha.max_meetings = 1  # Alpha already meets Pixel
    db.session.commit()
    with pytest.raises(ServiceError, match="max-meetings:Alpha SAS"):
        _book(world, 5)


def test_walk_in_refused_to_participants_of_another_event(client, factory, world):
    org = factory.organisation(name="Ailleurs SAS")
    factory.member(factory.user(email="eve@example.fr"), org)
    factory.registration(event=factory.event(), organisation=org)
    login(client, "eve@example.fr")
    data = {"partner_id": world.quanta.id, "slot_id": world.slot(5).id}
    assert client.post(f"{ON_SITE}/sans-rendez-vous", data=data).status_code == 403
    assert _walk_ins() == []


@pytest.mark.postgres
def test_two_simultaneous_bookings_of_the_last_table_one_wins(factory, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent bookings are tested on PostgreSQL (set TEST_DATABASE_URL)")
    world = build_world(factory, tables=2)
    gamma = factory.registration(event=world.event)
    delta = factory.registration(event=world.event, role=RegistrationRole.PROVIDER)
    factory.member(factory.user(email="gina@example.fr"), gamma.organisation)
    _check_in(world.alpha, world.quanta, gamma, delta)
    # Slot 5: T2 is taken, T1 is the last table, and two pairs want it at once.
    db.session.add(
        Meeting(
            schedule=world.schedule,
            registration_a=world.beta,
            registration_b=world.pixel,
            slot=world.slot(5),
            table=world.event.tables[1],
        )
    )
    db.session.commit()
    bookings = [
        (world.alpha.id, world.quanta.id, "alice@example.fr"),
        (gamma.id, delta.id, "gina@example.fr"),
    ]
    app = make_app(database_url)
    slot_id, now = world.slot(5).id, world.now
    start, results = threading.Barrier(2), {}

    def book(booker_id: int, other_id: int, email: str) -> None:
        with app.app_context():
            booker = db.session.get(Registration, booker_id)
            other = db.session.get(Registration, other_id)
            actor = db.session.scalar(sa.select(User).where(User.email == email))
            slot = db.session.get(Slot, slot_id)
            start.wait()
            try:
                book_walk_in(booker=booker, other=other, slot=slot, actor=actor, now=now)
                db.session.commit()
                results[email] = "booked"
            except ServiceError as exc:
                db.session.rollback()
                results[email] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=book, args=b) for b in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = sorted(results.values())
    assert outcomes[0] == "booked" and outcomes[1] in ("no-table", "table-taken:T1"), results
    [meeting] = _walk_ins()
    assert meeting.table_id == world.event.tables[0].id
