"""Shared fixtures: `app`, `client`, `runner`, `db_app` (SQLite and PostgreSQL), `factory`.

Database tests use SQLite by default and PostgreSQL when TEST_DATABASE_URL is set. Tests that
need a service skip when it is unreachable, unless REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from app import create_app
from app.config import database_uri
from app.models import db
from app.services.taxonomy import load_taxonomy
from tests.factories import Factory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
TEST_ENV = {"APP_ENV": "testing", "SECRET_KEY": "test-secret-key-not-for-production-000000"}
REFERENCE_TABLES = {
    "sector",
    "company_size",
    "region",
    "technology",
    "hosting_option",
    "business_function",
    "use_case",
}


def service_missing(reason: str) -> None:
    """Skip a test whose service is unreachable, or fail it when services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is a failure)")
    pytest.skip(reason)


def redis_url_for_tests(purpose: str) -> str:
    """TEST_REDIS_URL once Redis answers there; else skip (or fail under REQUIRE_SERVICES)."""
    import redis

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        service_missing(f"{purpose} need TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing(f"Redis at {url} is unreachable: {exc}")
    return url


def postgres_url() -> str:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        service_missing(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)"
        )
    url = database_uri(raw, instance_path=None)  # type: ignore[arg-type]
    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as exc:
        service_missing(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc.orig}")
    return url


@contextmanager
def scratch_postgres_database(base_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the same server, dropped afterwards."""
    name = f"rdvia_scratch_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context and database session.

    The test body holds an app context for its own queries; without this, requests would
    share it (and its session and `g`), hiding a missing commit or a cached locale.
    """

    def open(self, *args, **kwargs):
        with own_app_context():
            return super().open(*args, **kwargs)


@contextmanager
def own_app_context():
    """Hide the test's app context (without tearing it down) while a request or a socket
    handler runs: it then pushes its own, as on the server (no shared `g`, so Flask-Login
    loads each client's own user)."""
    token = _cv_app.set(None)
    try:
        yield
    finally:
        _cv_app.reset(token)


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "MAIL_OUTBOX_DIR": tempfile.mkdtemp(prefix="rdvia-outbox-"),
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="rdvia-uploads-"),
        **overrides,
    }
    app = create_app(config, env=TEST_ENV)
    app.test_client_class = IsolatedClient
    _created_apps.append(app)
    return app


_created_apps: list = []


@pytest.fixture(autouse=True)
def _dispose_engines():
    """Close the database connections of every app a test created (no leaked connections)."""
    yield
    while _created_apps:
        app = _created_apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _prepare_schema(database_url: str) -> None:
    app = make_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_taxonomy()
        db.session.commit()
        db.engine.dispose()


def _empty_tables(app) -> None:
    """Delete every non-reference row so each test starts from a clean database."""
    with app.app_context():
        db.session.remove()
        tables = [t for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The database of the test run: TEST_DATABASE_URL if set, else a SQLite file."""
    if os.environ.get("TEST_DATABASE_URL"):
        url = postgres_url()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    _prepare_schema(url)
    return url


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    with app.app_context():
        yield app
        db.session.remove()
    _empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factory(app) -> Factory:
    return Factory(db.session)


@pytest.fixture(scope="session")
def sqlite_schema_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db_both') / 'models.sqlite3'}"
    _prepare_schema(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_app(request, sqlite_schema_url):
    """An app on SQLite, then on PostgreSQL: for model and constraint tests."""
    if request.param == "sqlite":
        url = sqlite_schema_url
    elif os.environ.get("TEST_DATABASE_URL"):
        url = request.getfixturevalue("database_url")
    else:
        url = postgres_url()  # skips (or fails under REQUIRE_SERVICES=1)
    app = make_app(url)
    with app.app_context():
        yield app
        db.session.remove()
    _empty_tables(app)


class Outbox:
    """The e-mails the app wrote to its outbox folder (no SMTP server in tests)."""

    def __init__(self, app):
        self.folder = Path(app.config["MAIL_OUTBOX_DIR"])

    def messages(self) -> list[email.message.EmailMessage]:
        files = sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files
        ]

    def last(self, to: str | None = None) -> email.message.EmailMessage:
        found = [m for m in self.messages() if to is None or m["To"] == to]
        assert found, f"no e-mail to {to}"
        return found[-1]

    @staticmethod
    def link(message) -> str:
        """The path of the first link to this site in the message body."""
        body = message.get_body(preferencelist=("plain",)).get_content()
        match = re.search(r"https?://[^/\s]+(/\S+)", body)
        assert match, body
        return match.group(1)


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(app)


class Auth:
    """Log in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = "correct horse battery"):
        return self.client.post("/compte/connexion", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/compte/deconnexion")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def run_worker(app) -> None:
    """`flask worker --burst` in a process of its own, on the app's database, Redis and
    outbox: it runs every job waiting in its queues, then stops."""
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "worker", "--burst"],
        cwd=Path(__file__).resolve().parents[1],
        env={
            **os.environ,
            **TEST_ENV,
            "FLASK_APP": "wsgi",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": app.config["REDIS_URL"],
            "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
