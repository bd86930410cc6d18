"""Event registration (register, edit, cancel) and the participant directory."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.models import Event, Registration, db
from app.models.base import utcnow
from app.models.enums import RegistrationRole
from app.participant.forms import RegistrationForm
from app.services import ServiceError
from app.services import registrations as svc
from app.services.directory import DirectoryFilters, directory
from app.services.organisations import user_organisations
from app.services.taxonomy import reference_choices
from app.templating import local_time
from app.views import event_or_404, service_message

bp = Blueprint("registration", __name__, url_prefix="/evenements/<slug>")

MESSAGES = {
    "closed-not-open": lambda: _("Registration for this event is not open."),
    "closed-deadline": lambda: _("Registration for this event closed on its deadline."),
    "closed-full": lambda: _("This event is full: no more registrations are accepted."),
    "already-registered": lambda: _(
        "This organisation is already registered for this event (perhaps by a colleague a moment ago). Open its registration from your space to change it."
    ),
    "no-session": lambda: _("Choose at least one session."),
    "representatives": lambda: _("Between 1 and 10 people."),
    "no-attendee": lambda: _("Name at least one person who will attend."),
    "duplicate-attendee": lambda: _("Each person needs their own e-mail address."),
    "foreign-slot": lambda: _("Choose among this event's sessions and slots."),
    "stale": lambda: _(
        "This registration was changed by someone else meanwhile. Here is the current version: apply your changes again."
    ),
    "not-active": lambda: _("This registration is cancelled or rejected."),
    "forbidden": lambda: _("You are not allowed to do this for this organisation."),
}


def message(error: ServiceError) -> str:
    return service_message(MESSAGES, error)


def _form(event: Event, registration: Registration | None, organisations) -> RegistrationForm:
    tz = event.timezone
    slots = [
        (s.id, f"{s.session.name} {local_time(s.starts_at, tz)}–{local_time(s.ends_at, tz)}")
        for s in event.slots
        if not s.blocked
    ]
    form = RegistrationForm(
        obj=registration,
        organisations=[(o.id, o.name) for o in organisations],
        sessions=[(s.id, s.name) for s in event.sessions],
        slots=slots,
    )
    if not form.is_submitted():
        if registration is None:
            form.sessions.data = [s.id for s in event.sessions]
            form.attendees[0].form.name.data = current_user.name
            form.attendees[0].form.email.data = current_user.email
        else:
            form.sessions.data = [s.id for s in registration.sessions]
            form.unavailable.data = [s.id for s in registration.unavailable_slots]
            form.version.data = str(registration.version)
    return form


def _data(form: RegistrationForm, event: Event) -> svc.RegistrationData:
    sessions = [s for s in event.sessions if s.id in set(form.sessions.data)]
    slots = [s for s in event.slots if s.id in set(form.unavailable.data or [])]
    attendees = [
        svc.AttendeeData(e.form.name.data, e.form.email.data, e.form.job_title.data or "")
        for e in form.attendees.entries
        if e.form.name.data and e.form.email.data
    ]
    return svc.RegistrationData(
        sessions=sessions,
        unavailable_slots=slots,
        representatives=form.representatives.data,
        max_meetings=form.max_meetings.data,
        attendees=attendees,
        notes=form.notes.data or "",
    )


@bp.route("/inscription", methods=["GET", "POST"])
@login_required
def register(slug: str):
    event = event_or_404(slug)
    organisations = [
        o for o in user_organisations(current_user) if svc.find_registration(event, o) is None
    ]
    reason = svc.closed_reason(event, now=utcnow())
    if reason or not organisations:
        return render_template(
            "registration/closed.html",
            event=event,
            reason=reason,
            has_organisations=bool(user_organisations(current_user)),
        )
    form = _form(event, None, organisations)
    if form.validate_on_submit():
        organisation = next(o for o in organisations if o.id == form.organisation_id.data)
        try:
            registration = svc.register_organisation(
                event=event,
                organisation=organisation,
                actor=current_user,
                data=_data(form, event),
                now=utcnow(),
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(message(exc), "error")
        except sa.exc.IntegrityError:  # a colleague registered the same organisation just now
            db.session.rollback()
            flash(message(ServiceError("already-registered")), "error")
        else:
            flash(
                _("Your registration is confirmed.")
                if registration.status.value == "approved"
                else _("Your registration is recorded; the organisers will confirm it."),
                "success",
            )
            return redirect(url_for("registration.edit", slug=slug, reg_id=registration.id))
    return render_template("registration/form.html", event=event, form=form, registration=None)


def _own_registration(event: Event, reg_id: int) -> Registration:
    registration = db.get_or_404(Registration, reg_id)
    if registration.event_id != event.id:
        abort(404)
    if registration.organisation.member_role(current_user) is None:
        abort(403)
    return registration


@bp.route("/inscription/<int:reg_id>", methods=["GET", "POST"])
@login_required
def edit(slug: str, reg_id: int):
    event = event_or_404(slug)
    registration = _own_registration(event, reg_id)
    form = _form(event, registration, [registration.organisation])
    form.organisation_id.data = registration.organisation_id
    if form.validate_on_submit():
        try:
            svc.update_registration(
                registration=registration,
                actor=current_user,
                data=_data(form, event),
                now=utcnow(),
                seen_version=int(form.version.data or 0),
            )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(message(exc), "error")
        except sa.orm.exc.StaleDataError:
            db.session.rollback()
            flash(message(ServiceError("stale")), "error")
        else:
            flash(_("Your registration is saved."), "success")
            return redirect(url_for("registration.edit", slug=slug, reg_id=reg_id))
    return render_template(
        "registration/form.html",
        event=event,
        form=form,
        registration=registration,
        confirm=ConfirmForm(),
        closed=svc.closed_reason(event, now=utcnow()) == "deadline",
    )


@bp.post("/inscription/<int:reg_id>/annuler")
@login_required
def cancel(slug: str, reg_id: int):
    event = event_or_404(slug)
    registration = _own_registration(event, reg_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.cancel_registration(registration=registration, actor=current_user)
    except ServiceError as exc:
        flash(message(exc), "error")
    else:
        db.session.commit()
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("participant.dashboard"))


@bp.get("/participants")
@login_required
def participants(slug: str):
    event = event_or_404(slug)
    mine = svc.approved_registration(event, current_user)
    if mine is None and not svc.is_organiser(event, current_user):
        abort(403)
    choices = reference_choices(str(get_locale()))
    # Only known codes filter (any other value, e.g. one holding a NUL, is ignored).
    known = {
        "role": {r.value for r in RegistrationRole},
        "sector": {code for code, _label in choices["sectors"]},
        "use_case": {code for code, _label in choices["use_cases"]},
        "size": {code for code, _label in choices["sizes"]},
    }
    filters = DirectoryFilters(
        **{k: v if (v := request.args.get(k)) in codes else None for k, codes in known.items()}
    )
    return render_template(
        "registration/directory.html",
        event=event,
        filters=filters,
        registrations=directory(event, filters),
        my_registration=mine,
        choices=choices,
    )
