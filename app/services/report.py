"""End-of-event report for the chamber's reporting: totals, by sector, by use case, per meeting.

The figures come from `live_stats.event_stats` (the dashboard's), so the report and the
dashboard always agree. CSV files reuse the export conventions of `exports` (BOM, `;`, CRLF,
formula-looking cells neutralised).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.models import Event, Feedback, Meeting, Registration, Schedule, db
from app.models.enums import FeedbackOutcome, MeetingOrigin, MeetingStatus, RegistrationRole
from app.services.exports import role_label, status_label, to_csv
from app.services.live_stats import published
from app.templating import to_local


def outcome_label(outcome: FeedbackOutcome | str) -> str:
    return {
        FeedbackOutcome.NONE: _("No outcome yet"),
        FeedbackOutcome.FOLLOW_UP: _("Follow-up planned"),
        FeedbackOutcome.QUOTE: _("Quote requested"),
        FeedbackOutcome.PILOT: _("Pilot project"),
        FeedbackOutcome.CONTRACT: _("Contract"),
        FeedbackOutcome.NOT_RELEVANT: _("Not relevant"),
    }[FeedbackOutcome(outcome)]


def origin_label(origin: MeetingOrigin | str) -> str:
    return {
        MeetingOrigin.SCHEDULE: _("Scheduled by the optimiser"),
        MeetingOrigin.ORGANISER: _("Added by an organiser"),
        MeetingOrigin.WALK_IN: _("Walk-in"),
        MeetingOrigin.REBOOKING: _("Rebooking after a no-show"),
    }[MeetingOrigin(origin)]


def decimal(value: float | None) -> str:
    """A mean in the visitor's locale (4,25 in French), or an empty cell."""
    return "" if value is None else format_decimal(value, format="0.00")


def totals(stats: dict) -> list[tuple[str, object]]:
    """The report's headline figures, in reading order, as (label, value)."""
    reg, arr, mt = stats["registrations"], stats["arrivals"], stats["meetings"]
    sat, out = stats["satisfaction"], stats["outcomes"]
    rows: list[tuple[str, object]] = [
        (_("Registrations (all statuses)"), reg["total"]),
        (_("Approved registrations"), reg["approved"]),
        (_("Companies"), reg["companies"]),
        (_("AI providers"), reg["providers"]),
        (_("Meeting requests"), stats["requests"]["total"]),
        (_("Accepted requests"), stats["requests"]["accepted"]),
        (_("Organisations checked in"), arr["registrations"]),
        (_("People checked in"), arr["attendees"]),
        (_("Organisations marked absent"), arr["absent"]),
        (_("Meetings planned"), mt["planned"]),
        (_("Meetings held"), mt["held"]),
        (_("Meetings with a no-show"), mt["no_show"]),
        (_("Meetings cancelled"), mt["cancelled"]),
        (_("Past meetings not confirmed"), mt["to_confirm"]),
    ]
    rows += [(origin_label(o), mt[o.value]) for o in MeetingOrigin]
    rows += [
        (_("Feedback received"), sat["count"]),
        (_("Mean rating (out of 5)"), decimal(sat["mean"])),
    ]
    rows += [(_("Rating %(n)s", n=n), count) for n, count in sat["distribution"].items()]
    rows += [(outcome_label(o), out[o.value]) for o in FeedbackOutcome]
    rows.append((_("Meetings with a next step (feedback)"), out["next_steps"]))
    return rows


GROUP_COLUMNS = ("meetings", "held", "no_show", "feedback", "mean", "next_steps")


def group_header() -> list[str]:
    return [
        _("Meetings planned"),
        _("Held"),
        _("No-shows"),
        _("Ratings"),
        _("Mean rating"),
        _("Next steps"),
    ]


def summary_csv(stats: dict) -> str:
    """Totals, then one row per sector and per use case, in one sheet."""
    header = [_("Section"), _("Item"), _("Value"), *group_header()]
    rows: list[list[object]] = [[_("Totals"), label, value] for label, value in totals(stats)]
    for section, key in ((_("Sector"), "by_sector"), (_("Use case"), "by_use_case")):
        for group in stats[key]:
            values = [decimal(group[c]) if c == "mean" else group[c] for c in GROUP_COLUMNS]
            rows.append([section, group["label"], "", *values])
    return to_csv(header, rows)


