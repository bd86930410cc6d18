"""Behind a reverse proxy (TRUSTED_PROXIES=1), the client is the address the proxy forwards."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import Outbox, make_app

LOGIN = {"email": "nobody@example.fr", "password": "wrong password!"}


def _login_codes(app, addresses: list[str]) -> list[int]:
    client = app.test_client()
    return [
        client.post("/compte/connexion", data=LOGIN, headers={"X-Forwarded-For": ip}).status_code
        for ip in addresses
    ]


@pytest.fixture
def limited(database_url):
    def build(**overrides):
        # Fresh in-memory counters for each app, so tests do not share attempts.
        return make_app(
            database_url,
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI="memory://",
            RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
            **overrides,
        )

    return build


def test_login_limit_counts_each_forwarded_client_behind_a_trusted_proxy(limited):
    app = limited(TRUSTED_PROXIES=1)
    assert _login_codes(app, ["203.0.113.7"] * 10) == [200] * 10
    assert _login_codes(app, ["203.0.113.7"]) == [429]
    # Another visitor behind the same proxy is not locked out by the first one.
    assert _login_codes(app, ["198.51.100.20"]) == [200]


def test_forwarded_address_is_ignored_without_a_trusted_proxy(limited):
    app = limited()
    # A client cannot escape the limit by sending a different X-Forwarded-For each time.
    codes = _login_codes(app, [f"198.51.100.{n}" for n in range(11)])
    assert codes == [200] * 10 + [429]


def test_emailed_links_use_the_address_the_proxy_received(limited, factory):
    factory.user(email="reset@example.fr")
    app = limited(TRUSTED_PROXIES=1)
    response = app.test_client().post(
        "/compte/mot-de-passe-oublie",
        data={"email": "reset@example.fr"},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rdv.example.fr"},
    )
    assert response.status_code == 200
    message = Outbox(app).last(to="reset@example.fr")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert re.findall(r"https?://[^/\s]+", body) == ["https://rdv.example.fr"]
