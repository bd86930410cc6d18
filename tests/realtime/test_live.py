"""Live updates over Socket.IO: rooms derived on the server, pushes after commits."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio
from werkzeug.serving import make_server

from app.models import Meeting, Schedule, ScheduleRun, db
from app.models.enums import OrganisationKind, RegistrationRole, RunStatus
from tests.conftest import make_app


@pytest.fixture
def server(database_url, world):
    # Created last: Flask-SocketIO's extension object serves the app initialised last in a
    # process (one app per process in production).
    app = make_app(database_url)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture
def world(factory):
    event = factory.event()
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    participant = factory.user(email="part@example.fr")
    company = factory.organisation(name="Live SAS")
    factory.member(participant, company)
    provider = factory.organisation(name="Live IA", kind=OrganisationKind.PROVIDER)
    reg_a = factory.registration(event=event, organisation=company)
    reg_b = factory.registration(event=event, organisation=provider, role=RegistrationRole.PROVIDER)
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    draft = Schedule(event=event, run=run, version=1)
    draft.meetings.append(Meeting(registration_a=reg_a, registration_b=reg_b, slot=event.slots[0]))
    db.session.add_all([run, draft])
    db.session.commit()
    return event, draft


def _session(base: str, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{base}/compte/connexion", data={"email": email, "password": "correct horse battery"}
    )
    assert response.status_code == 200 and "/espace/" in response.url
    return session


def _client(base: str, session: requests.Session | None, events: list) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    for name in ("agenda_changed", "schedule_published", "run_progress", "notifications"):
        client.on(name, lambda data, name=name: events.append((name, data)))
    cookie = "; ".join(f"{k}={v}" for k, v in (session.cookies.items() if session else []))
    client.connect(base, headers={"Cookie": cookie} if cookie else {}, transports=["websocket"])
    return client


def _wait(predicate, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_publication_reaches_agendas_and_event_watchers_only(server, world):
    event, draft = world
    participant_events, anonymous_events = [], []
    participant = _client(server, _session(server, "part@example.fr"), participant_events)
    anonymous = _client(server, None, anonymous_events)
    assert anonymous.call("watch", {"event": event.slug}) == {"ok": True, "organiser": False}
    organiser = _session(server, "orga@example.fr")
    try:
        response = organiser.post(
            f"{server}/organisateur/evenements/{event.slug}/planning/versions/{draft.id}/publier"
        )
        assert response.status_code == 200
        assert _wait(lambda: "agenda_changed" in {n for n, _ in participant_events})
        assert _wait(lambda: anonymous_events)
        assert {n for n, _ in anonymous_events} == {"schedule_published"}  # no agenda room
    finally:
        participant.disconnect()
        anonymous.disconnect()


def test_watch_checks_who_may_join_the_organisers_room(server, world):
    event, _draft = world
    events = []
    stranger = _client(server, _session(server, "part@example.fr"), events)
    organiser = _client(server, _session(server, "orga@example.fr"), events)
    try:
        assert stranger.call("watch", {"event": event.slug}) == {"ok": True, "organiser": False}
        assert organiser.call("watch", {"event": event.slug}) == {"ok": True, "organiser": True}
        assert stranger.call("watch", {"event": "no-such-event"}) == {"ok": False}
        assert stranger.call("watch", "garbage") == {"ok": False}
    finally:
        stranger.disconnect()
        organiser.disconnect()