@dataclass(frozen=True)
class MeetingReportRow:
    meeting: Meeting
    first: Registration
    second: Registration
    first_feedback: Feedback | None
    second_feedback: Feedback | None


def meeting_rows(event: Event, *, commented_only: bool = False) -> list[MeetingReportRow]:
    """Meetings of the published schedule with both parties' feedback, in time order.

    `commented_only`: only the meetings with at least one comment (the HTML report).
    """
    schedule: Schedule | None = published(event)
    if schedule is None:
        return []
    feedback_query = (
        sa.select(Feedback, Meeting.uid)
        .join(Meeting, Feedback.meeting_id == Meeting.id)
        .join(Schedule, Meeting.schedule_id == Schedule.id)
        .where(Schedule.event_id == event.id)
        .order_by(Feedback.id)
    )
    if commented_only:
        feedback_query = feedback_query.where(Feedback.comment != "")
    latest: dict[tuple[str, int], Feedback] = {}
    for feedback, uid in db.session.execute(feedback_query):
        latest[(uid, feedback.registration_id)] = feedback
    meeting_query = (
        sa.select(Meeting)
        .where(Meeting.schedule_id == schedule.id)
        .options(
            selectinload(Meeting.slot),
            selectinload(Meeting.table),
            selectinload(Meeting.registration_a).selectinload(Registration.organisation),
            selectinload(Meeting.registration_b).selectinload(Registration.organisation),
        )
    )
    if commented_only:
        meeting_query = meeting_query.where(Meeting.uid.in_({uid for uid, _reg in latest}))
    meetings = list(db.session.scalars(meeting_query))
    meetings.sort(key=lambda m: (m.slot.position, m.table.position if m.table else -1, m.id))
    rows = []
    for meeting in meetings:
        first, second = meeting.registration_a, meeting.registration_b
        if first.role.value == "provider" and second.role.value == "seeker":
            first, second = second, first  # the company first
        rows.append(
            MeetingReportRow(
                meeting,
                first,
                second,
                latest.get((meeting.uid, first.id)),
                latest.get((meeting.uid, second.id)),
            )
        )
    return rows


def _feedback_cells(feedback: Feedback | None, outcomes: dict) -> list[object]:
    if feedback is None:
        return ["", "", ""]
    return [feedback.rating, outcomes[feedback.outcome], feedback.comment]


def meetings_report_csv(event: Event) -> str:
    """One row per meeting: time, table, both organisations, status, both feedbacks."""
    header = [
        _("Date"),
        _("Start"),
        _("End"),
        _("Table"),
        _("Organisation 1"),
        _("Role 1"),
        _("Sector 1"),
        _("Organisation 2"),
        _("Role 2"),
        _("Origin"),
        _("Status"),
        _("Rating 1"),
        _("Outcome 1"),
        _("Comment 1"),
        _("Rating 2"),
        _("Outcome 2"),
        _("Comment 2"),
        _("Meeting id"),
    ]
    # Labels looked up once, not once per meeting (thousands of rows on a Business Day).
    outcomes = {o: outcome_label(o) for o in FeedbackOutcome}
    origins = {o: origin_label(o) for o in MeetingOrigin}
    statuses = {s: status_label(s) for s in MeetingStatus}
    roles = {r: role_label(r) for r in RegistrationRole}
    locale = str(get_locale())
    body = []
    for row in meeting_rows(event):
        m = row.meeting
        start = to_local(m.slot.starts_at, event.timezone)
        end = to_local(m.slot.ends_at, event.timezone)
        sector = row.first.organisation.sector
        body.append(
            [
                start.date().isoformat(),
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                m.table.label if m.table else "",
                row.first.organisation.name,
                roles[row.first.role],
                sector.label(locale) if sector else "",
                row.second.organisation.name,
                roles[row.second.role],
                origins[m.origin],
                statuses[m.status],
                *_feedback_cells(row.first_feedback, outcomes),
                *_feedback_cells(row.second_feedback, outcomes),
                m.uid,
            ]
        )
    return to_csv(header, body)
