"""A participant's agenda for an event (the published schedule), printable."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.models import Registration, db
from app.models.base import utcnow
from app.models.enums import RegistrationStatus
from app.services.agenda import agenda
from app.services.registrations import is_organiser
from app.services.schedules import published_schedule
from app.views import event_or_404

bp = Blueprint("agenda", __name__)


@bp.get("/evenements/<slug>/agenda")
@login_required
def index(slug: str):
    event = event_or_404(slug)
    org_ids = [m.organisation_id for m in current_user.memberships]
    registrations = (
        list(
            db.session.scalars(
                sa.select(Registration).where(
                    Registration.event_id == event.id,
                    Registration.organisation_id.in_(org_ids),
                    Registration.status == RegistrationStatus.APPROVED,
                )
            )
        )
        if org_ids
        else []
    )
    if not registrations:
        abort(403)
    now = utcnow()
    return render_template(
        "agenda/index.html",
        event=event,
        schedule=published_schedule(event),
        agendas=[(r, agenda(r, now=now)) for r in registrations],
        live_event=event.slug,
    )


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
        printing=True,
    )
