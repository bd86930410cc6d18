"""User-facing texts for the set-up service's refusals, attached to a field when it has one."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from app.services.event_setup import SetupError


def _schedule_exists(p: dict) -> str:
    num = p.get("num", 0)
    if p.get("published"):
        return ngettext(
            "A schedule is published: changing the sessions or slots would invalidate %(num)d "
            "meeting. You can still block a slot that has no meeting.",
            "A schedule is published: changing the sessions or slots would invalidate %(num)d "
            "meetings. You can still block a slot that has no meeting.",
            num,
        )
    return ngettext(
        "A draft schedule exists: changing the sessions or slots would invalidate %(num)d "
        "meeting. Delete the draft schedules first, or only block slots that have no meeting.",
        "A draft schedule exists: changing the sessions or slots would invalidate %(num)d "
        "meetings. Delete the draft schedules first, or only block slots that have no meeting.",
        num,
    )


MESSAGES = {
    "forbidden": lambda p: _("Only the event's organisers and the administrators may do this."),
    "no-account": lambda p: _(
        "No account uses the address %(email)s. Ask this person to sign up first.", **p
    ),
    "already-organiser": lambda p: _("%(email)s already organises this event.", **p),
    "has-account": lambda p: _("An account uses %(email)s: add it directly.", **p),
    "invitation-used": lambda p: _("This invitation has already been used."),
    "invitation-other-email": lambda p: _(
        "This invitation was sent to %(email)s. Log in with that address to accept it.", **p
    ),
    "not-organiser": lambda p: _("This person does not organise this event."),
    "slug-taken": lambda p: _("The address %(slug)s is already used by another event.", **p),
    "slug-locked": lambda p: _(
        "The web address cannot change once the event has left the draft status (links have "
        "been shared)."
    ),
    "timezone": lambda p: _("Unknown time zone."),
    "days-order": lambda p: _("The last day cannot be before the first day."),
    "meeting-minutes": lambda p: _("A meeting lasts from 1 to 480 minutes."),
    "pause-minutes": lambda p: _("The pause lasts from 0 to 240 minutes."),
    "weights": lambda p: _("Every weight is a whole number of at least 1."),
    "deadline-after-event": lambda p: _("The deadline must be before the event's first day."),
    "request-before-registration": lambda p: _(
        "Meeting requests cannot close before registration does."
    ),
    "sessions-outside": lambda p: ngettext(
        "%(num)d session falls outside these days: move or delete it first.",
        "%(num)d sessions fall outside these days: move or delete them first.",
        p["num"],
    ),
    "schedule-exists": _schedule_exists,
    "status-move": lambda p: _("The event cannot move to this status from its current one."),
    "status-no-slots": lambda p: _(
        "Add at least one session with open slots before opening registration."
    ),
    "status-registrations": lambda p: ngettext(
        "%(num)d organisation is registered: the event cannot go back to draft.",
        "%(num)d organisations are registered: the event cannot go back to draft.",
        p["num"],
    ),
    "status-no-schedule": lambda p: _("Publish a schedule first (organiser workspace)."),
    "session-name": lambda p: _("Give the session a name."),
    "session-day": lambda p: _("The day must be one of the event's days."),
    "session-order": lambda p: _("The session must end after it starts."),
    "session-overlap": lambda p: _("This session overlaps the session “%(other)s”.", **p),
    "session-short": lambda p: _(
        "The session is shorter than one meeting (%(minutes)d minutes).", **p
    ),
    "session-chosen": lambda p: ngettext(
        "%(num)d registered organisation chose this session: it cannot be deleted.",
        "%(num)d registered organisations chose this session: it cannot be deleted.",
        p["num"],
    ),
    "slot-has-meetings": lambda p: ngettext(
        "This slot holds %(num)d meeting in a schedule: it cannot be blocked.",
        "This slot holds %(num)d meetings in a schedule: it cannot be blocked.",
        p["num"],
    ),
    "table-count": lambda p: _("The number of tables cannot be negative."),
    "table-pattern": lambda p: _("The pattern must contain {n}, replaced by the number."),
    "table-home": lambda p: ngettext(
        "Table %(label)s is the home table of %(num)d participant: it cannot be deleted.",
        "Table %(label)s is the home table of %(num)d participants: it cannot be deleted.",
        p["num"],
        label=p["label"],
    ),
    "table-meetings": lambda p: ngettext(
        "Table %(label)s is used by %(num)d meeting: it cannot be deleted.",
        "Table %(label)s is used by %(num)d meetings: it cannot be deleted.",
        p["num"],
        label=p["label"],
    ),
    "table-label": lambda p: _("Give the table a label."),
    "table-label-taken": lambda p: _("Another table is already labelled %(label)s.", **p),
}


def message(error: SetupError) -> str:
    text = MESSAGES.get(error.code)
    return text(error.params) if text else _("This action is not possible.")


def fail(form: FlaskForm, error: SetupError) -> None:
    """Show a refusal next to its field, or as a flash message when it concerns no field."""
    if error.field and error.field in form:
        target = form[error.field]
        target.errors = [*target.errors, message(error)]
    else:
        flash(message(error), "error")
