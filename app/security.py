"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter

# Pages use only their own scripts and stylesheets (no inline code), images from the site or
# data: URIs (QR codes), and the Socket.IO connection back to the site.
CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        # 'self' covers ws:// and wss:// to the page's own host (CSP Level 3); bare `ws:` and
        # `wss:` would let injected code open a socket to any host.
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in URLs: at most the largest database integer (2**31 - 1).

    A bigger number matches no route (404) instead of overflowing the database driver (500).
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def register_security_headers(app: Flask) -> None:
    """Security headers on every response; NUL characters refused in every request."""

    @app.before_request
    def _refuse_nul():
        # PostgreSQL cannot compare or store text holding a NUL, never typed by a person: a
        # path holding one names nothing (404), a form holding one is a bad request (400),
        # not a server error. Query strings are read leniently by each page (unknown values
        # ignored); the JSON API checks its own input.
        if request.path.startswith("/api/"):
            return
        if "\x00" in request.path:
            abort(404)
        if _has_nul(request.form):
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("APP_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
