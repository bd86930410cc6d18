"""Organiser workspace (first part): approving registrations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.models import Event, Organisation, Registration, db
from app.services import ServiceError
from app.services.registrations import decide_registration, is_organiser

bp = Blueprint("organiser", __name__, url_prefix="/organisateur")


def _organised_event(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    if not is_organiser(event, current_user):
        abort(403)
    return event


@bp.get("/evenements/<slug>/inscriptions")
@login_required
def registrations(slug: str):
    event = _organised_event(slug)
    rows = db.session.scalars(
        sa.select(Registration)
        .join(Organisation)
        .where(Registration.event_id == event.id)
        .order_by(Registration.status, Organisation.name_key)
    )
    return render_template(
        "organiser/registrations.html", event=event, registrations=list(rows), confirm=ConfirmForm()
    )


@bp.post("/evenements/<slug>/inscriptions/<int:reg_id>/<any(approuver, refuser):decision>")
@login_required
def decide(slug: str, reg_id: int, decision: str):
    event = _organised_event(slug)
    registration = db.get_or_404(Registration, reg_id)
    if registration.event_id != event.id or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        decide_registration(
            registration=registration, actor=current_user, approve=decision == "approuver"
        )
    except ServiceError:
        flash(_("This registration is cancelled."), "error")
    else:
        db.session.commit()
        flash(
            _("Registration of %(name)s updated.", name=registration.organisation.name), "success"
        )
    return redirect(url_for("organiser.registrations", slug=slug))
