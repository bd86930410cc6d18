"""Open redirects through `next=`, and the session and remember-me cookie flags."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import make_app
from tests.security.world import EMAILS, PASSWORD, module_world

OFF_SITE = [
    "//evil.com",
    "///evil.com",
    "https://evil.com",
    "http:evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    " //evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https:/evil.com",
    "//evil.com/%2F..",
    "/%09/evil.com",
    "evil.com",
]


def stays_on_site(location: str) -> bool:
    """What a browser would do with the Location: a path on this site, nothing else."""
    normalised = location.replace("\\", "/")
    normalised = "".join(c for c in normalised if c not in "\t\n\r").lstrip()
    parts = urlsplit(normalised)
    return (
        not parts.scheme
        and not parts.netloc
        and normalised.startswith("/")
        and not normalised.startswith("//")
    )


@pytest.fixture(scope="module")
def world(database_url):
    yield from module_world(database_url, roles=("anonymous",))


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_login_next_never_leaves_the_site(world, target):
    client = world.app.test_client()
    response = client.post(
        "/compte/connexion",
        query_string={"next": target},
        data={"email": EMAILS["participant"], "password": PASSWORD},
    )
    assert response.status_code == 302
    assert stays_on_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_language_switch_next_never_leaves_the_site(world, target):
    response = world.client("anonymous").post("/langue", data={"lang": "fr", "next": target})
    assert response.status_code == 302
    assert stays_on_site(response.headers["Location"]), response.headers["Location"]


def test_local_next_is_followed(world):
    """The control: a path on the site is where the visitor goes."""
    response = world.client("anonymous").post(
        "/langue", data={"lang": "fr", "next": "/catalogue/?q=ia"}
    )
    assert response.headers["Location"] == "/catalogue/?q=ia"
    client = world.app.test_client()
    response = client.post(
        "/compte/connexion?next=/espace/",
        data={"email": EMAILS["participant"], "password": PASSWORD},
    )
    assert response.headers["Location"] == "/espace/"


def test_login_page_for_a_private_page_keeps_a_local_next(world):
    response = world.client("anonymous").get("/espace/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion?next=")


def test_stays_on_site_detects_off_site():
    assert not stays_on_site("/\\evil.com") and stays_on_site("/espace/")


# --- Cookies --------------------------------------------------------------------------------


def _cookie(response, name: str) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert found, f"no {name} cookie"
    return found[-1]


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_session_and_remember_cookies_flags(world, database_url, production):
    overrides = {"RATELIMIT_ENABLED": False}
    if production:
        overrides.update(APP_ENV="production", SESSION_COOKIE_SECURE=True)
        overrides.update(REMEMBER_COOKIE_SECURE=True)
    app = make_app(database_url, **overrides)
    response = app.test_client().post(
        "/compte/connexion",
        data={"email": EMAILS["participant"], "password": PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "HttpOnly" in cookie, cookie
        assert "SameSite=Lax" in cookie, cookie
        assert ("Secure" in cookie) is production, cookie


def test_production_config_makes_cookies_secure():
    """The production configuration itself (not a test override) asks for Secure cookies."""
    from pathlib import Path

    from app.config import load_config

    env = {"APP_ENV": "production", "SECRET_KEY": "x" * 40}
    config = load_config(env, Path("/nonexistent"))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] is not False
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
