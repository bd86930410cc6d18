"""A participant's agenda for an event (the published schedule), printable, with private notes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.agenda.forms import NoteForm
from app.models import Event, Registration, db
from app.models.base import utcnow
from app.models.enums import RegistrationStatus
from app.services import ServiceError
from app.services.agenda import NOTE_MAX_LENGTH, agenda, notes_of, save_note
from app.services.registrations import is_organiser
from app.services.schedules import published_schedule
from app.views import event_or_404

bp = Blueprint("agenda", __name__)


def _my_registrations(event: Event) -> list[Registration]:
    """The current user's approved registrations at the event (one per organisation)."""
    org_ids = [m.organisation_id for m in current_user.memberships]
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


def _agenda_page(event: Event, registrations: list[Registration], failed: NoteForm | None = None):
    """The agenda; `failed` is a refused note form, shown again with its text and error."""
    now = utcnow()
    return render_template(
        "agenda/index.html",
        event=event,
        schedule=published_schedule(event),
        agendas=[(r, agenda(r, now=now)) for r in registrations],
        notes={r.id: notes_of(r) for r in registrations},
        failed=failed,
        note_max=NOTE_MAX_LENGTH,
        live_event=event.slug,
    )


@bp.get("/evenements/<slug>/agenda")
@login_required
def index(slug: str):
    event = event_or_404(slug)
    registrations = _my_registrations(event)
    if not registrations:
        abort(403)
    return _agenda_page(event, registrations)


@bp.post("/evenements/<slug>/agenda/notes")
@login_required
def note(slug: str):
    """Save the user's organisation's private note on one of its meetings."""
    event = event_or_404(slug)
    registrations = _my_registrations(event)
    form = NoteForm()
    registration = next(
        (r for r in registrations if str(r.id) == (form.registration_id.data or "")), None
    )
    if registration is None:
        abort(403)
    if not form.validate_on_submit():
        if form.text.errors:  # too long: shown again with the text and the limit
            return _agenda_page(event, registrations, failed=form)
        abort(400)
    try:
        saved = save_note(
            registration=registration,
            meeting_uid=form.meeting_uid.data,
            text=form.text.data or "",
            actor=current_user,
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if str(exc) == "not-found":
            abort(404)
        abort(403)
    flash(_("Your note is saved.") if saved else _("Your note is deleted."), "success")
    anchor = f"note-{registration.id}-{form.meeting_uid.data}"
    return redirect(url_for("agenda.index", slug=slug, _anchor=anchor))


@bp.get("/organisateur/evenements/<slug>/agendas")
@login_required
def print_all(slug: str):
    """Every participant's agenda, one page each, for printing."""
    event = event_or_404(slug)
    if not is_organiser(event, current_user):
        abort(403)
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.APPROVED
        )
        .order_by(Registration.id)
    )
    now = utcnow()
    return render_template(
        "agenda/index.html",
        event=event,
        schedule=published_schedule(event),
        agendas=[(r, agenda(r, now=now)) for r in registrations],
        notes={},  # notes are private to each participant: never on the organisers' print
        printing=True,
    )
