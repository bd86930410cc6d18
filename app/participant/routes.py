"""A participant's space: dashboard, organisations, profile, members, solutions."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import ConfirmForm
from app.mail import send_email
from app.models import (
    CompanySize,
    HostingOption,
    Invitation,
    Membership,
    Organisation,
    Sector,
    Solution,
    Technology,
    UseCase,
    db,
)
from app.models.base import utcnow
from app.models.enums import Maturity, MemberRole, OrganisationKind, PriceRange
from app.participant.forms import (
    InviteForm,
    OrganisationCreateForm,
    ProfileForm,
    SolutionForm,
)
from app.services import ServiceError
from app.services import organisations as svc
from app.services.notifications import mark_all_read, recent
from app.services.notifications import unread_count as notifications_unread
from app.services.registrations import user_registrations
from app.services.taxonomy import by_codes, reference_choices
from app.tokens import make_token
from app.views import row_from_token_or_400, service_message

bp = Blueprint("participant", __name__, url_prefix="/espace")

MESSAGES = {
    "name-taken": lambda: _(
        "An organisation with this name already exists. If it is yours, ask one of its members to invite you."
    ),
    "forbidden": lambda: _("You are not allowed to do this for this organisation."),
    "logo-too-big": lambda: _("The logo is too big (1 MB at most)."),
    "logo-not-image": lambda: _("The logo must be a PNG, JPEG, WebP or GIF image."),
    "already-member": lambda: _("This person is already a member."),
    "last-owner": lambda: _("The last owner cannot leave: make someone else owner first."),
    "solution-name-taken": lambda: _("You already have a solution with this name."),
    "not-provider": lambda: _("Only AI providers publish solutions."),
    "invitation-used": lambda: _("This invitation has already been used."),
    "invitation-other-email": lambda: _(
        "This invitation was sent to another e-mail address. Log in with that address to accept it."
    ),
}


def message(error: ServiceError) -> str:
    return service_message(MESSAGES, error)


def _member_org(org_id: int, *, owner: bool = False) -> Organisation:
    """Load an organisation the current user belongs to, or answer 404/403."""
    organisation = db.get_or_404(Organisation, org_id)
    try:
        svc.require_member(organisation, current_user, owner=owner)
    except ServiceError:
        abort(403)
    return organisation


@bp.get("/")
@login_required
def dashboard():
    return render_template(
        "participant/dashboard.html",
        organisations=svc.user_organisations(current_user),
        registrations=user_registrations(current_user),
    )


@bp.route("/organisations/nouvelle", methods=["GET", "POST"])
@login_required
def organisation_new():
    form = OrganisationCreateForm()
    if form.validate_on_submit():
        try:
            organisation = svc.create_organisation(
                owner=current_user, name=form.name.data, kind=OrganisationKind(form.kind.data)
            )
        except ServiceError as exc:
            form.name.errors.append(message(exc))
        else:
            db.session.commit()
            flash(_("Your organisation is created. Complete its profile."), "success")
            return redirect(url_for("participant.profile", org_id=organisation.id))
    return render_template("participant/organisation_new.html", form=form)


def _profile_values(form: ProfileForm, organisation: Organisation) -> dict:
    values = {
        name: getattr(form, name).data or None
        for name in ("siren", "size_code", "sector_code", "region_code", "website")
    }
    values.update(
        name=form.name.data,
        description=form.description.data or "",
        languages=form.languages.data or ["fr"],
        catalogue_consent=form.catalogue_consent.data,
        directory_consent=form.directory_consent.data,
    )
    if organisation.kind is OrganisationKind.COMPANY:
        values.update(
            needs=by_codes(UseCase, form.needs.data),
            needs_text=form.needs_text.data or "",
            budget_range=PriceRange(form.budget_range.data) if form.budget_range.data else None,
            timeline=form.timeline.data or None,
        )
    else:
        values["offer_text"] = form.offer_text.data or ""
    return values


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@login_required
def profile(org_id: int):
    organisation = _member_org(org_id)
    form = ProfileForm(obj=organisation, choices=reference_choices(str(get_locale())))
    if not form.is_submitted():
        form.needs.data = [u.code for u in organisation.needs]
        form.budget_range.data = (
            organisation.budget_range.value if organisation.budget_range else ""
        )
    if form.validate_on_submit():
        try:
            svc.update_profile(
                organisation=organisation,
                actor=current_user,
                values=_profile_values(form, organisation),
            )
            if form.logo.data:
                svc.store_logo(
                    organisation=organisation,
                    data=form.logo.data.read(),
                    upload_dir=Path(current_app.config["UPLOAD_DIR"]),
                )
        except ServiceError as exc:
            db.session.rollback()
            field = form.logo if str(exc).startswith("logo") else form.name
            field.errors.append(message(exc))
        else:
            db.session.commit()
            flash(_("The profile is saved."), "success")
            return redirect(url_for("participant.profile", org_id=organisation.id))
    return render_template("participant/profile.html", form=form, organisation=organisation)


@bp.get("/logos/<int:org_id>")
def logo(org_id: int):
    organisation = db.get_or_404(Organisation, org_id)
    if not organisation.logo_path:
        abort(404)
    folder = Path(current_app.config["UPLOAD_DIR"]) / "logos"
    response = send_from_directory(folder, organisation.logo_path, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/organisations/<int:org_id>/membres", methods=["GET", "POST"])
@login_required
def members(org_id: int):
    organisation = _member_org(org_id, owner=request.method == "POST")
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = svc.invite_member(
                organisation=organisation,
                email=form.email.data,
                role=MemberRole(form.role.data),
                actor=current_user,
            )
        except ServiceError as exc:
            form.email.errors.append(message(exc))
        else:
            db.session.commit()
            link = url_for(
                "participant.join", token=make_token("invitation", invitation.id), _external=True
            )
            send_email(
                to=invitation.email,
                template="invitation",
                locale=current_user.locale,
                inviter=current_user,
                organisation=organisation,
                link=link,
            )
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("participant.members", org_id=org_id))
    return render_template(
        "participant/members.html",
        organisation=organisation,
        form=form,
        confirm=ConfirmForm(),
        is_owner=organisation.member_role(current_user) is MemberRole.OWNER,
    )


@bp.post("/organisations/<int:org_id>/membres/<int:membership_id>/retirer")
@login_required
def member_remove(org_id: int, membership_id: int):
    organisation = _member_org(org_id)
    membership = db.get_or_404(Membership, membership_id)
    if membership.organisation_id != organisation.id or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.remove_member(organisation=organisation, membership=membership, actor=current_user)
    except ServiceError as exc:
        flash(message(exc), "error")
    else:
        db.session.commit()
        flash(_("The member has been removed."), "success")
    return redirect(url_for("participant.dashboard"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    invitation = row_from_token_or_400(Invitation, "invitation", token)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            svc.accept_invitation(invitation=invitation, user=current_user)
        except ServiceError as exc:
            flash(message(exc), "error")
            return redirect(url_for("participant.dashboard"))
        db.session.commit()
        flash(_("You are now a member of %(name)s.", name=invitation.organisation.name), "success")
        return redirect(url_for("participant.profile", org_id=invitation.organisation_id))
    return render_template("participant/join.html", invitation=invitation, form=form)


def _solution_values(form: SolutionForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "summary": form.summary.data.strip(),
        "description": form.description.data or "",
        "use_cases": by_codes(UseCase, form.use_cases.data),
        "sectors": by_codes(Sector, form.sectors.data),
        "sizes": by_codes(CompanySize, form.sizes.data),
        "hosting": by_codes(HostingOption, form.hosting.data),
        "technologies": by_codes(Technology, form.technologies.data),
        "maturity": Maturity(form.maturity.data),
        "price_range": PriceRange(form.price_range.data) if form.price_range.data else None,
        "customer_references": form.customer_references.data or "",
        "published": form.published.data,
    }


@bp.route(
    "/organisations/<int:org_id>/solutions/nouvelle",
    methods=["GET", "POST"],
    defaults={"solution_id": None},
)
@bp.route("/organisations/<int:org_id>/solutions/<int:solution_id>", methods=["GET", "POST"])
@login_required
def solution_edit(org_id: int, solution_id: int | None):
    organisation = _member_org(org_id)
    if organisation.kind is not OrganisationKind.PROVIDER:
        abort(404)
    solution = db.get_or_404(Solution, solution_id) if solution_id else None
    if solution is not None and solution.provider_id != organisation.id:
        abort(404)
    choices = reference_choices(str(get_locale()))
    form = SolutionForm(obj=solution, choices=choices)
    if solution is not None and not form.is_submitted():
        for name in ("use_cases", "sectors", "sizes", "hosting", "technologies"):
            getattr(form, name).data = [item.code for item in getattr(solution, name)]
        form.maturity.data = solution.maturity.value
        form.price_range.data = solution.price_range.value if solution.price_range else ""
    if form.validate_on_submit():
        try:
            svc.save_solution(
                organisation=organisation,
                solution=solution,
                actor=current_user,
                values=_solution_values(form),
            )
        except ServiceError as exc:
            form.name.errors.append(message(exc))
        else:
            db.session.commit()
            flash(_("The solution is saved."), "success")
            return redirect(url_for("participant.profile", org_id=org_id))
    return render_template(
        "participant/solution_form.html",
        form=form,
        organisation=organisation,
        solution=solution,
        confirm=ConfirmForm(),
    )


@bp.post("/organisations/<int:org_id>/solutions/<int:solution_id>/supprimer")
@login_required
def solution_delete(org_id: int, solution_id: int):
    organisation = _member_org(org_id)
    solution = db.get_or_404(Solution, solution_id)
    if solution.provider_id != organisation.id or not ConfirmForm().validate_on_submit():
        abort(404)
    svc.delete_solution(solution=solution, actor=current_user)
    db.session.commit()
    flash(_("The solution has been deleted."), "success")
    return redirect(url_for("participant.profile", org_id=org_id))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    form = ConfirmForm()
    if form.validate_on_submit():
        mark_all_read(user=current_user, now=utcnow())
        db.session.commit()
        return redirect(url_for("participant.notifications"))
    return render_template("participant/notifications.html", items=recent(current_user), form=form)


@bp.get("/notifications/non-lues.json")
@login_required
def unread_count():
    return jsonify(unread=notifications_unread(current_user))
