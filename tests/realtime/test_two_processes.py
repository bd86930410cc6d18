"""Scale-out: two gunicorn processes and an RQ worker share one PostgreSQL and one Redis.

The processes are started with the documented production command (docs/deploy.md). A browser
connected to the first process gets the updates caused through the second one and by a
background worker, because every emit goes through the Redis message queue.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests
import socketio

from app.models import Attendee, MeetingRequest, db
from app.models.enums import OrganisationKind, RegistrationRole, RequestStatus
from app.services.taxonomy import load_taxonomy
from tests.conftest import make_app, postgres_url, scratch_postgres_database, service_missing
from tests.factories import Factory

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
EVENTS = ("agenda_changed", "schedule_published", "run_progress", "notifications")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture
def scratch_url() -> Iterator[str]:
    with scratch_postgres_database(postgres_url()) as url:
        yield url


@pytest.fixture
def world(scratch_url):
    """An event with an organiser, a company (whose member signs in) and a provider."""
    app = make_app(scratch_url)
    with app.app_context():
        db.create_all()
        load_taxonomy()
        db.session.commit()
        factory = Factory(db.session)
        event = factory.event()
        organiser = factory.user(email="orga@example.fr")
        event.organisers.append(organiser)
        participant = factory.user(email="part@example.fr")
        company = factory.organisation(name="Deux Process SAS")
        factory.member(participant, company)
        provider = factory.organisation(name="Redis IA", kind=OrganisationKind.PROVIDER)
        seeker = factory.registration(event=event, organisation=company)
        seeker.attendees.append(Attendee(name="Alice Deux", email="alice@example.fr"))
        offer = factory.registration(
            event=event, organisation=provider, role=RegistrationRole.PROVIDER
        )
        db.session.add(
            MeetingRequest(
                event=event,
                from_registration=seeker,
                to_registration=offer,
                status=RequestStatus.ACCEPTED,
            )
        )
        db.session.commit()
        slug = event.slug
        db.session.remove()
        db.engine.dispose()
    return slug


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _processes() -> Iterator[list[subprocess.Popen]]:
    """Processes started in this block are killed (with their children) when it ends."""
    started: list[subprocess.Popen] = []
    try:
        yield started
    finally:
        for proc in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def _spawn(started: list, args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    started.append(proc)
    return proc


def _wait_until_serving(proc: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{base} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            # The port opens before the worker has loaded the app: be patient.
            if requests.get(f"{base}/", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"{base} did not answer within 45 s:\n{log.read_text()[-3000:]}")


def _wait(predicate, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _csrf_token(html: str) -> str:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, html[:2000]
    return token.group(1)


def _login(base: str, email: str) -> requests.Session:
    """Sign in through the real login form (with its CSRF token), as a browser does."""
    session = requests.Session()
    token = _csrf_token(session.get(f"{base}/compte/connexion", timeout=10).text)
    response = session.post(
        f"{base}/compte/connexion",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200 and "/espace/" in response.url
    return session


def _socket(base: str, session: requests.Session, events: list) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    for name in EVENTS:
        client.on(name, lambda data, name=name: events.append((name, data)))
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    client.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    assert client.transport() == "websocket"
    return client


def _post_form(session: requests.Session, page: str, action_pattern: str, data: dict) -> str:
    """Submit a form of `page` whose action matches, with its CSRF token, as a browser would."""
    html = session.get(page, timeout=10).text
    action = re.search(rf'action="([^"]*{action_pattern})"', html)
    assert action, html[:2000]
    origin = "/".join(page.split("/", 3)[:3])
    response = session.post(
        origin + action.group(1), data={"csrf_token": _csrf_token(html), **data}, timeout=60
    )
    assert response.status_code == 200
    return response.text


def test_updates_reach_a_client_of_another_process_and_from_a_worker(
    world, scratch_url, redis_url, tmp_path
):
    slug = world
    from rq import Queue

    from app.jobs import MAIL_QUEUE, QUEUE_NAME

    for name in (QUEUE_NAME, MAIL_QUEUE):  # no stale jobs
        Queue(name, connection=redis.Redis.from_url(redis_url)).empty()
    outbox = Path(tempfile.mkdtemp(prefix="rdvia-outbox-"))
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "APP_ENV": "development",
        "SECRET_KEY": "two-processes-share-this-secret-key-0000",
        "DATABASE_URL": scratch_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLED": "0",  # the login limit is not what this test is about
        "MAIL_OUTBOX_DIR": str(outbox),
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="rdvia-uploads-"),
        "SOLVER_WORKERS": "1",
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    with _processes() as started:
        ports = (_free_port(), _free_port())
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        procs = [
            _spawn(started, [*gunicorn, "-b", f"127.0.0.1:{port}", "wsgi:app"], env, log)
            for port, log in zip(ports, (tmp_path / "web1.log", tmp_path / "web2.log"), strict=True)
        ]
        # A background worker, as `flask worker` runs under systemd (docs/deploy.md).
        _spawn(started, [sys.executable, "-m", "flask", "worker"], env, tmp_path / "worker.log")
        for proc, base, name in zip(procs, (first, second), ("web1", "web2"), strict=True):
            _wait_until_serving(proc, base, tmp_path / f"{name}.log")

        # The participant's and the organiser's browsers are connected to the first process.
        participant_events, organiser_events = [], []
        participant = _socket(first, _login(first, "part@example.fr"), participant_events)
        organiser_http = _login(second, "orga@example.fr")
        # The session cookie made by the second process is valid on the first (shared secret).
        organiser = _socket(first, organiser_http, organiser_events)
        try:
            assert organiser.call("watch", {"event": slug}, timeout=10) == {
                "ok": True,
                "organiser": True,
            }
            planning = f"{second}/organisateur/evenements/{slug}/planning/"

            # The organiser starts a run through the second process; the RQ worker runs it.
            _post_form(organiser_http, planning, "/lancer", {"time_limit_s": "5"})
            assert _wait(
                lambda: "succeeded" in [d["status"] for _n, d in organiser_events], timeout=60
            ), (organiser_events, (tmp_path / "worker.log").read_text()[-3000:])
            assert "running" in [d["status"] for _n, d in organiser_events]
            assert participant_events == []  # optimiser progress is for organisers only

            # The organiser publishes the draft through the second process.
            page = _post_form(organiser_http, planning, "/publier", {})
            assert _wait(
                lambda: ("agenda_changed", {"event": slug, "version": 1}) in participant_events
            )
            # The e-mails of the publication are a job too: the request left them to the worker.
            assert "Les e-mails sont en cours d" in page
            assert _wait(lambda: list(outbox.glob("*.eml")), timeout=30), (
                tmp_path / "worker.log"
            ).read_text()[-3000:]
            mails = [
                email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in outbox.glob("*.eml")
            ]
            assert [m["To"] for m in mails] == ["alice@example.fr"]
            # Its links lead to the site the organiser used.
            assert f"{second}/evenements/{slug}/" in mails[0].get_body(("plain",)).get_content()
        finally:
            participant.disconnect()
            organiser.disconnect()
