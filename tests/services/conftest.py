"""Fixtures shared by the service tests."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from app.models import db
from tests.conftest import _empty_tables, make_app, service_missing


@pytest.fixture
def rq_app(database_url):
    """An app on the test database with REDIS_URL set (RQ jobs on TEST_REDIS_URL)."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        service_missing("RQ tests need TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing(f"Redis at TEST_REDIS_URL is unreachable: {exc}")
    app = make_app(database_url, REDIS_URL=url, SOCKETIO_CHANNEL=f"t-{uuid.uuid4().hex}")
    with app.app_context():
        yield app
        db.session.remove()
    _empty_tables(app)  # a worker process may have written rows the test did not track
