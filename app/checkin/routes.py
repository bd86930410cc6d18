"""Live day: the organisers' reception desk (check-in, arrivals), announcements, my badge."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import realtime
from app.checkin.forms import AnnouncementForm, CheckinForm, SelfCheckinForm
from app.forms import ConfirmForm
from app.models import Announcement, Event, db
from app.models.base import utcnow
from app.services import ServiceError
from app.services.announcements import (
    MAX_LENGTH,
    event_announcements,
    post_announcement,
    set_hidden,
)
from app.services.checkin import (
    CHECKIN_STATUSES,
    SHORT_CODE,
    Arrival,
    CheckinError,
    arrival_stats,
    attendee_for,
    check_in,
    entrance_code,
    event_day,
    self_check_in,
)
from app.services.exports import qr_data_uri
from app.templating import local_time, long_date, to_local
from app.views import event_or_404, organised_event_or_403, service_message

bp = Blueprint("checkin", __name__)

MESSAGES = {
    "empty-code": lambda: _("Type or scan the code of a badge."),
    "unknown-code": lambda: _("Unknown code: this is not the badge of a participant."),
    "other-event": lambda: _("This badge is for another event."),
    "not-approved": lambda: _("This participant's registration is not confirmed."),
    "not-live": lambda: _("Check-in opens once the schedule is published."),
    "not-today": lambda: _("Self check-in is only possible on the day of the event."),
    "empty-entrance": lambda: _("Type the code shown at the entrance."),
    "wrong-entrance": lambda: _(
        "This is not today's entrance code. Check the sign at the entrance, or go to the "
        "reception desk."
    ),
    "not-attendee": lambda: _("You are not on the list of attendees of this event."),
    "not-organiser": lambda: _("Only the organisers of this event can do this."),
    "empty": lambda: _("Write the announcement."),
    "too-long": lambda: _("This announcement is too long."),
}


def message(event: Event, error: ServiceError) -> str:
    if isinstance(error, CheckinError) and str(error) == "already" and error.at is not None:
        when = local_time(error.at, event.timezone)
        if event_day(event, error.at) != event_day(event, utcnow()):
            when = f"{long_date(error.at, event.timezone)}, {when}"
        return _("%(name)s is already checked in (at %(when)s).", name=error.name, when=when)
    return service_message(MESSAGES, error)


def _stats_json(event: Event) -> dict:
    stats = arrival_stats(event)
    return {
        "count": stats.count,
        "expected": stats.expected,
        "organisations": stats.organisations,
        "organisations_expected": stats.organisations_expected,
        "last": [_arrival_json(event, a) for a in stats.last],
    }


def _arrival_json(event: Event, arrival: Arrival) -> dict:
    return {
        "name": arrival.name,
        "organisation": arrival.organisation,
        "at": to_local(arrival.at, event.timezone).strftime("%H:%M"),
    }


def welcome(arrival: Arrival) -> str:
    text = _("Welcome %(name)s (%(org)s)!", name=arrival.name, org=arrival.organisation)
    if arrival.was_absent:
        text += " " + _(
            "Note: this organisation had been marked absent; its cancelled meetings stay "
            "cancelled until an organiser marks it present again on the absences page."
        )
    return text


def _after_checkin(event: Event, arrival: Arrival) -> None:
    """Commit, then tell the organisers' screens."""
    db.session.commit()
    realtime.checkin.checkin(event, arrival, arrival_stats(event))


@bp.get("/organisateur/evenements/<slug>/accueil")
@login_required
def desk(slug: str):
    event = organised_event_or_403(slug)
    return _render_desk(event, CheckinForm())


def _render_desk(event: Event, form: CheckinForm, status: int = 200):
    today = event_day(event, utcnow())
    on_day = event.starts_on <= today <= event.ends_on
    secret = current_app.config["SECRET_KEY"]
    return render_template(
        "checkin/desk.html",
        event=event,
        form=form,
        stats=arrival_stats(event),
        open=event.status in CHECKIN_STATUSES,
        entrance=entrance_code(event, today, secret=secret) if on_day else None,
        short_code=SHORT_CODE,
    ), status


@bp.post("/organisateur/evenements/<slug>/accueil")
@login_required
def desk_post(slug: str):
    """Check-in without JavaScript: the form posts here, the page comes back."""
    event = organised_event_or_403(slug)
    form = CheckinForm()
    if not form.validate_on_submit():
        return _render_desk(event, form, 422)
    try:
        arrival = check_in(event=event, code=form.code.data, actor=current_user, now=utcnow())
    except ServiceError as exc:
        db.session.rollback()
        form.code.errors = [message(event, exc)]
        return _render_desk(event, form, 422)
    _after_checkin(event, arrival)
    flash(welcome(arrival), "success")
    return redirect(url_for("checkin.desk", slug=slug))


