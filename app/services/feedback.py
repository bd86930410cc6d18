"""Feedback after a meeting: each side rates it (1-5), gives an outcome and an optional comment.

Rules (docs/feedback-and-reporting.md):
- only meetings of the published schedule, once their slot has ended, not cancelled and not
  marked as a no-show; only a member of one of the two organisations;
- one feedback per meeting and registration, editable until the event is closed (a second
  submission updates the first); the feedback follows the meeting's `uid` across versions;
- giving feedback on a meeting still "scheduled" marks it "held";
- once a participant's meetings are all over, its members are reminded once to give the
  feedback still missing (`send_feedback_reminders`, run from cron).
"""

from __future__ import annotations

import logging
import smtplib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload

from app.mail import send_email
from app.models import Event, Feedback, Meeting, Registration, Schedule, User, db
from app.models.enums import (
    EventStatus,
    FeedbackOutcome,
    MeetingStatus,
    RegistrationStatus,
    ScheduleStatus,
)
from app.services import ServiceError
from app.services.organisations import require_member
from app.services.schedules import counterpart, meetings_of, published_schedule

log = logging.getLogger(__name__)
# No reminder for meetings older than this: an e-mail weeks later is noise (and an old event
# never closed must not wake up when the reminders are first switched on).
REMINDER_WINDOW = timedelta(days=7)

COMMENT_MAX = 1000
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class FeedbackItem:
    """One of my past meetings, seen from my registration, with my feedback if given."""

    meeting: Meeting
    registration: Registration
    other: Registration
    feedback: Feedback | None
    open: bool  # feedback can still be given or edited


def clean_comment(text: str) -> str:
    """The comment without control characters (newlines and tabs kept), trimmed."""
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return "".join(kept).replace("\r", "").strip()


def find_feedback(meeting: Meeting, registration: Registration) -> Feedback | None:
    """The registration's feedback on this meeting, in any schedule version (same `uid`)."""
    return db.session.scalar(
        sa.select(Feedback)
        .join(Meeting, Feedback.meeting_id == Meeting.id)
        .where(Meeting.uid == meeting.uid, Feedback.registration_id == registration.id)
        .order_by(Feedback.id.desc())
        .limit(1)
    )


def check_open(meeting: Meeting, registration: Registration, *, now: datetime) -> None:
    """Raise the reason why feedback on this meeting is refused, if it is."""
    if registration.id not in (meeting.registration_a_id, meeting.registration_b_id):
        raise ServiceError("feedback-not-party")
    if meeting.schedule.status is not ScheduleStatus.PUBLISHED:
        raise ServiceError("feedback-not-published")
    if registration.event.status is EventStatus.CLOSED:
        raise ServiceError("feedback-closed")
    if meeting.status is MeetingStatus.CANCELLED:
        raise ServiceError("feedback-cancelled")
    if meeting.status is MeetingStatus.NO_SHOW:
        raise ServiceError("feedback-no-show")
    if meeting.slot.ends_at > now:
        raise ServiceError("feedback-too-early")


def give_feedback(
    *,
    meeting: Meeting,
    registration: Registration,
    actor: User,
    rating: int,
    outcome: FeedbackOutcome,
    comment: str,
    now: datetime,
) -> tuple[Feedback, bool]:
    """Record or update the registration's feedback; returns it and whether it is new."""
    require_member(registration.organisation, actor)
    check_open(meeting, registration, now=now)
    if rating not in RATINGS:
        raise ServiceError("feedback-rating")
    if not isinstance(outcome, FeedbackOutcome):
        raise ServiceError("feedback-outcome")
    comment = clean_comment(comment or "")
    if len(comment) > COMMENT_MAX:
        raise ServiceError("feedback-comment")
    feedback = find_feedback(meeting, registration)
    created = feedback is None
    if created:
        feedback = Feedback(registration=registration)
        db.session.add(feedback)
    feedback.meeting = meeting  # follows the meeting into the current version
    feedback.rating, feedback.outcome, feedback.comment = rating, outcome, comment
    if meeting.status is MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.HELD
    db.session.flush()
    return feedback, created


def my_registrations(event: Event, user: User) -> list[Registration]:
    """The approved registrations of the user's organisations at this event."""
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.organisation_id.in_(org_ids),
                Registration.status == RegistrationStatus.APPROVED,
            )
            .order_by(Registration.id)
        )
    )


