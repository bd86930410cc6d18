"""Security headers and cookie flags a browser relies on."""

from __future__ import annotations

from tests.conftest import make_app


def test_every_page_sends_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_may_connect_only_to_their_own_site(client):
    # Live updates open a Socket.IO connection back to the site; bare `ws:`/`wss:` sources
    # would let injected code send data to a socket on any host.
    policy = dict(
        part.strip().split(" ", 1)
        for part in client.get("/").headers["Content-Security-Policy"].split(";")
    )
    assert policy["connect-src"] == "'self'"


def test_templates_have_no_inline_script_handlers(app):
    """The Content-Security-Policy forbids inline code: none may creep into templates."""
    from pathlib import Path

    offenders = [
        str(path.relative_to(Path(app.template_folder)))
        for path in Path(app.template_folder).rglob("*.html")
        if any(
            marker in path.read_text(encoding="utf-8")
            for marker in (" onclick=", " onload=", " onchange=", " onsubmit=", "javascript:")
        )
    ]
    assert offenders == []


def test_session_cookie_flags(client, factory, auth):
    factory.user(email="cookie@example.fr")
    response = auth.login("cookie@example.fr")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(database_url):
    app = make_app(database_url, SESSION_COOKIE_SECURE=True, APP_ENV="production")
    response = app.test_client().post("/langue", data={"lang": "en", "next": "/"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
