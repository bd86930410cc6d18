"""Publication of a draft (safe when two organisers publish at once) and the e-mails after it.

The e-mails are delivered at least once: the publication's own transaction sets
`Schedule.mail_pending_since`, and `send_publication_emails` clears it once every e-mail has
gone out. A process killed in between leaves the mark, and `app.jobs` sends them again later
(`resend_pending_publication_mails`); a process killed in the middle of the sending makes some
attendees get the e-mail twice, never none.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

import sqlalchemy as sa
from flask import url_for

from app.mail import send_email
from app.models import Schedule, User, db
from app.models.base import utcnow
from app.models.enums import MeetingStatus, RunStatus, ScheduleStatus
from app.services import ServiceError
from app.services.agenda import agenda, previous_version
from app.services.calendar import Feed, calendar_host, participant_calendar
from app.services.recommendations import approved_registrations
from app.services.registrations import is_organiser
from app.services.schedules import copy_meeting, published_schedule

log = logging.getLogger(__name__)


def publish_schedule(*, schedule: Schedule, actor: User) -> Schedule:
    """Make the newest draft the published version; the previous one is kept as superseded.

    Meetings of the previous version missing from the new one are kept in it as cancelled
    (same uid, next sequence) so that agendas and calendars show the cancellation.

    Two organisers may publish at the same moment: the draft is first claimed by one
    conditional UPDATE. The second publisher's UPDATE waits for the first transaction (row
    lock on PostgreSQL, write lock on SQLite), then matches no row: "published-meanwhile".
    Everything else is read after the claim, so it is current.
    """
    event = schedule.event
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")
    if schedule.status is not ScheduleStatus.DRAFT:
        raise ServiceError("not-draft")
    if schedule.run is not None and schedule.run.status is not RunStatus.SUCCEEDED:
        raise ServiceError("run-not-succeeded")
    if not any(m.status is MeetingStatus.SCHEDULED for m in schedule.meetings):
        raise ServiceError("empty-schedule")
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Schedule)
        .where(
            Schedule.id == schedule.id,
            Schedule.status == ScheduleStatus.DRAFT,
            Schedule.published_at.is_(None),
        )
        .values(published_at=now, published_by_id=actor.id, mail_pending_since=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire_all()  # what other transactions committed meanwhile is read afresh
    if claimed != 1:
        raise ServiceError("published-meanwhile")
    newest = db.session.scalar(
        sa.select(sa.func.max(Schedule.version)).where(Schedule.event_id == event.id)
    )
    if newest != schedule.version:
        raise ServiceError("not-newest")
    previous = published_schedule(event)
    if previous is not None:
        _keep_cancelled(schedule, previous)
        previous.status = ScheduleStatus.SUPERSEDED
    try:
        db.session.flush()
        schedule.status = ScheduleStatus.PUBLISHED
        db.session.flush()
    except sa.exc.IntegrityError:  # the partial unique index: another version got published
        raise ServiceError("published-meanwhile") from None
    return schedule


def _keep_cancelled(schedule: Schedule, previous: Schedule) -> None:
    kept = {m.uid for m in schedule.meetings}
    for old in previous.meetings:
        if old.uid in kept or old.status is MeetingStatus.CANCELLED:
            continue
        # A meeting held or missed already happened: it stays as it was, not "cancelled".
        history = old.status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW)
        schedule.meetings.append(
            copy_meeting(old, locked=False)
            if history
            else copy_meeting(
                old, locked=False, sequence=old.sequence + 1, status=MeetingStatus.CANCELLED
            )
        )


def send_publication_emails(*, schedule: Schedule, server_name: str | None) -> int:
    """E-mail every attendee on a first publication, then only those whose meetings changed.

    Call after the commit; returns how many e-mails were sent. Once all are sent, the
    publication's pending-mail mark is cleared (flushed: the caller commits).
    """
    event = schedule.event
    first = previous_version(schedule) is None
    now, sent = utcnow(), 0
    agenda_url = url_for("agenda.index", slug=event.slug, _external=True)
    host = calendar_host(server_name)
    for registration in approved_registrations(event):
        items = agenda(registration, now=now)
        if not first and not any(item.change for item in items):
            continue  # nothing new for them: no e-mail
        shown = [i for i in items if i.meeting.status is MeetingStatus.SCHEDULED or i.change]
        for attendee in registration.attendees:
            feed = Feed(registration=registration, attendee=attendee)
            ics = participant_calendar(feed=feed, now=now, host=host, agenda_url=agenda_url)
            try:
                send_email(
                    to=attendee.email,
                    template="schedule_published" if first else "agenda_changed",
                    locale=feed.locale,
                    attachments=(("agenda.ics", "text/calendar", ics.to_ical()),),
                    event=event,
                    attendee=attendee,
                    agenda_url=agenda_url,
                    items=shown,
                )
            except smtplib.SMTPRecipientsRefused:
                # Refused now, refused on every retry: failing the whole sending for it would
                # make each retry (at least once) e-mail everyone before it again.
                log.warning("publication e-mail refused by the SMTP server for %s", attendee.email)
                continue
            sent += 1
    schedule.mail_pending_since = None
    db.session.flush()
    return sent


def pending_publication_mails(*, before: datetime, event_id: int | None = None) -> list[Schedule]:
    """Publications whose e-mails were marked pending before `before` and are not sent yet."""
    query = sa.select(Schedule).where(Schedule.mail_pending_since < before)
    if event_id is not None:
        query = query.where(Schedule.event_id == event_id)
    return list(db.session.scalars(query.order_by(Schedule.id)))


def claim_pending_mails(schedule: Schedule, *, now: datetime) -> bool:
    """Take a pending publication's e-mails for sending again (its mark moves to `now`).

    A conditional UPDATE: of two sweepers that saw the same mark, one gets it; a publication
    whose e-mails were sent meanwhile is not taken. Flushed: the caller commits.
    """
    seen = schedule.mail_pending_since
    if seen is None:
        return False
    claimed = db.session.execute(
        sa.update(Schedule)
        .where(Schedule.id == schedule.id, Schedule.mail_pending_since == seen)
        .values(mail_pending_since=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(schedule, attribute_names=["mail_pending_since"])
    return claimed == 1
