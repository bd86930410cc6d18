"""Local times: the time zones offered, conversions to and from naive UTC, slot cutting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COMMON_TIMEZONES = (
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Zurich",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Lisbon",
    "Europe/London",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "America/Toronto",
    "Africa/Casablanca",
    "Africa/Dakar",
    "Africa/Abidjan",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "UTC",
)


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_to_utc(value: datetime, timezone: str) -> datetime:
    """A naive local datetime in `timezone` as a naive UTC datetime."""
    return value.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime, timezone: str) -> datetime:
    """A naive UTC datetime as a naive local datetime in `timezone`."""
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def slot_times(
    start: datetime, end: datetime, *, meeting_minutes: int, pause_minutes: int
) -> list[tuple[datetime, datetime]]:
    """Consecutive (start, end) meeting slots that fit in [start, end]."""
    if meeting_minutes <= 0:
        raise ValueError("meeting_minutes must be positive")
    meeting, pause = timedelta(minutes=meeting_minutes), timedelta(minutes=pause_minutes)
    times, cursor = [], start
    while cursor + meeting <= end:
        times.append((cursor, cursor + meeting))
        cursor += meeting + pause
    return times
