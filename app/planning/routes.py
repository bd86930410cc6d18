"""Organiser: build the schedule in the background, follow it, review the draft, publish."""

from __future__ import annotations

import sqlalchemy as sa
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
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

import scheduling
from app import realtime
from app.forms import ConfirmForm
from app.jobs import enqueue_run, resend_pending_publication_mails, send_publication_emails_later
from app.models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Registration,
    Schedule,
    ScheduleRun,
    Slot,
    db,
)
from app.planning.forms import AddMeetingForm, MeetingForm, RunForm, SwapForm
from app.services import ServiceError
from app.services.meeting_edits import (
    add_meeting,
    cancel_meeting,
    editable_draft,
    move_meeting,
    set_locked,
    swap_meetings,
)
from app.services.optimiser import build_problem, request_cancel, start_run
from app.services.publication import publish_schedule
from app.services.recommendations import approved_registrations
from app.services.run_health import reap_dead_runs
from app.services.schedules import (
    latest_draft,
    previous_draft,
    published_schedule,
    schedule_meetings,
    version_stats,
)
from app.services.solver_text import shown_reason, shown_run_error
from app.templating import local_time
from app.views import organised_event_or_403, service_message

bp = Blueprint("planning", __name__, url_prefix="/organisateur/evenements/<slug>/planning")

MESSAGES = {
    "stale": lambda: _(
        "Someone else changed this meeting meanwhile. Here is its current place: apply your change again if it still makes sense."
    ),
    "no-schedule": lambda: _("There is no schedule to edit yet."),
    "slot-blocked": lambda: _("This slot is blocked."),
    "foreign-place": lambda: _("Choose a slot and a table of this event."),
    "not-home-table": lambda: _("In this event, providers receive at their own table: choose it."),
    "bad-pair": lambda: _("A meeting is between a company and an AI provider."),
    "already-meeting": lambda: _("These two participants already have a meeting."),
    "run-active": lambda: _("A run is already in progress for this event."),
    "no-slots": lambda: _("The event has no meeting slots yet: set up its sessions first."),
    "no-slot-left": lambda: _(
        "Every slot of the event has started or is blocked: there is nothing left to plan."
    ),
    "run-finished": lambda: _("This run has already finished."),
    "not-draft": lambda: _(
        "This version is already published or replaced: only the newest draft can be published or edited."
    ),
    "not-newest": lambda: _(
        "A newer draft exists: this one can no longer be published. Review the newest draft, then publish it."
    ),
    "same-meeting": lambda: _("Choose two different meetings to swap."),
    "run-not-succeeded": lambda: _("This draft comes from a run that did not succeed."),
    "empty-schedule": lambda: _("This draft has no meeting: there is nothing to publish."),
    "published-meanwhile": lambda: _(
        "Another organiser published a schedule at the same moment. Reload the page to see it."
    ),
}


def message(error: ServiceError) -> str:
    return service_message(MESSAGES, error)


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
    event = organised_event_or_403(slug)
    reap_dead_runs(event.id)  # a run whose worker was killed shows as failed, not stuck
    resend_pending_publication_mails(event_id=event.id)  # e-mails a killed process lost
    return _review_page(event, swap_first=request.args.get("echanger", type=int))


def _review_page(
    event: Event,
    *,
    swap_form: SwapForm | None = None,
    swap_first: int | None = None,
    swap_ids: tuple[int, int] | None = None,
):
    """The review page; a refused swap is shown again with the organiser's choices kept.

    `swap_first` preselects a meeting; `swap_ids` reselects two meetings at their current
    places (after a stale swap).
    """
    draft, published = latest_draft(event), published_schedule(event)
    runs = _runs(event)
    active = next((r for r in runs if r.status.value in ("queued", "running")), None)
    meetings = schedule_meetings(draft) if draft else []
    if draft is not None and swap_form is None:
        swap_form = _swap_form(event, meetings, formdata=None)
    if swap_form is not None:
        by_id = {m.id: _swap_value(m) for m in meetings}
        if swap_first in by_id:
            swap_form.first.data = by_id[swap_first]
        if swap_ids is not None:
            swap_form.first.data = by_id.get(swap_ids[0], "")
            swap_form.second.data = by_id.get(swap_ids[1], "")
    compared = [s for s in (draft, draft and previous_draft(draft), published) if s is not None]
    return render_template(
        "planning/index.html",
        event=event,
        draft=draft,
        published=published,
        runs=runs,
        shown_error=lambda error: shown_run_error(error, event),
        active=active,
        form=RunForm(),
        confirm=ConfirmForm(),
        meetings=meetings,
        grid={(m.slot_id, m.table_id): m for m in meetings},
        unscheduled=_unscheduled(draft),
        add_form=_add_form(event) if draft else None,
        swap_form=swap_form,
        comparison=version_stats(compared, published),
        live_event=event.slug,
    )


def _swap_value(meeting: Meeting) -> str:
    return f"{meeting.id}:{meeting.slot_id}:{meeting.table_id or ''}"


