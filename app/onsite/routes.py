"""On site: a participant's page (no-shows, offers, walk-ins) and the organisers' absences."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.jobs import queue_rebooking, rebook_now
from app.models import Event, Meeting, Registration, Slot, db
from app.models.base import utcnow
from app.models.schedule import RebookingOffer
from app.onsite.forms import WalkInForm
from app.realtime import onsite as push
from app.services import ServiceError
from app.services.onsite import (
    book_walk_in,
    can_report,
    can_walk_in,
    free_slots,
    local_hhmm,
    mark_absent,
    mark_present,
    remaining_meetings,
    report_no_show,
    upcoming_meetings,
    walk_in_partners,
)
from app.services.rebooking import (
    answer_offer,
    expire_offers,
    offer_counts,
    offers_for,
    offers_for_event,
    propose_offers,
    rebooked_meetings,
)
from app.services.recommendations import approved_registrations
from app.services.registrations import approved_registration
from app.services.schedules import published_schedule
from app.templating import long_date
from app.views import event_or_404, organised_event_or_403

bp = Blueprint("onsite", __name__)
log = logging.getLogger(__name__)

MESSAGES = {
    "no-schedule": lambda a: _("The schedule is not published yet."),
    "not-participant": lambda a: _("This organisation does not take part in the event."),
    "already-absent": lambda a: _("This participant is already marked absent."),
    "not-absent": lambda a: _("This participant is not marked absent."),
    "not-published": lambda a: _("This meeting is not in the published schedule."),
    "not-scheduled": lambda a: _("This meeting is no longer planned: nothing to report."),
    "too-early": lambda a: _("You can report a no-show from 5 minutes after the start."),
    "not-checked-in": lambda a: _("Check in at the reception first to book a meeting on the spot."),
    "other-not-here": lambda a: _("%(name)s has not checked in or is absent.", name=a),
    "bad-pair": lambda a: _("A meeting is between a company and an AI provider."),
    "slot-started": lambda a: _("This slot has already started: choose a later one."),
    "slot-blocked": lambda a: _("This slot is blocked."),
    "absent": lambda a: _("%(name)s is marked absent.", name=a),
    "unavailable": lambda a: _("%(name)s is not available at this time.", name=a),
    "busy": lambda a: _("%(name)s already has a meeting at this time.", name=a),
    "max-meetings": lambda a: _("%(name)s has reached its maximum number of meetings.", name=a),
    "already-meeting": lambda a: _("You already have a meeting with this participant."),
    "no-table": lambda a: _("No table is free at this time: choose another slot."),
    "home-table-taken": lambda a: _("Table %(label)s is taken at this time.", label=a),
    "table-taken": lambda a: _(
        "Someone booked this table at the same moment: choose another slot."
    ),
    "offer-accepted": lambda a: _("This proposal was already accepted."),
    "offer-declined": lambda a: _("This proposal was declined."),
    "offer-expired": lambda a: _("This proposal has expired."),
    "foreign": lambda a: _("Choose a participant and a slot of this event."),
}


def message(error: ServiceError | str) -> str:
    code, _sep, arg = str(error).partition(":")
    found = MESSAGES.get(code)
    return found(arg) if found else _("This action is not possible.")


def _my_registration(event: Event) -> Registration:
    registration = approved_registration(event, current_user)
    if registration is None:
        abort(403)
    return registration


def _slot_label(slot: Slot, event: Event) -> str:
    times = f"{local_hhmm(slot.starts_at, event)}–{local_hhmm(slot.ends_at, event)}"
    if event.starts_on == event.ends_on:
        return times
    return f"{long_date(slot.starts_at, event.timezone)} {times}"


def _walk_in_form(registration: Registration, now) -> WalkInForm:
    """The walk-in form; on a POST it holds what was chosen."""
    event = registration.event
    return WalkInForm(
        partners=[(r.id, r.organisation.name) for r in walk_in_partners(registration)],
        slots=[(s.id, _slot_label(s, event)) for s in free_slots(registration, now)],
    )


def _render_index(event: Event, registration: Registration, now, form=None, status=200):
    touched = expire_offers(event=event, now=now)
    if touched:
        db.session.commit()
    ready = can_walk_in(registration)
    page = render_template(
        "onsite/index.html",
        event=event,
        registration=registration,
        schedule=published_schedule(event),
        meetings=upcoming_meetings(registration, now),
        reportable={m.id for m in upcoming_meetings(registration, now) if can_report(m, now)},
        offers=offers_for(registration, now),
        form=form or (_walk_in_form(registration, now) if ready else None),
        can_walk_in=ready,
        confirm=ConfirmForm(),
        now=now,
        live_event=event.slug,
    )
    return page, status


@bp.get("/evenements/<slug>/sur-place")
@login_required
def index(slug: str):
    event = event_or_404(slug)
    return _render_index(event, _my_registration(event), utcnow())


def _rebook(event: Event) -> None:
    """After an absence: offer the freed places (a worker's job with REDIS_URL, else here
    within the bounded time; see docs/on-site.md)."""
    if not queue_rebooking(event.id, None):
        rebook_now(event.id, None)


@bp.post("/evenements/<slug>/sur-place/rendez-vous/<int:meeting_id>/absent")
@login_required
def report(slug: str, meeting_id: int):
    event = event_or_404(slug)
    _my_registration(event)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.schedule.event_id != event.id or not ConfirmForm().validate_on_submit():
        abort(404 if meeting.schedule.event_id != event.id else 400)
    try:
        change = report_no_show(meeting=meeting, actor=current_user, now=utcnow())
    except ServiceError as exc:
        db.session.rollback()
        flash(message(exc), "error")
        return redirect(url_for("onsite.index", slug=slug))
    db.session.commit()
    push.changed(change, kind="no_show")
    flash(_("Thank you: the no-show is recorded."), "success")
    if change.absent is not None:
        _rebook(event)
    return redirect(url_for("onsite.index", slug=slug))


@bp.post("/evenements/<slug>/sur-place/propositions/<int:offer_id>/<decision>")
@login_required
def answer(slug: str, offer_id: int, decision: str):
    event = event_or_404(slug)
    _my_registration(event)
    offer = db.get_or_404(RebookingOffer, offer_id)
    if offer.event_id != event.id or decision not in ("accepter", "refuser"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change, outcome = answer_offer(
            offer=offer, actor=current_user, accept=decision == "accepter", now=utcnow()
        )
    except ServiceError as exc:
        db.session.rollback()
        if str(exc) == "forbidden":
            abort(403)
        flash(message(exc), "error")
        return redirect(url_for("onsite.index", slug=slug))
    db.session.commit()
    push.changed(change, kind="offer")
    if outcome == "confirmed":
        flash(_("Both sides accepted: the meeting is in your agenda."), "success")
    elif outcome == "waiting":
        flash(_("Accepted: the meeting is added as soon as the other side accepts."), "success")
    elif outcome == "declined":
        flash(_("Proposal declined."), "success")
    else:
        reason = outcome.partition(":")[2]
        flash(_("This meeting is no longer possible: %(why)s", why=message(reason)), "error")
    return redirect(url_for("onsite.index", slug=slug))


@bp.post("/evenements/<slug>/sur-place/sans-rendez-vous")
@login_required
def walk_in(slug: str):
    event = event_or_404(slug)
    registration = _my_registration(event)
    now = utcnow()
    if not can_walk_in(registration):
        flash(message("not-checked-in"), "error")
        return redirect(url_for("onsite.index", slug=slug))
    form = _walk_in_form(registration, now)
    if not form.validate_on_submit():
        return _render_index(event, registration, now, form=form, status=422)
    other = db.session.get(Registration, form.partner_id.data)
    slot = db.session.get(Slot, form.slot_id.data)
    try:
        change = book_walk_in(
            booker=registration, other=other, slot=slot, actor=current_user, now=now
        )
    except ServiceError as exc:
        db.session.rollback()
        form = _walk_in_form(db.session.get(Registration, registration.id), now)
        field = form.slot_id if str(exc).startswith(SLOT_ERRORS) else form.partner_id
        field.errors = [message(exc)]
        return _render_index(event, registration, now, form=form, status=422)
    db.session.commit()
    push.changed(change, kind="walk_in")
    flash(_("Meeting booked: it is in both agendas."), "success")
    return redirect(url_for("onsite.index", slug=slug))


SLOT_ERRORS = ("slot-", "no-table", "home-table-taken", "table-taken")


# Organisers


@bp.get("/organisateur/evenements/<slug>/absences")
@login_required
def absences(slug: str):
    event = organised_event_or_403(slug)
    now = utcnow()
    registrations = sorted(approved_registrations(event), key=lambda r: r.organisation.name.lower())
    if expire_offers(event=event, now=now):
        db.session.commit()
    return render_template(
        "onsite/absences.html",
        event=event,
        registrations=registrations,
        remaining=remaining_meetings(event, now),
        pending=offers_for_event(event, now),
        counts=offer_counts(event),
        rebooked=rebooked_meetings(event),
        schedule=published_schedule(event),
        confirm=ConfirmForm(),
        live_event=event.slug,
    )


@bp.post("/organisateur/evenements/<slug>/absences/<int:reg_id>/<action>")
@login_required
def set_absence(slug: str, reg_id: int, action: str):
    event = organised_event_or_403(slug)
    registration = db.get_or_404(Registration, reg_id)
    if registration.event_id != event.id or action not in ("absent", "present"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "absent":
            change = mark_absent(registration=registration, actor=current_user, now=utcnow())
        else:
            change = mark_present(registration=registration, actor=current_user, now=utcnow())
    except ServiceError as exc:
        db.session.rollback()
        flash(message(exc), "error")
        return redirect(url_for("onsite.absences", slug=slug))
    db.session.commit()
    push.changed(change, kind=action)
    name = registration.organisation.name
    if action == "absent":
        n = len(change.cancelled)
        flash(
            ngettext(
                "%(name)s is absent: %(num)d meeting cancelled.",
                "%(name)s is absent: %(num)d meetings cancelled.",
                n,
                name=name,
            ),
            "success",
        )
        _rebook(event)
    else:
        _flash_present(name, change)
    return redirect(url_for("onsite.absences", slug=slug))


def _flash_present(name: str, change) -> None:
    restored = len(change.restored)
    if restored:
        text = ngettext(
            "%(name)s is present again: %(num)d meeting restored.",
            "%(name)s is present again: %(num)d meetings restored.",
            restored,
            name=name,
        )
    else:
        text = _("%(name)s is present again.", name=name)
    if change.not_restored:
        text += " " + ngettext(
            "%(num)d cancelled meeting could not be restored: the other side or the place is "
            "no longer free.",
            "%(num)d cancelled meetings could not be restored: the other side or the place is "
            "no longer free.",
            change.not_restored,
        )
    flash(text, "success")


@bp.post("/organisateur/evenements/<slug>/absences/reoptimiser")
@login_required
def rebook(slug: str):
    event = organised_event_or_403(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if queue_rebooking(event.id, current_user.id):
        flash(_("Rebooking started: new proposals will appear here within seconds."), "success")
        return redirect(url_for("onsite.absences", slug=slug))
    try:
        change = propose_offers(event=event, actor=current_user, now=utcnow())
    except ServiceError as exc:
        db.session.rollback()
        flash(message(exc), "error")
        return redirect(url_for("onsite.absences", slug=slug))
    db.session.commit()
    push.changed(change, kind="offers")
    n = len(change.offers)
    flash(
        ngettext(
            "Rebooking done: %(num)d new proposal.", "Rebooking done: %(num)d new proposals.", n
        ),
        "success",
    )
    return redirect(url_for("onsite.absences", slug=slug))
