"""Websockets: connection handlers, rooms, and the one place that emits (after commits).

Rooms are derived on the server, never taken from the client:
  `user:<id>`                the person's notifications;
  `registration:<id>`        a participant's agenda (joined for every approved registration
                             of the person's organisations);
  `event:<id>:organisers`    optimiser progress and publication, for the event's organisers;
  `event:<id>`               public news of an event (schedule published).
A client asks to follow an event with `watch` {"event": slug}; the server checks who may
join which room. With REDIS_URL the message queue is Redis, so every web process and RQ worker
reaches every client.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from flask_socketio import join_room

from app.extensions import socketio
from app.models import Event, Registration, ScheduleRun, db
from app.models.enums import RegistrationStatus


def _registration_rooms(user) -> list[str]:
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return []
    ids = db.session.scalars(
        sa.select(Registration.id).where(
            Registration.organisation_id.in_(org_ids),
            Registration.status == RegistrationStatus.APPROVED,
        )
    )
    return [f"registration:{rid}" for rid in ids]


@socketio.on("connect")
def on_connect(auth=None):
    """Anyone may connect (the public now/next screen); signed-in people join their rooms."""
    if current_user.is_authenticated:
        join_room(f"user:{current_user.id}")
        for room in _registration_rooms(current_user):
            join_room(room)
    return True


# A page sends one `watch` when it loads and one per reconnection: more than this from one
# connection is a flood, ignored (the connection stays up, nothing is looked up).
WATCH_LIMIT = 20
WATCH_WINDOW_S = 10.0
_watch_lock = threading.Lock()
_watch_times: dict[str, deque] = {}


def _flooding(sid: str) -> bool:
    now = time.monotonic()
    with _watch_lock:
        times = _watch_times.setdefault(sid, deque())
        while times and now - times[0] > WATCH_WINDOW_S:
            times.popleft()
        if len(times) >= WATCH_LIMIT:
            return True
        times.append(now)
        return False


@socketio.on("disconnect")
def on_disconnect(*_args):
    with _watch_lock:
        _watch_times.pop(request.sid, None)


@socketio.on("watch")
def on_watch(data):
    """Follow an event: its public room, and its organisers' room for its organisers."""
    from app.services.registrations import is_organiser

    if _flooding(request.sid):
        return {"ok": False, "error": "too-many"}
    slug = data.get("event") if isinstance(data, dict) else None
    if not isinstance(slug, str) or not 0 < len(slug) <= 120:
        return {"ok": False}
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or event.status.value == "draft":
        return {"ok": False}
    join_room(f"event:{event.id}")
    organiser = current_user.is_authenticated and is_organiser(event, current_user)
    if organiser:
        join_room(f"event:{event.id}:organisers")
    return {"ok": True, "organiser": bool(organiser)}


# Emitters: call them after the database commit.


def run_progress(run: ScheduleRun) -> None:
    socketio.emit(
        "run_progress",
        {"id": run.id, "status": run.status.value, "progress": run.progress},
        to=f"event:{run.event_id}:organisers",
    )


def schedule_published(event: Event, version: int) -> None:
    payload = {"event": event.slug, "version": version}
    socketio.emit("schedule_published", payload, to=f"event:{event.id}")
    rooms = [
        f"registration:{rid}"
        for rid in db.session.scalars(
            sa.select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.APPROVED,
            )
        )
    ]
    if rooms:
        # One emit to every room: one message on the Redis queue for thousands of agendas
        # (not one per registration), and one event for a client in several of the rooms.
        socketio.emit("agenda_changed", payload, to=rooms)


def notifications_changed(user_ids: set[int]) -> None:
    for user_id in user_ids:
        socketio.emit("notifications", {}, to=f"user:{user_id}")


# Live-day modules add their handlers and emitters here, one module per area
# (imported last, so that they can use the helpers above).
from app.realtime import (  # noqa: E402
    checkin,  # noqa: F401  (check-in, announcements, screen)
    dashboard,  # noqa: F401  (organiser dashboard counters, feedback)
    onsite,  # noqa: F401  (no-shows, rebooking, walk-ins)
)
