"""Organiser exports: CSV files for spreadsheets, per-table sheets and badges to print.

CSV choices (see docs/calendars.md): UTF-8 with a byte-order mark and `;` as separator, which
is what Excel expects in a French locale and what LibreOffice detects; CRLF line ends; every
text cell that a spreadsheet could read as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import segno
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.models import Event, Meeting, MeetingTable, Organisation, Registration, Schedule, Slot, db
from app.models.enums import MeetingStatus, RegistrationRole, RegistrationStatus, ScheduleStatus
from app.services.schedules import latest_draft, published_schedule, schedule_meetings
from app.templating import to_local

CSV_DELIMITER = ";"
CSV_BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell a spreadsheet shows as text: formula-looking text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text (BOM included) of a header and rows, each cell neutralised."""
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


def export_schedule(event: Event, version: int | None = None) -> Schedule | None:
    """The version asked for, else the published one, else the latest draft."""
    if version is not None:
        return db.session.scalar(
            sa.select(Schedule).where(Schedule.event_id == event.id, Schedule.version == version)
        )
    return published_schedule(event) or latest_draft(event)


def status_label(status: MeetingStatus) -> str:
    return {
        MeetingStatus.SCHEDULED: _("scheduled"),
        MeetingStatus.CANCELLED: _("cancelled"),
        MeetingStatus.HELD: _("held"),
        MeetingStatus.NO_SHOW: _("no-show"),
    }[status]


def role_label(role: RegistrationRole) -> str:
    return _("AI provider") if role is RegistrationRole.PROVIDER else _("Company")


def registration_status_label(status: RegistrationStatus) -> str:
    return {
        RegistrationStatus.PENDING: _("pending"),
        RegistrationStatus.APPROVED: _("approved"),
        RegistrationStatus.REJECTED: _("rejected"),
        RegistrationStatus.CANCELLED: _("cancelled"),
    }[status]


def schedule_label(schedule: Schedule) -> str:
    names = {
        ScheduleStatus.DRAFT: _("draft"),
        ScheduleStatus.PUBLISHED: _("published"),
        ScheduleStatus.SUPERSEDED: _("superseded"),
    }
    return _("version %(n)s (%(status)s)", n=schedule.version, status=names[schedule.status])


def _parties(meeting: Meeting) -> tuple[Registration, Registration]:
    """The two parties, the company first when one is a company and the other a provider."""
    a, b = meeting.registration_a, meeting.registration_b
    if a.role is RegistrationRole.PROVIDER and b.role is RegistrationRole.SEEKER:
        return b, a
    return a, b


def meetings_csv(event: Event, schedule: Schedule | None) -> str:
    """Every meeting of a version (cancelled ones included), in time then table order."""
    header = [
        _("Date"),
        _("Start"),
        _("End"),
        _("Table"),
        _("Zone"),
        _("Organisation 1"),
        _("Role 1"),
        _("Organisation 2"),
        _("Role 2"),
        _("Status"),
        _("Meeting id"),
    ]
    meetings = schedule_meetings(schedule) if schedule is not None else []
    meetings.sort(key=lambda m: (m.slot.position, m.table.position if m.table else -1, m.id))
    rows = []
    for meeting in meetings:
        first, second = _parties(meeting)
        start = to_local(meeting.slot.starts_at, event.timezone)
        end = to_local(meeting.slot.ends_at, event.timezone)
        rows.append(
            [
                start.date().isoformat(),
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                meeting.table.label if meeting.table else "",
                meeting.table.zone if meeting.table else "",
                first.organisation.name,
                role_label(first.role),
                second.organisation.name,
                role_label(second.role),
                status_label(meeting.status),
                meeting.uid,
            ]
        )
    return to_csv(header, rows)


def event_registrations(event: Event) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(Organisation)
            .where(Registration.event_id == event.id)
            .options(selectinload(Registration.attendees), selectinload(Registration.organisation))
            .order_by(Registration.role, Organisation.name_key)
        )
    )


def registrations_csv(event: Event) -> str:
    """One row per registration, its attendees' names and e-mails in two cells."""
    header = [
        _("Organisation"),
        _("SIREN"),
        _("Role"),
        _("Status"),
        _("Representatives"),
        _("Maximum meetings"),
        _("Attendees"),
        _("E-mails"),
        _("Registered on"),
    ]
    rows = [
        [
            r.organisation.name,
            r.organisation.siren or "",
            role_label(r.role),
            registration_status_label(r.status),
            r.representatives,
            r.max_meetings if r.max_meetings is not None else "",
            ", ".join(a.name for a in r.attendees),
            ", ".join(a.email for a in r.attendees),
            to_local(r.created_at, event.timezone).date().isoformat(),
        ]
        for r in event_registrations(event)
    ]
    return to_csv(header, rows)


@dataclass(frozen=True)
class TableSheet:
    """One printed page: a table and, for each slot, the meeting held there (or None)."""

    table: MeetingTable
    rows: list[tuple[Slot, Meeting | None]]


def table_sheets(event: Event, schedule: Schedule | None) -> list[TableSheet]:
    """A sheet per table with every open slot; cancelled meetings leave the slot free."""
    placed: dict[tuple[int, int], Meeting] = {}
    for meeting in schedule_meetings(schedule) if schedule is not None else []:
        if meeting.table_id is not None and meeting.status is not MeetingStatus.CANCELLED:
            placed[(meeting.table_id, meeting.slot_id)] = meeting
    slots = [s for s in event.slots if not s.blocked]
    return [
        TableSheet(table=t, rows=[(s, placed.get((t.id, s.id))) for s in slots])
        for t in event.tables
    ]


@dataclass(frozen=True)
class Badge:
    name: str
    job_title: str
    organisation: str
    role: str
    checkin_code: str
    qr: str  # a data: URI of an SVG image (no markup goes into the page unescaped)


def qr_data_uri(code: str) -> str:
    return segno.make(code, error="m", micro=False).svg_data_uri(scale=4, border=2)


def badges(event: Event) -> list[Badge]:
    """A badge for each attendee of an approved registration, by organisation then name."""
    result = []
    for registration in event_registrations(event):
        if registration.status is not RegistrationStatus.APPROVED:
            continue
        for attendee in sorted(registration.attendees, key=lambda a: a.name.lower()):
            result.append(
                Badge(
                    name=attendee.name,
                    job_title=attendee.job_title,
                    organisation=registration.organisation.name,
                    role=role_label(registration.role),
                    checkin_code=attendee.checkin_code,
                    qr=qr_data_uri(attendee.checkin_code),
                )
            )
    result.sort(key=lambda b: (b.organisation.lower(), b.name.lower()))
    return result