def _swap_form(event: Event, meetings: list[Meeting], **kwargs) -> SwapForm:
    tz = event.timezone
    choices = [
        (
            _swap_value(m),
            " · ".join(
                part
                for part in (
                    local_time(m.slot.starts_at, tz),
                    m.table.label if m.table else _("no table"),
                    m.registration_a.organisation.name,
                    m.registration_b.organisation.name,
                    _("locked") if m.locked else "",
                )
                if part
            ),
        )
        for m in meetings
        if m.status.value == "scheduled"
    ]
    return SwapForm(meetings=choices, **kwargs)


def _add_form(event: Event) -> AddMeetingForm:
    regs = approved_registrations(event)
    slots, tables = _place_choices(event)
    return AddMeetingForm(
        seekers=[(r.id, r.organisation.name) for r in regs if r.role.value == "seeker"],
        providers=[(r.id, r.organisation.name) for r in regs if r.role.value == "provider"],
        slots=slots,
        tables=tables,
    )


def _unscheduled(draft: Schedule | None) -> list[tuple[str, str, str]]:
    """(party, party, reason) for each request the optimiser left out."""
    if draft is None:
        return []
    items = [i for i in draft.stats.get("unscheduled", []) if i["request"].startswith("q")]
    ids = {int(i["request"][1:]) for i in items if i["request"][1:].isdigit()}
    requests = {
        r.id: r
        for r in db.session.scalars(
            sa.select(MeetingRequest)
            .where(MeetingRequest.id.in_(ids))
            .options(
                selectinload(MeetingRequest.from_registration).selectinload(
                    Registration.organisation
                ),
                selectinload(MeetingRequest.to_registration).selectinload(
                    Registration.organisation
                ),
            )
        )
    }
    rows = []
    for item in items:
        request = requests.get(int(item["request"][1:])) if item["request"][1:].isdigit() else None
        if request is not None:
            names = (
                request.from_registration.organisation.name,
                request.to_registration.organisation.name,
            )
            ids = {
                f"r{request.from_registration_id}": names[0],
                f"r{request.to_registration_id}": names[1],
            }
            rows.append((*names, shown_reason(item["reason"], ids)))
    return rows


@bp.post("/lancer")
@login_required
def launch(slug: str):
    event = organised_event_or_403(slug)
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
    run = _run_of(organised_event_or_403(slug), run_id)
    if run.status.value in ("queued", "running") and reap_dead_runs(run.event_id):
        db.session.refresh(run)
    return jsonify(
        id=run.id,
        status=run.status.value,
        progress=run.progress,
        stats=run.stats,
        error=shown_run_error(run.error, run.event) or None,
    )


@bp.post("/runs/<int:run_id>/annuler")
@login_required
def cancel(slug: str, run_id: int):
    run = _run_of(organised_event_or_403(slug), run_id)
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
    event = organised_event_or_403(slug)
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
        realtime.schedule_published(event, schedule.version)
        sent = send_publication_emails_later(schedule)
        published = _(
            "Version %(version)d is published: participants see it now.", version=schedule.version
        )
        mails = (
            _("The e-mails are being sent.")
            if sent is None
            else ngettext("%(num)d e-mail sent.", "%(num)d e-mails sent.", sent)
        )
        flash(f"{published} {mails}", "success")
    return redirect(url_for("planning.index", slug=slug))


def _place_choices(event: Event) -> tuple[list, list]:
    tz = event.timezone
    slots = [
        (s.id, f"{s.session.name} {local_time(s.starts_at, tz)}")
        for s in event.slots
        if not s.blocked
    ]
    tables = [(t.id, t.label + (f" ({t.zone})" if t.zone else "")) for t in event.tables]
    return slots, tables


def _edit_message(exc: ServiceError) -> str:
    code, _sep, name = str(exc).partition(":")
    if code == "unavailable":
        return _("%(name)s is not available in this slot.", name=name)
    if code == "double-booked":
        return _("%(name)s already has a meeting in this slot.", name=name)
    if code == "table-taken":
        return _("Table %(label)s is already used in this slot.", label=name)
    if code == "locked":
        return _(
            "The meeting %(names)s is locked: unlock it first if you really want to move it.",
            names=name,
        )
    return message(exc)


