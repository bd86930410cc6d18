"""Check-in on the day: organisers scan or type badge codes; participants check themselves in."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import socketio
from app.models import Attendee, Event, Registration, User, db
from app.models.base import utcnow
from app.models.enums import EventStatus, OrganisationKind, RegistrationRole, RegistrationStatus
from app.services.checkin import CheckinError, check_in, entrance_code
from app.templating import to_local
from tests.conftest import make_app, own_app_context

SECRET = "test-secret-key-not-for-production-000000"


def _today():
    return datetime.now(ZoneInfo("Europe/Paris")).date()


@pytest.fixture
def world(factory):
    """A live event today with two organisations, each with one attendee who has an account."""
    event = factory.event(status=EventStatus.LIVE, starts_on=_today(), slug="journee-ia")
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    alice = factory.user(email="alice@example.fr", name="Alice Martin")
    company = factory.organisation(name="Boulangerie Martin")
    factory.member(alice, company)
    provider = factory.organisation(name="Vision IA", kind=OrganisationKind.PROVIDER)
    bob = factory.user(email="bob@example.fr", name="Bob Leroy")
    factory.member(bob, provider)
    reg_a = factory.registration(event=event, organisation=company)
    reg_a.attendees = [
        Attendee(name="Alice Martin", email="alice@example.fr"),
        Attendee(name="Claire Martin", email="claire@example.fr"),
    ]
    reg_b = factory.registration(event=event, organisation=provider, role=RegistrationRole.PROVIDER)
    reg_b.attendees = [Attendee(name="Bob Leroy", email="bob@example.fr")]
    db.session.commit()
    return event, reg_a, reg_b


def _code(registration: Registration, index: int = 0) -> str:
    return registration.attendees[index].checkin_code


DESK = "/organisateur/evenements/journee-ia/accueil"


def test_organiser_checks_in_a_badge_and_the_organisation_arrives(client, auth, world):
    event, reg_a, _reg_b = world
    auth.login("orga@example.fr")
    response = client.post(f"{DESK}/scan", json={"code": _code(reg_a)})
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] is True
    assert "Alice Martin" in data["message"] and "Boulangerie Martin" in data["message"]
    assert data["stats"]["count"] == 1 and data["stats"]["expected"] == 3
    assert data["stats"]["organisations"] == 1 and data["stats"]["organisations_expected"] == 2
    db.session.expire_all()
    assert reg_a.attendees[0].checked_in_at is not None
    assert reg_a.checked_in_at == reg_a.attendees[0].checked_in_at
    # A second person of the same organisation: the organisation's first arrival is kept.
    first = reg_a.checked_in_at
    assert client.post(f"{DESK}/scan", json={"code": _code(reg_a, 1)}).status_code == 200
    db.session.expire_all()
    assert reg_a.checked_in_at == first
    assert reg_a.attendees[1].checked_in_at is not None
    page = client.get(DESK).get_data(as_text=True)
    assert "Claire Martin · Boulangerie Martin" in page


def test_code_used_twice_is_refused_with_the_time_of_first_use(client, auth, world):
    event, reg_a, _ = world
    auth.login("orga@example.fr")
    assert client.post(f"{DESK}/scan", json={"code": _code(reg_a)}).status_code == 200
    again = client.post(f"{DESK}/scan", json={"code": _code(reg_a)})
    assert again.status_code == 409
    db.session.expire_all()
    at = to_local(reg_a.attendees[0].checked_in_at, event.timezone).strftime("%H:%M")
    assert again.get_json()["message"] == f"Alice Martin est déjà enregistré·e (à {at})."
    assert again.get_json()["ok"] is False


def test_code_of_another_event_is_refused(client, auth, factory, world):
    _event, _reg_a, _ = world
    other = factory.event(status=EventStatus.LIVE, starts_on=_today())
    stranger_reg = factory.registration(event=other)
    stranger_reg.attendees = [Attendee(name="Zoé Autre", email="zoe@example.fr")]
    db.session.commit()
    auth.login("orga@example.fr")
    response = client.post(f"{DESK}/scan", json={"code": _code(stranger_reg)})
    assert response.status_code == 422
    assert response.get_json()["message"] == "Ce badge est celui d'un autre événement."
    db.session.expire_all()
    assert stranger_reg.attendees[0].checked_in_at is None


def test_unknown_code_is_refused_and_the_typed_code_is_kept(client, auth, world):
    auth.login("orga@example.fr")
    response = client.post(f"{DESK}/scan", json={"code": "not-a-badge-code"})
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        "Code inconnu : ce n'est pas le badge d'un participant."
    )
    # The page form (without JavaScript) says so next to the field and keeps what was typed.
    page = client.post(DESK, data={"code": "not-a-badge-code"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Code inconnu : ce n&#39;est pas le badge d&#39;un participant." in html
    assert 'value="not-a-badge-code"' in html


def test_typed_short_code_and_page_form_check_in(client, auth, world):
    _event, _reg_a, reg_b = world
    auth.login("orga@example.fr")
    response = client.post(DESK, data={"code": f"  {_code(reg_b)[:8]} "}, follow_redirects=True)
    assert response.status_code == 200
    assert "Bienvenue Bob Leroy (Vision IA) !" in response.get_data(as_text=True)
    db.session.expire_all()
    assert reg_b.attendees[0].checked_in_at is not None
    # Too short to be unique: refused.
    short = client.post(f"{DESK}/scan", json={"code": _code(reg_b)[:5]})
    assert short.status_code == 422


def test_late_arrival_of_an_organisation_marked_absent_is_flagged(client, auth, world):
    _event, reg_a, _ = world
    reg_a.absent_at = datetime(2026, 1, 1, 9, 0)
    db.session.commit()
    auth.login("orga@example.fr")
    response = client.post(f"{DESK}/scan", json={"code": _code(reg_a)})
    assert response.status_code == 200
    assert "cette organisation avait été déclarée absente" in response.get_json()["message"]
    db.session.expire_all()
    assert reg_a.absent_at is not None  # undoing the absence is the organisers' decision


def test_pending_registration_cannot_check_in(client, auth, world):
    _event, reg_a, _ = world
    reg_a.status = RegistrationStatus.CANCELLED
    db.session.commit()
    auth.login("orga@example.fr")
    response = client.post(f"{DESK}/scan", json={"code": _code(reg_a)})
    assert response.status_code == 422
    assert response.get_json()["message"] == "L'inscription de ce participant n'est pas confirmée."


def test_check_in_waits_for_the_published_schedule(client, auth, world):
    event, reg_a, _ = world
    event.status = EventStatus.SCHEDULING
    db.session.commit()
    auth.login("orga@example.fr")
    response = client.post(f"{DESK}/scan", json={"code": _code(reg_a)})
    assert response.status_code == 422
    assert response.get_json()["message"] == "L'accueil ouvre une fois le planning publié."


def test_participant_is_refused_the_desk_and_anonymous_is_sent_to_login(client, auth, world):
    _event, reg_a, _ = world
    assert client.get(DESK).headers["Location"].startswith("/compte/connexion")
    assert client.post(f"{DESK}/scan", json={"code": _code(reg_a)}).status_code == 302
    auth.login("alice@example.fr")
    assert client.get(DESK).status_code == 403
    assert client.post(f"{DESK}/scan", json={"code": _code(reg_a)}).status_code == 403
    assert client.get(f"{DESK}/arrivees.json").status_code == 403
    db.session.expire_all()
    assert reg_a.attendees[0].checked_in_at is None


def test_scan_endpoint_requires_the_csrf_header(database_url, world):
    _event, reg_a, _ = world
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login = client.get("/compte/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post(
        "/compte/connexion",
        data={"email": "orga@example.fr", "password": "correct horse battery", "csrf_token": token},
    )
    page = client.get(DESK).get_data(as_text=True)
    header_token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    refused = client.post(f"{DESK}/scan", json={"code": _code(reg_a)})
    assert refused.status_code == 400
    accepted = client.post(
        f"{DESK}/scan", json={"code": _code(reg_a)}, headers={"X-CSRFToken": header_token}
    )
    assert accepted.status_code == 200 and accepted.get_json()["ok"] is True


# Self check-in


def _entrance(event) -> str:
    return entrance_code(event, _today(), secret=SECRET)


def test_participant_sees_own_badge_only(client, auth, world):
    _event, reg_a, _ = world
    auth.login("alice@example.fr")
    page = client.get("/evenements/journee-ia/mon-badge")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Alice Martin" in html and _code(reg_a)[:8] in html
    assert "data:image/svg+xml" in html
    assert "Claire Martin" not in html


def test_self_check_in_with_the_entrance_code(client, auth, world):
    event, reg_a, _ = world
    auth.login("alice@example.fr")
    url = "/evenements/journee-ia/mon-badge/arrivee"
    wrong = client.post(url, data={"entrance": "AAAAAA"})
    assert wrong.status_code == 422
    assert "Ce n&#39;est pas le code d&#39;entrée du jour." in wrong.get_data(as_text=True)
    assert 'value="AAAAAA"' in wrong.get_data(as_text=True)
    done = client.post(url, data={"entrance": _entrance(event).lower()}, follow_redirects=True)
    assert "Votre arrivée est enregistrée." in done.get_data(as_text=True)
    db.session.expire_all()
    assert reg_a.attendees[0].checked_in_at is not None
    assert reg_a.attendees[1].checked_in_at is None  # only oneself
    again = client.post(url, data={"entrance": _entrance(event)})
    assert again.status_code == 422
    assert "Votre arrivée a été enregistrée à" in again.get_data(as_text=True)


def test_self_check_in_only_on_the_day_of_a_live_event(client, auth, world):
    event, reg_a, _ = world
    event.starts_on = event.ends_on = _today() + timedelta(days=1)
    db.session.commit()
    auth.login("alice@example.fr")
    url = "/evenements/journee-ia/mon-badge/arrivee"
    response = client.post(url, data={"entrance": _entrance(event)})
    assert response.status_code == 422
    assert (
        "L&#39;enregistrement par soi-même n&#39;est possible que le jour de l&#39;événement."
        in response.get_data(as_text=True)
    )
    event.starts_on = event.ends_on = _today()
    event.status = EventStatus.REGISTRATION_OPEN
    db.session.commit()
    response = client.post(url, data={"entrance": _entrance(event)})
    assert "L&#39;accueil ouvre une fois le planning publié." in response.get_data(as_text=True)
    db.session.expire_all()
    assert reg_a.attendees[0].checked_in_at is None


def test_member_not_listed_as_attendee_has_no_badge(client, auth, factory, world):
    _event, reg_a, _ = world
    factory.member(factory.user(email="dan@example.fr"), reg_a.organisation)
    auth.login("dan@example.fr")
    assert client.get("/evenements/journee-ia/mon-badge").status_code == 403
    assert client.post("/evenements/journee-ia/mon-badge/arrivee").status_code == 403


def test_entrance_code_is_shown_to_organisers_on_the_day(client, auth, world):
    event, _, _ = world
    auth.login("orga@example.fr")
    assert _entrance(event) in client.get(DESK).get_data(as_text=True)


# Live arrivals over Socket.IO


def _socket(app, flask_client):
    with own_app_context():
        sio = socketio.test_client(app, flask_test_client=flask_client)
    assert sio.is_connected()
    return sio


def _watch(sio, slug: str) -> dict:
    with own_app_context():
        return sio.emit("watch", {"event": slug}, callback=True)


def test_checkin_event_reaches_organisers_and_not_participants(app, world):
    event, reg_a, _ = world
    organiser_http, participant_http = app.test_client(), app.test_client()
    for http, email in ((organiser_http, "orga@example.fr"), (participant_http, "bob@example.fr")):
        http.post("/compte/connexion", data={"email": email, "password": "correct horse battery"})
    organiser, participant = _socket(app, organiser_http), _socket(app, participant_http)
    try:
        assert _watch(organiser, event.slug)["organiser"] is True
        assert _watch(participant, event.slug)["organiser"] is False
        organiser.get_received(), participant.get_received()
        response = organiser_http.post(f"{DESK}/scan", json={"code": _code(reg_a)})
        assert response.status_code == 200
        pushed = [m for m in organiser.get_received() if m["name"] == "checkin"]
        assert len(pushed) == 1
        data = pushed[0]["args"][0]
        assert {k: data[k] for k in ("count", "expected", "name", "organisation")} == {
            "count": 1,
            "expected": 3,
            "name": "Alice Martin",
            "organisation": "Boulangerie Martin",
        }
        assert re.fullmatch(r"\d\d:\d\d", data["at"])
        assert [m for m in participant.get_received() if m["name"] == "checkin"] == []
    finally:
        organiser.disconnect()
        participant.disconnect()


def test_two_desks_scanning_one_badge_at_once_check_it_in_once(app, world):
    _event, reg_a, _ = world
    code, event_id = _code(reg_a), world[0].id
    barrier, outcomes = threading.Barrier(2), []

    def desk():
        with app.app_context():
            event = db.session.get(Event, event_id)
            organiser = db.session.scalar(sa.select(User).where(User.email == "orga@example.fr"))
            barrier.wait()
            try:
                check_in(event=event, code=code, actor=organiser, now=utcnow())
                db.session.commit()
                outcomes.append("welcome")
            except CheckinError as exc:
                db.session.rollback()
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    with own_app_context():
        threads = [threading.Thread(target=desk) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(outcomes) == ["already", "welcome"]
