"""Live-day pushes of the reception desk and the public screen (emit after the commit).

`checkin`        to `event:<id>:organisers`: an arrival and the new counts;
`announcement`   to `event:<id>`: an announcement was posted or hidden (the screen refetches);
`screen_changed` to `event:<id>`: the published schedule changed on the day (a no-show, a
                 walk-in, a rebooking...): the screen refetches. Other live-day modules call
                 `screen_changed(event)` after their commit.
"""

from __future__ import annotations

from app.extensions import socketio
from app.models import Announcement, Event
from app.services.checkin import Arrival, ArrivalStats
from app.templating import to_local


def checkin(event: Event, arrival: Arrival, stats: ArrivalStats) -> None:
    socketio.emit(
        "checkin",
        {
            "count": stats.count,
            "expected": stats.expected,
            "organisations": stats.organisations,
            "organisations_expected": stats.organisations_expected,
            "name": arrival.name,
            "organisation": arrival.organisation,
            "at": to_local(arrival.at, event.timezone).strftime("%H:%M"),
        },
        to=f"event:{event.id}:organisers",
    )


def announcement(event: Event, item: Announcement) -> None:
    socketio.emit(
        "announcement",
        {"id": item.id, "message": item.message, "hidden": item.hidden_at is not None},
        to=f"event:{event.id}",
    )


def screen_changed(event: Event) -> None:
    socketio.emit("screen_changed", {"event": event.slug}, to=f"event:{event.id}")
