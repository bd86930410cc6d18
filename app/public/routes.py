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


@bp.get("/evenements/<slug>")
def event(slug: str):
    event = get_public_event(slug)
    if event is None:
        abort(404)
    return render_template("public/event.html", event=event, counts=participant_counts(event))
