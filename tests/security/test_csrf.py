"""CSRF: with protection on (as in production), every state-changing route refuses a request
without a valid token; the token-authenticated API refuses cookie-only authentication instead.
"""

from __future__ import annotations

import re

import pytest
from flask_wtf.csrf import CSRFError

from tests.security.test_access_matrix import STATE_CHANGING, routes
from tests.security.world import EMAILS, PASSWORD, module_world

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path: str = "/compte/connexion") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(html) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token in {path}"
    return match.group(1)


def login_with_csrf(client, role: str) -> None:
    token = csrf_token(client)
    response = client.post(
        "/compte/connexion",
        data={"email": EMAILS[role], "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


@pytest.fixture(scope="module")
def world(database_url):
    for world in module_world(database_url, roles=("anonymous",), WTF_CSRF_ENABLED=True):
        # Mark the refusals made by the CSRF check (the page is the site's usual 400 page).
        @world.app.errorhandler(CSRFError)
        def _mark(error):
            return "CSRF refused: " + error.description, 400

        yield world


@pytest.fixture(scope="module")
def admin(world):
    """The administrator (allowed almost everywhere), logged in through the CSRF-protected form."""
    client = world.app.test_client()
    login_with_csrf(client, "admin")
    return client


@pytest.fixture(scope="module")
def participant(world):
    client = world.app.test_client()
    login_with_csrf(client, "participant")
    return client


def _state_changing(world, *, api: bool):
    for endpoint, rule, method, url in routes(world.app, world.values):
        if method in STATE_CHANGING and rule.startswith("/api/") == api:
            yield endpoint, method, url


def _refused_for_csrf(response) -> bool:
    return response.status_code == 400 and response.get_data(as_text=True).startswith("CSRF")


@pytest.mark.parametrize("who", ["anonymous", "admin", "participant"])
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_every_form_post_needs_a_valid_csrf_token(world, admin, participant, who, token):
    client = {"anonymous": world.client("anonymous"), "admin": admin, "participant": participant}[
        who
    ]
    data = {"name": "Forged", "email": "x@example.com", "decision": "decline", "lang": "en"}
    if token == "forged":
        data["csrf_token"] = "IjAxMjM0NTY3ODki.forged.signature"
    accepted = []
    for endpoint, method, url in _state_changing(world, api=False):
        response = client.open(url, method=method, data=data)
        if not _refused_for_csrf(response):
            accepted.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert accepted == []


def test_a_valid_token_is_accepted(world, admin):
    """The control: the same kind of request with the page's token goes through."""
    token = csrf_token(admin, "/")
    response = admin.post("/langue", data={"lang": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 302


def test_token_of_another_session_is_refused(world, admin, participant):
    stolen = csrf_token(participant, "/")
    response = admin.post("/langue", data={"lang": "en", "next": "/", "csrf_token": stolen})
    assert _refused_for_csrf(response)


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_api_refuses_cookie_authentication(world, admin, who):
    """The API is exempt from CSRF because a session cookie never authenticates it."""
    client = admin if who == "admin" else world.client("anonymous")
    answers = {
        endpoint: client.open(url, method=method, json={}).status_code
        for endpoint, method, url in _state_changing(world, api=True)
    }
    assert answers and set(answers.values()) == {401}, answers


def test_api_with_bearer_token_needs_no_csrf_token(world):
    client = world.app.test_client()
    response = client.post(
        f"/api/v1/events/{world.values['slug']}/registrations/import",
        json={"rows": []},
        headers={"Authorization": f"Bearer {world.api_token}"},
    )
    assert response.status_code == 200
