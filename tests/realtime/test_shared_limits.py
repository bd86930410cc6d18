"""With REDIS_URL, rate limits are shared by every app process (Flask-Limiter on Redis)."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.conftest import make_app, service_missing


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing(f"Redis at {url} is unreachable: {exc}")
    return url


def test_login_limit_counts_attempts_on_every_process(database_url, redis_url):
    prefix = f"rdvia-test-{uuid.uuid4().hex[:8]}"  # fresh counters for this test
    first, second = (
        make_app(
            database_url,
            REDIS_URL=redis_url,
            RATELIMIT_STORAGE_URI=redis_url,
            RATELIMIT_KEY_PREFIX=prefix,
        )
        for _ in range(2)
    )
    data = {"email": "nobody@example.fr", "password": "wrong password!"}
    codes = [
        first.test_client().post("/compte/connexion", data=data).status_code for _ in range(10)
    ]
    assert codes == [200] * 10
    # The eleventh attempt, on another process, is over the limit too.
    assert second.test_client().post("/compte/connexion", data=data).status_code == 429
    # The counters live in Redis, where every process sees them.
    assert redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
