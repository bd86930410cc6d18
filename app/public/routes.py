"""Public pages: home (upcoming events) and event pages."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template

from app.services.events import get_public_event, list_upcoming_events, participant_counts

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    events = list_upcoming_events(today=date.today())
    return render_template("public/index.html", events=events)


@bp.get("/healthz")
def health():
    """Liveness for the reverse proxy and the load benchmarks: the database answers."""
    from app.models import db

    db.session.execute(db.text("SELECT 1"))
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/evenements/<slug>")
def event(slug: str):
    event = get_public_event(slug)
    if event is None:
        abort(404)
    return render_template("public/event.html", event=event, counts=participant_counts(event))
