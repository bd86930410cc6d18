"""E-mails after a publication: each attending person whose agenda changed gets it, with .ics."""

from __future__ import annotations

from flask import url_for

from app.mail import send_email
from app.models import Schedule
from app.models.base import utcnow
from app.models.enums import MeetingStatus
from app.services.agenda import agenda, previous_version
from app.services.calendar import Feed, calendar_host, participant_calendar
from app.services.recommendations import approved_registrations


def send_publication_emails(*, schedule: Schedule, server_name: str | None) -> int:
    """E-mail every attendee on a first publication, then only those whose meetings changed.

    Call after the commit; returns how many e-mails were sent.
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
            sent += 1
    return sent
