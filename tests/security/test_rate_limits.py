"""Rate limits on login, sign-up, password reset and the API: 429 once over the limit.

In memory by default; on Redis (shared by every process) when TEST_REDIS_URL is set.
"""

from __future__ import annotations

import uuid

import pytest

from app.models import db
from app.services.api_tokens import create_token
from app.tokens import make_token
from tests.conftest import make_app, redis_url_for_tests
from tests.factories import Factory

AUTH_BUDGET = 10  # per minute and address (app/auth/routes.py)
API_BUDGET = 120  # per minute and address (app/api/routes.py)


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, database_url):
    overrides = {"RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": f"sec-{uuid.uuid4().hex}"}
    if request.param == "redis":
        overrides["RATELIMIT_STORAGE_URI"] = redis_url_for_tests("Redis rate-limit tests")
    else:
        overrides["RATELIMIT_STORAGE_URI"] = "memory://"
    app = make_app(database_url, **overrides)
    with app.app_context():
        yield app
        db.session.remove()
    from tests.conftest import _empty_tables

    _empty_tables(app)


def _burst(client, path, data, n):
    return [client.post(path, data=data).status_code for _ in range(n)]


def _reset_path(app) -> str:
    user = Factory(db.session).user(email="reset@example.fr")
    with app.test_request_context():
        token = make_token("reset-password", {"id": user.id, "v": user.session_version})
    return f"/compte/reinitialiser/{token}"


@pytest.mark.parametrize(
    "form",
    ["login", "signup", "forgot", "reset"],
)
def test_auth_forms_are_limited(limited_app, form):
    client = limited_app.test_client()
    path, data = {
        "login": ("/compte/connexion", {"email": "nobody@example.fr", "password": "wrong!"}),
        "signup": ("/compte/inscription", {"email": "not-an-address", "password": "x"}),
        "forgot": ("/compte/mot-de-passe-oublie", {"email": "not-an-address"}),
        "reset": (None, {"password": "short", "confirm": "other"}),
    }[form]
    path = path or _reset_path(limited_app)
    codes = _burst(client, path, data, AUTH_BUDGET)
    assert 429 not in codes
    response = client.post(path, data=data)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    # A clear page in the visitor's language, with the site's security headers.
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers


def test_other_addresses_keep_their_budget(limited_app):
    data = {"email": "nobody@example.fr", "password": "wrong!"}
    first = limited_app.test_client()
    _burst(first, "/compte/connexion", data, AUTH_BUDGET + 1)
    other = limited_app.test_client()
    response = other.post("/compte/connexion", data=data, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert response.status_code == 200


def test_api_is_limited_and_token_guessing_shares_the_budget(limited_app):
    factory = Factory(db.session)
    organiser = factory.user(email="api-organiser@example.fr")
    event = factory.event()
    event.organisers.append(organiser)
    token = create_token(event=event, actor=organiser, name="CRM").plain
    db.session.commit()
    client = limited_app.test_client()
    url = f"/api/v1/events/{event.slug}"
    guesses = [
        client.get(url, headers={"Authorization": f"Bearer guess-{i}"}).status_code
        for i in range(API_BUDGET)
    ]
    assert set(guesses) == {401}
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429
    assert response.is_json
    assert response.json["error"]["code"] == "too_many_requests"
    assert "Retry-After" in response.headers
