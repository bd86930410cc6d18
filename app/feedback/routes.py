"""Feedback after meetings, the organiser's live dashboard and the end-of-event report."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.feedback.charts import dashboard_charts
from app.feedback.forms import FeedbackForm
from app.models import Event, Meeting, Registration, db
from app.models.base import utcnow
from app.models.enums import FeedbackOutcome
from app.realtime import dashboard as live
from app.services import ServiceError
from app.services import report as svc_report
from app.services.feedback import give_feedback, my_registrations, past_meetings
from app.services.live_stats import event_stats
from app.views import event_or_404, organised_event_or_403, service_message

bp = Blueprint("feedback", __name__)

MESSAGES = {
    "forbidden": lambda: _("Only members of the organisations that met can give feedback."),
    "feedback-not-party": lambda: _("You did not take part in this meeting."),
    "feedback-not-published": lambda: _("This meeting is not in the published schedule."),
    "feedback-closed": lambda: _("The event is closed: feedback can no longer be changed."),
    "feedback-cancelled": lambda: _("This meeting was cancelled: there is nothing to rate."),
    "feedback-no-show": lambda: _("This meeting did not take place (no-show)."),
    "feedback-too-early": lambda: _("You can give feedback once the meeting has ended."),
    "feedback-rating": lambda: _("The rating must be between 1 and 5."),
    "feedback-outcome": lambda: _("Choose an outcome."),
    "feedback-comment": lambda: _("The comment is too long."),
}


def _form_for(item) -> FeedbackForm:
    """A form showing my saved feedback, never bound to another form's submission."""
    saved = item.feedback
    return FeedbackForm(
        formdata=None,
        prefix=f"m{item.meeting.id}",
        rating=saved.rating if saved else None,
        outcome=saved.outcome.value if saved else FeedbackOutcome.NONE.value,
        comment=saved.comment if saved else "",
    )


def _page(event: Event, registrations: list[Registration], bound=None):
    now = utcnow()
    sections = []
    for registration in registrations:
        rows = []
        for item in past_meetings(registration, now=now):
            form = bound[1] if bound and bound[0] == item.meeting.id else _form_for(item)
            rows.append((item, form))
        sections.append((registration, rows))
    return render_template("feedback/index.html", event=event, sections=sections)


@bp.get("/evenements/<slug>/retours")
@login_required
def index(slug: str):
    event = event_or_404(slug)
    registrations = my_registrations(event, current_user)
    if not registrations:
        abort(403)
    return _page(event, registrations)


@bp.post("/evenements/<slug>/retours/<int:meeting_id>")
@login_required
def give(slug: str, meeting_id: int):
    event = event_or_404(slug)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.schedule.event_id != event.id:
        abort(404)
    registrations = my_registrations(event, current_user)
    parties = (meeting.registration_a_id, meeting.registration_b_id)
    registration = next((r for r in registrations if r.id in parties), None)
    if registration is None:
        abort(403)
    form = FeedbackForm(prefix=f"m{meeting.id}")
    if form.validate_on_submit():
        try:
            _feedback, created = give_feedback(
                meeting=meeting,
                registration=registration,
                actor=current_user,
                rating=form.rating.data,
                outcome=FeedbackOutcome(form.outcome.data),
                comment=form.comment.data or "",
                now=utcnow(),
            )
        except ServiceError as exc:
            db.session.rollback()
            flash(service_message(MESSAGES, exc), "error")
        else:
            db.session.commit()
            live.feedback_given(event.id)
            flash(
                _("Thank you for your feedback.") if created else _("Feedback updated."), "success"
            )
            return redirect(url_for("feedback.index", slug=slug, _anchor=f"meeting-{meeting.uid}"))
    elif "csrf_token" in form.errors:
        flash(_("The form has expired; please send it again."), "error")
    return _page(event, registrations, bound=(meeting.id, form)), 400


# Organiser dashboard and report.


def _stats(event: Event) -> dict:
    return event_stats(
        event, now=utcnow(), locale=str(get_locale()), unspecified=str(_l("Not specified"))
    )


def _fragments(stats: dict) -> dict[str, str]:
    """The parts of the dashboard drawn on the server, by element id, for live redraws."""
    html = {
        chart.id: render_template("dashboard/_chart.html", chart=chart)
        for chart in dashboard_charts(stats)
    }
    html["dashboard-groups"] = render_template("dashboard/_groups.html", stats=stats)
    return html


@bp.get("/organisateur/evenements/<slug>/tableau-de-bord")
@login_required
def dashboard(slug: str):
    event = organised_event_or_403(slug)
    stats = _stats(event)
    return render_template(
        "dashboard/index.html",
        event=event,
        stats=stats,
        charts=dashboard_charts(stats),
    )


@bp.get("/organisateur/evenements/<slug>/tableau-de-bord.json")
@login_required
def dashboard_json(slug: str):
    event = organised_event_or_403(slug)
    stats = _stats(event)
    response = jsonify(stats=stats, html=_fragments(stats))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/organisateur/evenements/<slug>/rapport")
@login_required
def report(slug: str):
    event = organised_event_or_403(slug)
    stats = _stats(event)
    return render_template(
        "dashboard/report.html",
        event=event,
        stats=stats,
        totals=svc_report.totals(stats),
        charts=dashboard_charts(stats),
        comments=svc_report.meeting_rows(event, commented_only=True),
        outcome_label=svc_report.outcome_label,
        generated_at=utcnow(),
    )


def _csv(text: str, filename: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/organisateur/evenements/<slug>/rapport.csv")
@login_required
def report_csv(slug: str):
    event = organised_event_or_403(slug)
    return _csv(svc_report.summary_csv(_stats(event)), f"bilan-{event.slug}.csv")


@bp.get("/organisateur/evenements/<slug>/rapport-rendez-vous.csv")
@login_required
def report_meetings_csv(slug: str):
    event = organised_event_or_403(slug)
    return _csv(svc_report.meetings_report_csv(event), f"bilan-rendez-vous-{event.slug}.csv")
