"""Event set-up: details and lifecycle, organisers, sessions and slots, tables.

Every URL is keyed by the event slug only; the row a button acts on (session, slot, table,
organiser) travels in the form (or in `?session=` for the edit page).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.eventsetup.forms import (
    EventForm,
    ItemForm,
    OrganiserForm,
    SessionForm,
    SlotForm,
    TableForm,
    TablesForm,
    status_label,
)
from app.eventsetup.messages import fail, message
from app.forms import ConfirmForm
from app.mail import send_email
from app.models import Event, MeetingTable, OrganiserInvitation, Session, Slot, User, db
from app.models.enums import ApprovalMode, EventFormat, EventStatus
from app.models.taxonomy import Sector
from app.services import event_setup as svc
from app.services.taxonomy import by_codes, reference_choices
from app.tokens import make_token
from app.views import organised_event_or_403, row_from_token_or_400

bp = Blueprint("eventsetup", __name__, url_prefix="/organisateur/configuration")


def _row(model, event: Event, item_id: int | None):
    row = db.session.get(model, item_id) if item_id else None
    if row is None or row.event_id != event.id:
        abort(404)
    return row


def _sectors() -> list[tuple[str, str]]:
    return reference_choices(str(get_locale()))["sectors"]


@bp.get("/")
@login_required
def index():
    events = svc.organised_events(current_user)
    if not events and not current_user.is_admin:
        abort(403)
    return render_template("eventsetup/index.html", events=events, status_label=status_label)


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.is_admin:
        abort(403)
    # A new event starts with the default request weights filled in.
    defaults = {f"weight_{key}": svc.DEFAULT_WEIGHTS[key] for key in svc.WEIGHT_KEYS}
    form = EventForm(data=defaults, sectors=_sectors())
    if form.validate_on_submit():
        try:
            event = svc.create_event(data=_event_data(form), actor=current_user)
            db.session.commit()
        except svc.SetupError as exc:
            db.session.rollback()
            fail(form, exc)
        else:
            flash(_("Event created. Now add its sessions."), "success")
            return redirect(url_for("eventsetup.sessions", slug=event.slug))
    return render_template("eventsetup/event_form.html", form=form, event=None)


@bp.route("/evenements/<slug>", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    event = organised_event_or_403(slug)
    initial = _initial(event) if request.method == "GET" else None
    form = EventForm(data=initial, event=event, sectors=_sectors(), moves=svc.status_moves(event))
    if form.validate_on_submit():
        try:
            svc.update_event(
                event=event,
                data=_event_data(form),
                actor=current_user,
                status=EventStatus(form.status.data),
            )
            db.session.commit()
        except svc.SetupError as exc:
            db.session.rollback()
            fail(form, exc)
        else:
            flash(_("Event saved."), "success")
            return redirect(url_for("eventsetup.edit", slug=event.slug))
    return render_template(
        "eventsetup/event_form.html", form=form, event=event, lock=svc.schedule_lock(event)
    )


@bp.route("/evenements/<slug>/organisateurs", methods=["GET", "POST"])
@login_required
def organisers(slug: str):
    event = organised_event_or_403(slug)
    if not current_user.is_admin:
        abort(403)
    form = OrganiserForm()
    if form.validate_on_submit():
        try:
            user = svc.grant_organiser(event=event, email=form.email.data, actor=current_user)
            db.session.commit()
        except svc.SetupError as exc:
            db.session.rollback()
            if exc.code != "no-account":
                fail(form, exc)
            elif _invite_organiser(event, form):
                return redirect(url_for("eventsetup.organisers", slug=slug))
        else:
            flash(_("%(name)s now organises this event.", name=user.name), "success")
            return redirect(url_for("eventsetup.organisers", slug=slug))
    return render_template(
        "eventsetup/organisers.html",
        event=event,
        form=form,
        remove=ItemForm(formdata=None),
        invitations=svc.pending_organiser_invitations(event),
    )


def _invite_organiser(event: Event, form: OrganiserForm) -> bool:
    """No account uses the address: invite it by e-mail (True), or show why not (False)."""
    try:
        invitation = svc.invite_organiser(event=event, email=form.email.data, actor=current_user)
        db.session.commit()
    except svc.SetupError as exc:
        db.session.rollback()
        fail(form, exc)
        return False
    token = make_token("organiser-invitation", invitation.id)
    send_email(
        to=invitation.email,
        template="organiser_invitation",
        locale=current_user.locale,
        inviter=current_user,
        event=event,
        link=url_for("eventsetup.join", token=token, _external=True),
    )
    flash(
        _(
            "No account uses %(email)s yet: an invitation was sent there. The person becomes an "
            "organiser on accepting it, after signing up with this address.",
            email=invitation.email,
        ),
        "success",
    )
    return True


@bp.post("/evenements/<slug>/organisateurs/invitations/retirer")
@login_required
def organiser_invitation_withdraw(slug: str):
    event = organised_event_or_403(slug)
    form = ItemForm()
    if not current_user.is_admin or not form.validate_on_submit():
        abort(403 if not current_user.is_admin else 400)
    invitation = _row(OrganiserInvitation, event, form.item_id.data)
    try:
        svc.withdraw_organiser_invitation(invitation=invitation, actor=current_user)
        db.session.commit()
    except svc.SetupError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("eventsetup.organisers", slug=slug))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    """An invited person accepts to organise the event (logged in with the invited address)."""
    invitation = row_from_token_or_400(OrganiserInvitation, "organiser-invitation", token)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            svc.accept_organiser_invitation(invitation=invitation, user=current_user)
        except svc.SetupError as exc:
            db.session.rollback()
            flash(message(exc), "error")
            return redirect(url_for("participant.dashboard"))
        db.session.commit()
        flash(_("You now organise %(title)s.", title=invitation.event.title), "success")
        return redirect(url_for("eventsetup.edit", slug=invitation.event.slug))
    return render_template("eventsetup/join.html", invitation=invitation, form=form)


@bp.post("/evenements/<slug>/organisateurs/retirer")
@login_required
def organiser_remove(slug: str):
    event = organised_event_or_403(slug)
    form = ItemForm()
    if not current_user.is_admin or not form.validate_on_submit():
        abort(403 if not current_user.is_admin else 400)
    user = db.get_or_404(User, form.item_id.data)
    try:
        svc.revoke_organiser(event=event, user=user, actor=current_user)
        db.session.commit()
    except svc.SetupError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        flash(_("%(name)s no longer organises this event.", name=user.name), "success")
    return redirect(url_for("eventsetup.organisers", slug=slug))


def _sessions_page(event: Event, form: SessionForm, *, session=None, preview=None, status=200):
    return (
        render_template(
            "eventsetup/sessions.html",
            event=event,
            form=form,
            editing=session,
            preview=preview,
            lock=svc.schedule_lock(event),
            slot_form=SlotForm(formdata=None),
            delete=ItemForm(formdata=None),
        ),
        status,
    )


@bp.route("/evenements/<slug>/sessions", methods=["GET", "POST"])
@login_required
def sessions(slug: str):
    event = organised_event_or_403(slug)
    form = SessionForm(data={"day": event.starts_on} if request.method == "GET" else None)
    return _session_submit(event, form, session=None)


@bp.route("/evenements/<slug>/sessions/modifier", methods=["GET", "POST"])
@login_required
def session_edit(slug: str):
    event = organised_event_or_403(slug)
    session = _row(Session, event, request.args.get("session", type=int))
    initial = None
    if request.method == "GET":
        start = svc.utc_to_local(session.starts_at, event.timezone)
        end = svc.utc_to_local(session.ends_at, event.timezone)
        initial = {
            "name": session.name,
            "day": start.date(),
            "start": start.time(),
            "end": end.time(),
        }
    return _session_submit(event, SessionForm(data=initial), session=session)


def _session_submit(event: Event, form: SessionForm, *, session: Session | None):
    """Preview (nothing written) or save a new or edited session."""
    if not form.validate_on_submit():
        return _sessions_page(event, form, session=session)
    values = {
        "event": event,
        "name": form.name.data,
        "day": form.day.data,
        "start": form.start.data,
        "end": form.end.data,
        "session": session,
    }
    try:
        if form.preview.data:
            return _sessions_page(event, form, session=session, preview=svc.plan_session(**values))
        svc.save_session(actor=current_user, **values)
        db.session.commit()
    except svc.SetupError as exc:
        db.session.rollback()
        fail(form, exc)
        return _sessions_page(event, form, session=session)
    flash(_("Session saved; its slots were generated."), "success")
    return redirect(url_for("eventsetup.sessions", slug=event.slug))


@bp.post("/evenements/<slug>/sessions/supprimer")
@login_required
def session_delete(slug: str):
    event = organised_event_or_403(slug)
    form = ItemForm()
    if not form.validate_on_submit():
        abort(400)
    session = _row(Session, event, form.item_id.data)
    try:
        svc.delete_session(event=event, session=session, actor=current_user)
        db.session.commit()
    except svc.SetupError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        flash(_("Session deleted with its slots."), "success")
    return redirect(url_for("eventsetup.sessions", slug=slug))


@bp.post("/evenements/<slug>/creneaux")
@login_required
def slot(slug: str):
    event = organised_event_or_403(slug)
    form = SlotForm()
    if not form.validate_on_submit():
        abort(400)
    slot = _row(Slot, event, form.item_id.data)
    try:
        svc.set_slot_blocked(
            slot=slot, blocked=bool(form.block.data), label=form.label.data, actor=current_user
        )
        db.session.commit()
    except svc.SetupError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        flash(_("Slot blocked.") if slot.blocked else _("Slot open for meetings."), "success")
    return redirect(url_for("eventsetup.sessions", slug=slug) + f"#slot-{slot.id}")


@bp.route("/evenements/<slug>/tables", methods=["GET", "POST"])
@login_required
def tables(slug: str):
    event = organised_event_or_403(slug)
    initial = None
    if request.method == "GET":
        zones = ", ".join(dict.fromkeys(t.zone for t in event.tables if t.zone))
        initial = {"count": len(event.tables), "pattern": "T{n}", "zones": zones}
    form = TablesForm(data=initial)
    if form.validate_on_submit():
        try:
            svc.set_tables(
                event=event,
                count=form.count.data,
                pattern=form.pattern.data,
                zones=form.zone_list(),
                actor=current_user,
            )
            db.session.commit()
        except svc.SetupError as exc:
            db.session.rollback()
            fail(form, exc)
        else:
            flash(_("Tables saved."), "success")
            return redirect(url_for("eventsetup.tables", slug=slug))
    return _tables_page(event, form)


def _tables_page(event: Event, form: TablesForm, *, row: TableForm | None = None):
    return render_template(
        "eventsetup/tables.html",
        event=event,
        form=form,
        row=row,
        delete=ItemForm(formdata=None),
    )


@bp.post("/evenements/<slug>/tables/modifier")
@login_required
def table_edit(slug: str):
    event = organised_event_or_403(slug)
    form = TableForm()
    table = _row(MeetingTable, event, form.item_id.data)
    if form.validate_on_submit():
        try:
            svc.update_table(
                table=table, label=form.label.data, zone=form.zone.data or "", actor=current_user
            )
            db.session.commit()
        except svc.SetupError as exc:
            db.session.rollback()
            fail(form, exc)
        else:
            flash(_("Table %(label)s saved.", label=table.label), "success")
            return redirect(url_for("eventsetup.tables", slug=slug))
    db.session.rollback()
    return _tables_page(
        event, TablesForm(formdata=None, data={"count": len(event.tables)}), row=form
    )


@bp.post("/evenements/<slug>/tables/supprimer")
@login_required
def table_delete(slug: str):
    event = organised_event_or_403(slug)
    form = ItemForm()
    if not form.validate_on_submit():
        abort(400)
    table = _row(MeetingTable, event, form.item_id.data)
    try:
        svc.delete_table(table=table, actor=current_user)
        db.session.commit()
    except svc.SetupError as exc:
        db.session.rollback()
        flash(message(exc), "error")
    else:
        flash(_("Table deleted."), "success")
    return redirect(url_for("eventsetup.tables", slug=slug))


def _initial(event: Event) -> dict:
    """The event form's values for an event, deadlines in its local time."""
    values = {
        name: getattr(event, name)
        for name in (
            "title",
            "slug",
            "description",
            "venue",
            "address",
            "city",
            "timezone",
            "starts_on",
            "ends_on",
            "meeting_minutes",
            "pause_minutes",
            "max_registrations",
            "max_meetings_default",
            "max_pending_requests",
            "request_expiry_hours",
        )
    }
    for name in ("registration_deadline", "request_deadline"):
        value = getattr(event, name)
        values[name] = value and svc.utc_to_local(value, event.timezone)
    values |= {
        "format": event.format.value,
        "approval_mode": event.approval_mode.value,
        "status": event.status.value,
        "sectors": [s.code for s in event.sectors],
    }
    weights = {**svc.DEFAULT_WEIGHTS, **(event.request_weights or {})}
    values |= {f"weight_{key}": weights[key] for key in svc.WEIGHT_KEYS}
    return values


def _event_data(form: EventForm) -> svc.EventData:
    return svc.EventData(
        title=form.title.data,
        slug=form.slug.data or "",
        description=form.description.data or "",
        sectors=by_codes(Sector, form.sectors.data or []),
        venue=form.venue.data or "",
        address=form.address.data or "",
        city=form.city.data or "",
        timezone=form.timezone.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        registration_deadline=form.registration_deadline.data,
        request_deadline=form.request_deadline.data,
        meeting_minutes=form.meeting_minutes.data,
        pause_minutes=form.pause_minutes.data,
        format=EventFormat(form.format.data),
        approval_mode=ApprovalMode(form.approval_mode.data),
        max_registrations=form.max_registrations.data,
        max_meetings_default=form.max_meetings_default.data,
        max_pending_requests=form.max_pending_requests.data,
        request_expiry_hours=form.request_expiry_hours.data,
        request_weights=form.weights(),
    )