def _meeting_of(event: Event, meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.schedule.event_id != event.id:
        abort(404)
    return meeting


@bp.route("/rendez-vous/<int:meeting_id>", methods=["GET", "POST"])
@login_required
def meeting(slug: str, meeting_id: int):
    event = organised_event_or_403(slug)
    item = _meeting_of(event, meeting_id)
    slots, tables = _place_choices(event)
    form = MeetingForm(slots=slots, tables=tables)
    if not form.is_submitted():
        form.slot_id.data, form.table_id.data = item.slot_id, item.table_id or 0
        form.seen_slot.data, form.seen_table.data = str(item.slot_id), str(item.table_id or "")
    if form.validate_on_submit():
        seen = (
            int(form.seen_slot.data),
            int(form.seen_table.data) if form.seen_table.data else None,
        )
        try:
            move_meeting(
                meeting=item,
                slot=db.get_or_404(Slot, form.slot_id.data),
                table=db.session.get(MeetingTable, form.table_id.data),
                actor=current_user,
                seen=seen,
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(_edit_message(exc), "error")
            return redirect(url_for("planning.meeting", slug=slug, meeting_id=meeting_id))
        flash(_("The meeting is moved."), "success")
        return redirect(url_for("planning.index", slug=slug))
    return render_template(
        "planning/meeting.html", event=event, meeting=item, form=form, confirm=ConfirmForm()
    )


@bp.post("/echanger")
@login_required
def swap(slug: str):
    """Swap two meetings of the draft: each takes the other's slot and table."""
    event = organised_event_or_403(slug)
    draft = latest_draft(event)
    if draft is None:
        flash(message(ServiceError("no-schedule")), "error")
        return redirect(url_for("planning.index", slug=slug))
    form = _swap_form(event, schedule_meetings(draft))
    if not form.validate_on_submit():  # CSRFProtect has checked the token already
        return _review_page(event, swap_form=form)
    chosen = [SwapForm.parse(f.data) for f in (form.first, form.second)]
    if None in chosen:
        abort(400)
    (first_id, first_seen), (second_id, second_seen) = chosen
    first, second = db.session.get(Meeting, first_id), db.session.get(Meeting, second_id)
    try:
        if first is None or second is None:  # cancelled meanwhile (a draft's rows are deleted)
            raise ServiceError("stale")
        if first.schedule_id != draft.id or second.schedule_id != draft.id:
            raise ServiceError("stale")
        swap_meetings(
            first=first, second=second, actor=current_user, seen=(first_seen, second_seen)
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if str(exc) != "stale":
            flash(_edit_message(exc), "error")
            return _review_page(event, swap_form=form)
        flash(
            _(
                "Someone else changed one of these meetings meanwhile: nothing was swapped. "
                "The form now shows their current places: swap again if it still makes sense."
            ),
            "error",
        )
        return _review_page(
            event,
            swap_form=_swap_form(event, schedule_meetings(draft)),
            swap_ids=(first_id, second_id),
        )
    flash(_("The two meetings are swapped."), "success")
    return redirect(url_for("planning.index", slug=slug))


@bp.post("/rendez-vous/<int:meeting_id>/<any(annuler, verrouiller, deverrouiller):action>")
@login_required
def meeting_action(slug: str, meeting_id: int, action: str):
    event = organised_event_or_403(slug)
    item = _meeting_of(event, meeting_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "annuler":
            seen = (
                request.form.get("seen_slot", type=int),
                request.form.get("seen_table", type=int),
            )
            cancel_meeting(meeting=item, actor=current_user, seen=seen)
        else:
            set_locked(meeting=item, locked=action == "verrouiller", actor=current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(_edit_message(exc), "error")
    else:
        flash(_("The schedule is updated."), "success")
    return redirect(url_for("planning.index", slug=slug))


@bp.post("/brouillon")
@login_required
def edit_published(slug: str):
    """Start editing the published version: a draft copy of it."""
    event = organised_event_or_403(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        editable_draft(event=event, actor=current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    return redirect(url_for("planning.index", slug=slug))


@bp.post("/ajouter")
@login_required
def add(slug: str):
    event = organised_event_or_403(slug)
    form = _add_form(event)
    if not form.validate_on_submit():
        abort(400)
    try:
        draft = editable_draft(event=event, actor=current_user)
        add_meeting(
            schedule=draft,
            a=db.get_or_404(Registration, form.seeker_id.data),
            b=db.get_or_404(Registration, form.provider_id.data),
            slot=db.get_or_404(Slot, form.slot_id.data),
            table=db.session.get(MeetingTable, form.table_id.data),
            actor=current_user,
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(_edit_message(exc), "error")
    else:
        flash(_("The meeting is added (and locked)."), "success")
    return redirect(url_for("planning.index", slug=slug))


@bp.get("/probleme.json")
@login_required
def problem_export(slug: str):
    """The event's scheduling problem in the interchange format (python -m scheduling)."""
    event = organised_event_or_403(slug)
    data = scheduling.problem_to_dict(build_problem(event).problem)
    return _json_download(data, f"{event.slug}-probleme.json")


@bp.get("/versions/<int:schedule_id>/solution.json")
@login_required
def solution_export(slug: str, schedule_id: int):
    """A version's meetings in the interchange format, to check or reproduce it."""
    event = organised_event_or_403(slug)
    schedule = db.get_or_404(Schedule, schedule_id)
    if schedule.event_id != event.id:
        abort(404)
    data = {
        "format": "schedule-solution/1",
        "status": schedule.stats.get("status", "feasible"),
        "meetings": [
            {
                "request": f"q{m.request_id}" if m.request_id else f"m{m.id}",
                "slot": f"s{m.slot_id}",
                **({"table": f"t{m.table_id}"} if m.table_id else {}),
            }
            for m in schedule.meetings
            if m.status.value == "scheduled"
        ],
        "unscheduled": schedule.stats.get("unscheduled", []),
    }
    return _json_download(data, f"{event.slug}-v{schedule.version}-solution.json")


def _json_download(data: dict, filename: str):
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
