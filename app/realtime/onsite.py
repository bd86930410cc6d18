"""On-site pushes: absences, no-shows, rebooking offers and walk-ins (call after the commit).

A participant's rooms get `agenda_changed` (their open agenda re-reads itself) and `onsite`
(the on-site page re-reads its offers and meetings); the organisers' room gets `absence` and
`rebooking`. Payloads carry ids and counts only: pages fetch what they show, with access checks.
"""

from __future__ import annotations

from app.extensions import socketio
from app.services.notifications import deliver_pending


def changed(change, *, kind: str) -> None:
    """Push one on-site change to the participants and organisers concerned."""
    event = change.event
    payload = {"event": event.slug, "kind": kind}
    for registration_id in sorted(change.registrations):
        room = f"registration:{registration_id}"
        socketio.emit("agenda_changed", {"event": event.slug}, to=room)
        socketio.emit("onsite", payload, to=room)
    organisers = f"event:{event.id}:organisers"
    if change.absent is not None:
        socketio.emit(
            "absence",
            {
                "event": event.slug,
                "kind": "absent",
                "registration": change.absent.id,
                "cancelled": len(change.cancelled),
            },
            to=organisers,
        )
    if change.no_show is not None:
        socketio.emit(
            "absence",
            {
                "event": event.slug,
                "kind": "no_show",
                "registration": change.no_show.no_show_registration_id,
                "cancelled": 0,
            },
            to=organisers,
        )
    if kind in ("offers", "offer", "walk_in", "present"):
        socketio.emit("rebooking", payload, to=organisers)
    if change.registrations:
        # Meetings were cancelled or added: the public now/next screen re-reads its tables.
        from app.realtime.checkin import screen_changed

        screen_changed(event)
    if change.notifications:
        deliver_pending(change.notifications)