def past_meetings(registration: Registration, *, now: datetime) -> list[FeedbackItem]:
    """The registration's ended meetings of the published schedule (not cancelled), in order."""
    schedule = published_schedule(registration.event)
    if schedule is None:
        return []
    items = []
    for meeting in meetings_of(schedule, registration):
        if meeting.status is MeetingStatus.CANCELLED or meeting.slot.ends_at > now:
            continue
        try:
            check_open(meeting, registration, now=now)
        except ServiceError:
            is_open = False
        else:
            is_open = True
        items.append(
            FeedbackItem(
                meeting=meeting,
                registration=registration,
                other=counterpart(meeting, registration),
                feedback=find_feedback(meeting, registration),
                open=is_open,
            )
        )
    return items


def send_feedback_reminders(*, now: datetime, after: timedelta) -> int:
    """E-mail the members of each participating organisation whose meetings all ended at
    least `after` ago and some of which have no feedback from it yet: once per registration
    (claimed in the database before sending, so two runs never send it twice). Events that
    are closed take no feedback, so get no reminder. Needs `url_for` to build external links
    (SERVER_NAME or a request). Returns how many registrations were reminded."""
    reminded = 0
    events = db.session.scalars(sa.select(Event).where(Event.status != EventStatus.CLOSED))
    for event in list(events):
        schedule = published_schedule(event)
        if schedule is None:
            continue
        for registration_id, unrated in _unrated_counts(event, schedule, now - after).items():
            if not _claim_reminder(registration_id, now):
                continue  # another run took it
            try:
                _send_reminder(db.session.get(Registration, registration_id), unrated)
            except (smtplib.SMTPException, OSError):
                log.exception("feedback reminder of registration %s not sent", registration_id)
                continue
            reminded += 1
    return reminded


def _unrated_counts(event: Event, schedule: Schedule, ended_by: datetime) -> dict[int, int]:
    """Registration id → how many of its meetings await its feedback, for the approved,
    not yet reminded registrations whose meetings (scheduled or held) all ended by then, the
    last one within REMINDER_WINDOW before."""
    due = set(
        db.session.scalars(
            sa.select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.APPROVED,
                Registration.feedback_reminded_at.is_(None),
            )
        )
    )
    rated = {
        (uid, registration_id)
        for uid, registration_id in db.session.execute(
            sa.select(Meeting.uid, Feedback.registration_id)
            .join(Feedback, Feedback.meeting_id == Meeting.id)
            .join(Schedule, Schedule.id == Meeting.schedule_id)
            .where(Schedule.event_id == event.id)
        )
    }
    meetings: dict[int, list[Meeting]] = defaultdict(list)
    held = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)
    for meeting in db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.schedule_id == schedule.id, Meeting.status.in_(held))
        .options(selectinload(Meeting.slot))
    ):
        for registration_id in (meeting.registration_a_id, meeting.registration_b_id):
            if registration_id in due:
                meetings[registration_id].append(meeting)
    counts = {}
    for registration_id, mine in meetings.items():
        last = max(m.slot.ends_at for m in mine)
        if last > ended_by:
            continue  # a meeting still to come or just over: not yet
        if last < ended_by - REMINDER_WINDOW:
            continue  # too long ago
        unrated = sum(1 for m in mine if (m.uid, registration_id) not in rated)
        if unrated:
            counts[registration_id] = unrated
    return counts


def _claim_reminder(registration_id: int, now: datetime) -> bool:
    """Mark the registration reminded unless it already is; commits. True if claimed here."""
    table = Registration.__table__
    claimed = db.session.execute(
        sa.update(table)
        .where(table.c.id == registration_id, table.c.feedback_reminded_at.is_(None))
        .values(feedback_reminded_at=now)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _send_reminder(registration: Registration, unrated: int) -> None:
    event = registration.event
    url = url_for("feedback.index", slug=event.slug, _external=True)
    for membership in registration.organisation.memberships:
        user = membership.user
        send_email(
            to=user.email,
            template="feedback_reminder",
            locale=user.locale,
            user=user,
            event=event,
            organisation=registration.organisation,
            unrated=unrated,
            url=url,
        )
