"""Organiser: build the schedule in the background, follow it, review the draft, publish."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.jobs import enqueue_run
from app.models import Event, MeetingRequest, Schedule, ScheduleRun, db
from app.planning.forms import RunForm
from app.services import ServiceError
from app.services.optimiser import publish_schedule, request_cancel, start_run
from app.services.registrations import is_organiser
from app.services.schedules import latest_draft, published_schedule, schedule_meetings

bp = Blueprint("planning", __name__, url_prefix="/organisateur/evenements/<slug>/planning")

MESSAGES = {
    "run-active": lambda: _("A run is already in progress for this event."),
    "no-slots": lambda: _("The event has no meeting slots yet: set up its sessions first."),
    "run-finished": lambda: _("This run has already finished."),
    "not-draft": lambda: _("Only a draft can be published."),
    "run-not-succeeded": lambda: _("This draft comes from a run that did not succeed."),
    "empty-schedule": lambda: _("This draft has no meeting: there is nothing to publish."),
    "published-meanwhile": lambda: _(
        "Another organiser published a schedule at the same moment. Reload the page to see it."
    ),
}


def message(error: ServiceError) -> str:
    return MESSAGES.get(str(error), lambda: _("This action is not possible."))()


def _event(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    if not is_organiser(event, current_user):
        abort(403)
    return event


def _runs(event: Event) -> list[ScheduleRun]:
    return list(
        db.session.scalars(
            sa.select(ScheduleRun)
            .where(ScheduleRun.event_id == event.id)
            .order_by(ScheduleRun.id.desc())
            .limit(10)
        )
    )


@bp.get("/")
@login_required
def index(slug: str):
    event = _event(slug)
    draft, published = latest_draft(event), published_schedule(event)
    runs = _runs(event)
    active = next((r for r in runs if r.status.value in ("queued", "running")), None)
    meetings = schedule_meetings(draft) if draft else []
    return render_template(
        "planning/index.html",
        event=event,
        draft=draft,
        published=published,
        runs=runs,
        active=active,
        form=RunForm(),
        confirm=ConfirmForm(),
        meetings=meetings,
        grid={(m.slot_id, m.table_id): m for m in meetings},
        unscheduled=_unscheduled(draft),
    )


def _unscheduled(draft: Schedule | None) -> list[tuple[str, str, str]]:
    """(party, party, reason) for each request the optimiser left out."""
    if draft is None:
        return []
    rows = []
    for item in draft.stats.get("unscheduled", []):
        key = item["request"]
        request = db.session.get(MeetingRequest, int(key[1:])) if key.startswith("q") else None
        if request is not None:
            names = (
                request.from_registration.organisation.name,
                request.to_registration.organisation.name,
            )
            rows.append((*names, item["reason"]))
    return rows


@bp.post("/lancer")
@login_required
def launch(slug: str):
    event = _event(slug)
    form = RunForm()
    if not form.validate_on_submit():
        flash(_("Give a time limit between 5 and 1800 seconds."), "error")
        return redirect(url_for("planning.index", slug=slug))
    try:
        run = start_run(
            event=event,
            actor=current_user,
            time_limit_s=form.time_limit_s.data,
            workers=current_app.config["SOLVER_WORKERS"],
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        enqueue_run(run)
        flash(_("The optimiser is building the schedule."), "success")
    return redirect(url_for("planning.index", slug=slug))


def _run_of(event: Event, run_id: int) -> ScheduleRun:
    run = db.get_or_404(ScheduleRun, run_id)
    if run.event_id != event.id:
        abort(404)
    return run


@bp.get("/runs/<int:run_id>.json")
@login_required
def run_status(slug: str, run_id: int):
    run = _run_of(_event(slug), run_id)
    return jsonify(
        id=run.id, status=run.status.value, progress=run.progress, stats=run.stats, error=run.error
    )


@bp.post("/runs/<int:run_id>/annuler")
@login_required
def cancel(slug: str, run_id: int):
    run = _run_of(_event(slug), run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        request_cancel(run=run, actor=current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        flash(_("The run will stop in a moment."), "success")
    return redirect(url_for("planning.index", slug=slug))


@bp.post("/versions/<int:schedule_id>/publier")
@login_required
def publish(slug: str, schedule_id: int):
    event = _event(slug)
    schedule = db.get_or_404(Schedule, schedule_id)
    if schedule.event_id != event.id or not ConfirmForm().validate_on_submit():
        abort(404)
    try:
        publish_schedule(schedule=schedule, actor=current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        flash(
            _(
                "Version %(version)d is published: participants see it now.",
                version=schedule.version,
            ),
            "success",
        )
    return redirect(url_for("planning.index", slug=slug))
