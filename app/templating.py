"""Jinja filters: dates and times shown in the event's timezone and the visitor's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask, url_for
from flask_babel import get_locale
from werkzeug.routing import BuildError


def to_local(value: datetime, timezone: str) -> datetime:
    """A stored naive-UTC datetime as an aware datetime in `timezone`."""
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def local_time(value: datetime, timezone: str) -> str:
    return format_time(to_local(value, timezone), "short", locale=str(get_locale()))


def long_date(value: date | datetime, timezone: str | None = None) -> str:
    if isinstance(value, datetime) and timezone:
        value = to_local(value, timezone)
    return format_date(value, "full", locale=str(get_locale()))


def optional_url(endpoint: str, **values) -> str | None:
    """The URL of an endpoint, or None if the app has no such endpoint."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def register_filters(app: Flask) -> None:
    app.add_template_global(optional_url, "optional_url")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(long_date, "long_date")
    app.context_processor(lambda: {"current_locale": str(get_locale())})
    app.context_processor(_account)


def _account() -> dict:
    """For the header: unread notifications, and whether to link the organisers' pages."""
    from flask_login import current_user

    from app.services.event_setup import organises_any
    from app.services.notifications import unread_count

    if current_user and current_user.is_authenticated:
        return {
            "unread_notifications": unread_count(current_user),
            "organises_events": organises_any(current_user),
        }
    return {"unread_notifications": 0, "organises_events": False}
