"""Bearer-token authentication and the JSON error shape of the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.models import db
from app.models.base import utcnow
from app.services.api_tokens import authenticate

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
}


def error_response(status: int, message: str, *, code: str | None = None) -> Response:
    """`{"error": {"code", "message"}}` with the HTTP status."""
    response = jsonify(error={"code": code or ERROR_CODES.get(status, "error"), "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def http_error_response(error: HTTPException) -> Response:
    response = error_response(error.code or 500, error.description or error.name)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_required(view: Callable) -> Callable:
    """Authenticate the bearer token and check it is for the event `slug` of the URL.

    The view receives the event instead of the slug; `g.api_token` and `g.api_actor` (the
    organiser who created the token) are set. An unknown, wrong or revoked token is a 401;
    a valid token on any other slug, existing or not, is the same 403.
    """

    @wraps(view)
    def wrapper(*args, slug: str, **kwargs):
        token = authenticate(_bearer() or "", now=utcnow())
        if token is None:
            db.session.rollback()
            return error_response(401, "Missing, invalid or revoked API token.")
        db.session.commit()  # records the last use
        if token.event.slug != slug:
            return error_response(403, "This token does not give access to this event.")
        g.api_token, g.api_actor = token, token.created_by
        return view(*args, event=token.event, **kwargs)

    return wrapper