@bp.post("/organisateur/evenements/<slug>/accueil/scan")
@login_required
def scan(slug: str):
    """The scanner's endpoint: JSON in and out, CSRF token in the X-CSRFToken header."""
    event = organised_event_or_403(slug)
    data = request.get_json(silent=True)
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str):
        return jsonify(ok=False, message=_("Type or scan the code of a badge.")), 400
    try:
        arrival = check_in(event=event, code=code, actor=current_user, now=utcnow())
    except ServiceError as exc:
        db.session.rollback()
        status = 409 if str(exc) == "already" else 422
        return jsonify(ok=False, error=str(exc), message=message(event, exc)), status
    _after_checkin(event, arrival)
    return jsonify(
        ok=True,
        message=welcome(arrival),
        arrival=_arrival_json(event, arrival),
        stats=_stats_json(event),
    )


@bp.get("/organisateur/evenements/<slug>/accueil/arrivees.json")
@login_required
def arrivals(slug: str):
    """The counts and last arrivals, re-read by the desk page after a reconnection."""
    return jsonify(_stats_json(organised_event_or_403(slug)))


@bp.get("/organisateur/evenements/<slug>/annonces")
@login_required
def announcements(slug: str):
    event = organised_event_or_403(slug)
    return _render_announcements(event, AnnouncementForm())


def _render_announcements(event: Event, form: AnnouncementForm, status: int = 200):
    return render_template(
        "checkin/announcements.html",
        event=event,
        form=form,
        confirm=ConfirmForm(),
        items=event_announcements(event),
        max_length=MAX_LENGTH,
    ), status


@bp.post("/organisateur/evenements/<slug>/annonces")
@login_required
def announce(slug: str):
    event = organised_event_or_403(slug)
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return _render_announcements(event, form, 422)
    try:
        item = post_announcement(
            event=event, actor=current_user, message=form.message.data, now=utcnow()
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        form.message.errors = [message(event, exc)]
        return _render_announcements(event, form, 422)
    realtime.checkin.announcement(event, item)
    flash(_("The announcement is on the screen."), "success")
    return redirect(url_for("checkin.announcements", slug=slug))


@bp.post(
    "/organisateur/evenements/<slug>/annonces/<int:announcement_id>/<any(masquer, afficher):visibility>"
)
@login_required
def toggle(slug: str, announcement_id: int, visibility: str):
    event = organised_event_or_403(slug)
    item = db.get_or_404(Announcement, announcement_id)
    if item.event_id != event.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    set_hidden(announcement=item, actor=current_user, hidden=visibility == "masquer", now=utcnow())
    db.session.commit()
    realtime.checkin.announcement(event, item)
    return redirect(url_for("checkin.announcements", slug=slug))


@bp.get("/evenements/<slug>/mon-badge")
@login_required
def badge(slug: str):
    event = event_or_404(slug)
    attendee = attendee_for(event, current_user)
    if attendee is None:
        abort(403)
    return _render_badge(event, attendee, SelfCheckinForm())


def _render_badge(event: Event, attendee, form: SelfCheckinForm, status: int = 200):
    today = event_day(event, utcnow())
    return render_template(
        "checkin/badge.html",
        event=event,
        attendee=attendee,
        qr=qr_data_uri(attendee.checkin_code),
        short_code=attendee.checkin_code[:SHORT_CODE],
        form=form,
        can_self_check_in=event.status in CHECKIN_STATUSES
        and event.starts_on <= today <= event.ends_on,
    ), status


@bp.post("/evenements/<slug>/mon-badge/arrivee")
@login_required
def arrived(slug: str):
    """Self check-in with the entrance code of the day."""
    event = event_or_404(slug)
    attendee = attendee_for(event, current_user)
    if attendee is None:
        abort(403)
    form = SelfCheckinForm()
    if not form.validate_on_submit():
        return _render_badge(event, attendee, form, 422)
    try:
        arrival = self_check_in(
            event=event,
            actor=current_user,
            entrance=form.entrance.data,
            secret=current_app.config["SECRET_KEY"],
            now=utcnow(),
        )
    except ServiceError as exc:
        db.session.rollback()
        form.entrance.errors = [message(event, exc)]
        return _render_badge(event, attendee, form, 422)
    _after_checkin(event, arrival)
    flash(_("Welcome! You are checked in. Have good meetings."), "success")
    return redirect(url_for("checkin.badge", slug=slug))
