"""Rows to JSON-ready dicts; the shapes are the schemas of the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime

from app.models import (
    Attendee,
    Event,
    Meeting,
    MeetingTable,
    Registration,
    Schedule,
    ScheduleRun,
    Session,
    Slot,
)


def utc(value: datetime | None) -> str | None:
    """A stored naive-UTC datetime as ISO 8601 with Z."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def day(value: date) -> str:
    return value.isoformat()


def session_json(session: Session) -> dict:
    return {
        "id": session.id,
        "name": session.name,
        "starts_at": utc(session.starts_at),
        "ends_at": utc(session.ends_at),
    }


def schedule_json(schedule: Schedule | None) -> dict | None:
    if schedule is None:
        return None
    return {
        "id": schedule.id,
        "version": schedule.version,
        "status": schedule.status.value,
        "run_id": schedule.run_id,
        "published_at": utc(schedule.published_at),
    }


def event_json(event: Event, *, published: Schedule | None) -> dict:
    return {
        "id": event.id,
        "slug": event.slug,
        "title": event.title,
        "status": event.status.value,
        "timezone": event.timezone,
        "starts_on": day(event.starts_on),
        "ends_on": day(event.ends_on),
        "venue": event.venue,
        "city": event.city,
        "format": event.format.value,
        "meeting_minutes": event.meeting_minutes,
        "pause_minutes": event.pause_minutes,
        "sessions": [session_json(s) for s in event.sessions],
        "slot_count": sum(1 for s in event.slots if not s.blocked),
        "table_count": len(event.tables),
        "published_schedule": schedule_json(published),
    }


def attendee_json(attendee: Attendee) -> dict:
    return {
        "id": attendee.id,
        "name": attendee.name,
        "email": attendee.email,
        "job_title": attendee.job_title,
    }


def registration_json(registration: Registration) -> dict:
    organisation = registration.organisation
    return {
        "id": registration.id,
        "organisation": {
            "id": organisation.id,
            "name": organisation.name,
            "kind": organisation.kind.value,
            "sector_code": organisation.sector_code,
            "size_code": organisation.size_code,
            "region_code": organisation.region_code,
        },
        "role": registration.role.value,
        "status": registration.status.value,
        "representatives": registration.representatives,
        "max_meetings": registration.max_meetings,
        "attendees": [attendee_json(a) for a in registration.attendees],
        "created_at": utc(registration.created_at),
        "updated_at": utc(registration.updated_at),
    }


def _slot_json(slot: Slot) -> dict:
    return {"id": slot.id, "starts_at": utc(slot.starts_at), "ends_at": utc(slot.ends_at)}


def _table_json(table: MeetingTable | None) -> dict | None:
    if table is None:
        return None
    return {"id": table.id, "label": table.label, "zone": table.zone}


def _party_json(registration: Registration) -> dict:
    return {
        "registration_id": registration.id,
        "organisation": registration.organisation.name,
        "role": registration.role.value,
    }


def meeting_json(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "status": meeting.status.value,
        "slot": _slot_json(meeting.slot),
        "table": _table_json(meeting.table),
        "parties": [_party_json(meeting.registration_a), _party_json(meeting.registration_b)],
    }


def run_json(run: ScheduleRun, *, schedule: Schedule | None) -> dict:
    return {
        "id": run.id,
        "status": run.status.value,
        "parameters": run.parameters,
        "progress": run.progress,
        "stats": run.stats,
        "error": run.error,
        "created_at": utc(run.created_at),
        "started_at": utc(run.started_at),
        "finished_at": utc(run.finished_at),
        "schedule": schedule_json(schedule),
    }
