"""Calendar feeds (token in the URL, no login), "my calendars", organiser exports and prints."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.models import Attendee, Event, Registration, db
from app.models.base import utcnow
from app.models.enums import RegistrationStatus
from app.services import ServiceError, exports
from app.services import calendar as ics
from app.services.registrations import user_registrations
from app.templating import optional_url
from app.views import organised_event_or_403

bp = Blueprint("calendar", __name__)

ICS_MIMETYPE = "text/calendar"  # Werkzeug adds "; charset=utf-8" to text types


def _host() -> str:
    return ics.calendar_host(current_app.config.get("SERVER_NAME"))


def _agenda_url(event: Event) -> str:
    """The participant's agenda page when the app has one, else the event page."""
    return optional_url("agenda.index", slug=event.slug, _external=True) or url_for(
        "public.event", slug=event.slug, _external=True
    )


def feed_urls(token: str) -> tuple[str, str]:
    """The https (download) and webcal:// (subscription) URLs of a calendar token."""
    url = url_for("calendar.feed", token=token, _external=True)
    return url, "webcal://" + url.split("://", 1)[1]


def _ics_response(calendar, filename: str) -> Response:
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    response = Response(calendar.to_ical(), mimetype=ICS_MIMETYPE)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/calendrier/<token>.ics")
def feed(token: str):
    found = ics.find_feed(token)
    if found is None:
        abort(404)
    event = found.registration.event
    calendar = ics.participant_calendar(
        feed=found, now=utcnow(), host=_host(), agenda_url=_agenda_url(event)
    )
    return _ics_response(calendar, f"{event.slug}.ics")


@bp.get("/calendrier")
@login_required
def mine():
    registrations = [
        r
        for r in user_registrations(current_user)
        if r.status in (RegistrationStatus.APPROVED, RegistrationStatus.PENDING)
    ]
    return render_template(
        "calendar/mine.html", registrations=registrations, feed_urls=feed_urls, form=ConfirmForm()
    )


@bp.post("/calendrier/inscriptions/<int:reg_id>/nouveau-lien")
@login_required
def regenerate(reg_id: int):
    registration = db.get_or_404(Registration, reg_id)
    attendee = None
    if attendee_id := request.form.get("attendee", type=int):
        attendee = db.get_or_404(Attendee, attendee_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        ics.regenerate_calendar_token(
            registration=registration, attendee=attendee, actor=current_user
        )
    except ServiceError:
        abort(403)
    db.session.commit()
    flash(_("New calendar link created: the previous link no longer works."), "success")
    return redirect(url_for("calendar.mine"))


@bp.get("/organisateur/evenements/<slug>/calendrier.ics")
@login_required
def organiser_feed(slug: str):
    event = organised_event_or_403(slug)
    calendar = ics.organiser_calendar(
        event=event, now=utcnow(), locale=str(get_locale()), host=_host()
    )
    return _ics_response(calendar, f"{event.slug}-organisation.ics")


@bp.get("/organisateur/evenements/<slug>/exports")
@login_required
def exports_index(slug: str):
    event = organised_event_or_403(slug)
    return render_template(
        "calendar/exports.html",
        event=event,
        schedule=exports.export_schedule(event),
        schedule_label=exports.schedule_label,
    )


def _requested_schedule(event: Event):
    version = request.args.get("version", type=int)
    schedule = exports.export_schedule(event, version)
    if version is not None and schedule is None:
        abort(404)
    return schedule


def _csv_response(text: str, filename: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/organisateur/evenements/<slug>/exports/rendez-vous.csv")
@login_required
def meetings_export(slug: str):
    event = organised_event_or_403(slug)
    schedule = _requested_schedule(event)
    suffix = f"-v{schedule.version}" if schedule is not None else ""
    return _csv_response(
        exports.meetings_csv(event, schedule), f"rendez-vous-{event.slug}{suffix}.csv"
    )


@bp.get("/organisateur/evenements/<slug>/exports/inscriptions.csv")
@login_required
def registrations_export(slug: str):
    event = organised_event_or_403(slug)
    return _csv_response(exports.registrations_csv(event), f"inscriptions-{event.slug}.csv")


@bp.get("/organisateur/evenements/<slug>/impressions/tables")
@login_required
def table_sheets(slug: str):
    event = organised_event_or_403(slug)
    schedule = _requested_schedule(event)
    return render_template(
        "calendar/table_sheets.html",
        event=event,
        schedule=schedule,
        sheets=exports.table_sheets(event, schedule),
        schedule_label=exports.schedule_label,
    )


@bp.get("/organisateur/evenements/<slug>/impressions/badges")
@login_required
def badges(slug: str):
    event = organised_event_or_403(slug)
    return render_template("calendar/badges.html", event=event, badges=exports.badges(event))
