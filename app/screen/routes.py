"""The public now/next screen of an event, for a big screen at the venue (no login)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template

from app.models.base import utcnow
from app.services.screen import screen_available, screen_state
from app.views import event_or_404

bp = Blueprint("screen", __name__)


def _event(slug: str):
    event = event_or_404(slug)
    if not screen_available(event):
        abort(404)
    return event


@bp.get("/evenements/<slug>/ecran")
def index(slug: str):
    event = _event(slug)
    return render_template(
        "screen/index.html", event=event, state=screen_state(event, now=utcnow())
    )


@bp.get("/evenements/<slug>/ecran.json")
def state(slug: str):
    response = jsonify(screen_state(_event(slug), now=utcnow()))
    response.headers["Cache-Control"] = "no-store"
    return response
