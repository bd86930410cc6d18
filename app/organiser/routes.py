"""Organiser workspace (first part): approving registrations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.matchmaking.forms import FillGapsForm, OnBehalfForm
from app.matchmaking.routes import message as request_message
from app.models import Event, Organisation, Registration, db
from app.models.base import utcnow
from app.models.enums import RegistrationRole
from app.services import ServiceError
from app.services.matchmaking_admin import (
    add_on_behalf,
    fill_gaps,
    request_matrix,
    request_stats,
)
from app.services.recommendations import approved_registrations
from app.services.registrations import decide_registration
from app.views import organised_event_or_403

bp = Blueprint("organiser", __name__, url_prefix="/organisateur")


@bp.get("/evenements/<slug>/inscriptions")
@login_required
def registrations(slug: str):
    event = organised_event_or_403(slug)
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
    event = organised_event_or_403(slug)
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


def _choices(event: Event, role: RegistrationRole) -> list[tuple[int, str]]:
    regs = [r for r in approved_registrations(event) if r.role is role]
    return sorted(((r.id, r.organisation.name) for r in regs), key=lambda item: item[1].lower())


@bp.get("/evenements/<slug>/demandes")
@login_required
def requests(slug: str):
    event = organised_event_or_403(slug)
    return render_template(
        "organiser/requests.html",
        event=event,
        stats=request_stats(event),
        behalf=OnBehalfForm(
            seekers=_choices(event, RegistrationRole.SEEKER),
            providers=_choices(event, RegistrationRole.PROVIDER),
        ),
        gaps=FillGapsForm(),
    )


@bp.post("/evenements/<slug>/demandes/ajouter")
@login_required
def add_meeting(slug: str):
    event = organised_event_or_403(slug)
    form = OnBehalfForm(
        seekers=_choices(event, RegistrationRole.SEEKER),
        providers=_choices(event, RegistrationRole.PROVIDER),
    )
    if not form.validate_on_submit():
        abort(400)
    seeker = db.get_or_404(Registration, form.seeker_id.data)
    provider = db.get_or_404(Registration, form.provider_id.data)
    try:
        add_on_behalf(
            event=event, seeker=seeker, provider=provider, actor=current_user, now=utcnow()
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(request_message(exc), "error")
    else:
        flash(
            _(
                "Meeting added between %(a)s and %(b)s.",
                a=seeker.organisation.name,
                b=provider.organisation.name,
            ),
            "success",
        )
    return redirect(url_for("organiser.requests", slug=slug))


@bp.post("/evenements/<slug>/demandes/combler")
@login_required
def fill(slug: str):
    event = organised_event_or_403(slug)
    form = FillGapsForm()
    if not form.validate_on_submit():
        abort(400)
    created = fill_gaps(
        event=event,
        actor=current_user,
        min_accepted=form.min_accepted.data,
        mode=form.mode.data,
        now=utcnow(),
    )
    db.session.commit()
    flash(
        ngettext("%(num)d request created.", "%(num)d requests created.", len(created)), "success"
    )
    return redirect(url_for("organiser.requests", slug=slug))


@bp.get("/evenements/<slug>/demandes/matrice")
@login_required
def matrix(slug: str):
    event = organised_event_or_403(slug)
    return render_template("organiser/matrix.html", event=event, matrix=request_matrix(event))
