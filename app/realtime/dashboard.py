"""Organiser dashboard pushes, to `event:<id>:organisers`: counters changed, feedback given.

The payloads carry no data: the dashboard refetches its JSON, where access is checked.
Services call `counters_changed_after_commit(event_id)`: the event is emitted once per event
after the surrounding transaction commits (and dropped if it rolls back), whichever view,
API endpoint or job commits it.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import socketio

PENDING = "dashboard_counters_pending"
log = logging.getLogger(__name__)


def organisers_room(event_id: int) -> str:
    return f"event:{event_id}:organisers"


def counters_changed(event_id: int) -> None:
    """Registrations or requests of the event changed: organisers' dashboards refetch."""
    socketio.emit("counters", {}, to=organisers_room(event_id))


def feedback_given(event_id: int) -> None:
    """A participant gave or edited feedback: organisers' dashboards refetch."""
    socketio.emit("feedback", {}, to=organisers_room(event_id))


def counters_changed_after_commit(event_id: int) -> None:
    """Emit `counters` for the event once the current transaction commits."""
    from app.models import db

    db.session.info.setdefault(PENDING, set()).add(event_id)


@sa.event.listens_for(Session, "after_commit")
def _emit_pending(session: Session) -> None:
    for event_id in sorted(session.info.pop(PENDING, ())):
        try:
            counters_changed(event_id)
        except Exception:  # the commit happened: a push failure must not turn it into an error
            log.exception("could not push dashboard counters for event %s", event_id)


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
