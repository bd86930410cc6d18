"""Small helpers shared by the blueprints' views."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sqlalchemy as sa
from flask import abort, make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.models import Event, db
from app.services import ServiceError
from app.services.registrations import is_organiser
from app.tokens import TokenError, read_token


def event_or_404(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    return event


def organised_event_or_403(slug: str) -> Event:
    """The event, if the current user organises it (404 if unknown, 403 otherwise)."""
    event = event_or_404(slug)
    if not is_organiser(event, current_user):
        abort(403)
    return event


def row_from_token_or_400(model, purpose: str, token: str):
    """The row an e-mailed link names (`app.tokens`), or aborts with the "bad link" page
    (400): invalid, expired, or its row deleted meanwhile (a withdrawn invitation)."""
    try:
        row = db.session.get(model, read_token(purpose, token))
    except TokenError as exc:
        abort(make_response(render_template("auth/bad_link.html", expired=exc.expired), 400))
    if row is None:
        abort(make_response(render_template("auth/bad_link.html", expired=False), 400))
    return row


def service_message(messages: Mapping[str, Callable[[], str]], error: ServiceError) -> str:
    """The user-facing sentence for a service error code (messages are lazily translated)."""
    return messages.get(str(error), lambda: _("This action is not possible."))()
