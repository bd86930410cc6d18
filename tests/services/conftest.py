"""Fixtures shared by the service tests."""

from __future__ import annotations

import uuid

import pytest

from app.models import db
from tests.conftest import _empty_tables, make_app, redis_url_for_tests


@pytest.fixture
def rq_app(database_url):
    """An app on the test database with REDIS_URL set (RQ jobs on TEST_REDIS_URL)."""
    url = redis_url_for_tests("RQ tests")
    app = make_app(database_url, REDIS_URL=url, SOCKETIO_CHANNEL=f"t-{uuid.uuid4().hex}")
    with app.app_context():
        yield app
        db.session.remove()
    _empty_tables(app)  # a worker process may have written rows the test did not track
