"""Meeting requests of a participant: inbox, outbox, suggestions; send, answer, withdraw."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.matchmaking.forms import AnswerForm, RequestForm
from app.models import Event, MeetingRequest, Registration, db
from app.models.base import utcnow
from app.models.enums import RequestPriority, RequestStatus
from app.services import ServiceError
from app.services import requests as svc
from app.services.notifications import deliver_pending, notify
from app.services.recommendations import suggestions_for
from app.views import event_or_404, service_message

bp = Blueprint("matchmaking", __name__, url_prefix="/evenements/<slug>/rendez-vous")

MESSAGES = {
    "request-self": lambda: _("You cannot ask yourself for a meeting."),
    "request-other-event": lambda: _("This participant does not take part in this event."),
    "request-not-approved": lambda: _("Requests are only possible between confirmed participants."),
    "request-same-role": lambda: _("Meetings are between a company and an AI provider."),
    "request-duplicate": lambda: _("You have already sent a request to this participant."),
    "request-declined": lambda: _("This participant has declined your request."),
    "request-too-many": lambda: _(
        "You have reached the maximum number of requests awaiting an answer. Wait for answers or withdraw some."
    ),
    "request-deadline": lambda: _("Meeting requests for this event are closed."),
    "request-answered": lambda: _("This request has already been answered."),
    "request-closed": lambda: _("This request is no longer open."),
    "forbidden": lambda: _("You are not allowed to do this for this organisation."),
}


def message(error: ServiceError) -> str:
    return service_message(MESSAGES, error)


def _my_registration(event: Event) -> Registration:
    """The current user's approved registration at this event (one of their organisations)."""
    org_ids = {m.organisation_id for m in current_user.memberships}
    regs = [
        r
        for r in event.registrations
        if r.organisation_id in org_ids and r.status.value == "approved"
    ]
    wanted = request.values.get("inscription", type=int)
    chosen = next((r for r in regs if r.id == wanted), regs[0] if regs else None)
    if chosen is None:
        abort(403)
    return chosen


def _payload(event: Event, other: Registration, **extra) -> dict:
    return {
        "event_slug": event.slug,
        "event_title": event.title,
        "other": other.organisation.name,
        **extra,
    }


def _expire(event: Event) -> None:
    """Expire overdue requests lazily and tell their senders."""
    expired = svc.expire_requests(event=event, now=utcnow())
    items = [
        n
        for r in expired
        for n in notify(
            organisation=r.from_registration.organisation,
            kind="request_expired",
            payload=_payload(event, r.to_registration),
        )
    ]
    db.session.commit()
    deliver_pending(items)


@bp.get("/")
@login_required
def index(slug: str):
    event = event_or_404(slug)
    me = _my_registration(event)
    _expire(event)
    inbox, outbox = svc.requests_of(me)
    status = request.args.get("statut")
    if status in {s.value for s in RequestStatus}:
        inbox = [r for r in inbox if r.status.value == status]
        outbox = [r for r in outbox if r.status.value == status]
    known = {r.from_registration_id for r in inbox} | {r.to_registration_id for r in outbox}
    suggestions = suggestions_for(me, str(get_locale()), exclude=known)
    return render_template(
        "matchmaking/index.html",
        event=event,
        me=me,
        inbox=inbox,
        outbox=outbox,
        suggestions=suggestions,
        status=status,
        answer_form=AnswerForm(),
        confirm=ConfirmForm(),
        request_form=RequestForm(),
        pending=svc.pending_outgoing(me),
    )


@bp.route("/demander/<int:to_id>", methods=["GET", "POST"])
@login_required
def ask(slug: str, to_id: int):
    event = event_or_404(slug)
    me = _my_registration(event)
    other = db.get_or_404(Registration, to_id)
    form = RequestForm(to_id=str(to_id))
    if form.validate_on_submit():
        try:
            sent = svc.send_request(
                src=me,
                dst=other,
                actor=current_user,
                priority=RequestPriority(form.priority.data),
                message=form.message.data or "",
                now=utcnow(),
            )
            kind = "request_mutual" if sent.mutual else "request_received"
            items = notify(organisation=other.organisation, kind=kind, payload=_payload(event, me))
            if sent.mutual:
                items += notify(
                    organisation=me.organisation, kind=kind, payload=_payload(event, other)
                )
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(message(exc), "error")
        except sa.exc.IntegrityError:  # the same request sent twice at once
            db.session.rollback()
            flash(message(ServiceError("request-duplicate")), "error")
        else:
            deliver_pending(items)
            flash(
                _("Your request has been sent to %(name)s.", name=other.organisation.name)
                if not sent.mutual
                else _(
                    "%(name)s had asked you too: the meeting is accepted.",
                    name=other.organisation.name,
                ),
                "success",
            )
            return redirect(url_for("matchmaking.index", slug=slug, inscription=me.id))
    return render_template("matchmaking/ask.html", event=event, me=me, other=other, form=form)


def _request_of_event(event: Event, request_id: int) -> MeetingRequest:
    item = db.get_or_404(MeetingRequest, request_id)
    if item.event_id != event.id:
        abort(404)
    return item


@bp.post("/demandes/<int:request_id>/repondre")
@login_required
def answer(slug: str, request_id: int):
    event = event_or_404(slug)
    item = _request_of_event(event, request_id)
    form = AnswerForm()
    if not form.validate_on_submit() or form.decision.data not in ("accept", "decline"):
        abort(400)
    accept = form.decision.data == "accept"
    try:
        svc.answer_request(
            request=item,
            actor=current_user,
            accept=accept,
            reason=form.reason.data or "",
            now=utcnow(),
        )
        items = notify(
            organisation=item.from_registration.organisation,
            kind="request_accepted" if accept else "request_declined",
            payload=_payload(event, item.to_registration, reason=item.decline_reason),
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if str(exc) == "forbidden":
            abort(403)
        flash(message(exc), "error")
    else:
        deliver_pending(items)
        flash(_("Request accepted.") if accept else _("Request declined."), "success")
    return redirect(url_for("matchmaking.index", slug=slug, inscription=item.to_registration_id))


@bp.post("/demandes/<int:request_id>/retirer")
@login_required
def withdraw(slug: str, request_id: int):
    event = event_or_404(slug)
    item = _request_of_event(event, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.withdraw_request(request=item, actor=current_user, now=utcnow())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if str(exc) == "forbidden":
            abort(403)
        flash(message(exc), "error")
    else:
        flash(_("Request withdrawn."), "success")
    return redirect(url_for("matchmaking.index", slug=slug, inscription=item.from_registration_id))
