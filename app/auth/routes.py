"""Accounts: sign-up with e-mail confirmation, login/logout, password reset, settings, GDPR."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.forms import (
    AccountForm,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from app.extensions import limiter
from app.i18n import safe_next
from app.mail import send_email
from app.models import User, db
from app.services import ServiceError
from app.services import accounts as svc
from app.tokens import TokenError, make_token, read_token

bp = Blueprint("auth", __name__, url_prefix="/compte")

AUTH_LIMITS = "10 per minute;50 per hour"


def _link(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _send_confirmation(user: User) -> None:
    token = make_token("confirm-email", {"id": user.id, "email": user.email})
    send_email(
        to=user.email,
        template="confirm_email",
        locale=user.locale,
        user=user,
        link=_link("auth.confirm", token=token),
    )


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        result = svc.register_user(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=_current_locale(),
        )
        db.session.commit()
        if result.user is not None:
            _send_confirmation(result.user)
        else:  # Same answer on screen; the owner of the address is told by e-mail.
            send_email(
                to=result.existing.email,
                template="already_registered",
                locale=result.existing.locale,
                user=result.existing,
                login=_link("auth.login"),
                reset=_link("auth.forgot_password"),
            )
        return render_template("auth/check_inbox.html", email=form.email.data)
    return render_template("auth/signup.html", form=form)


@bp.get("/confirmer/<token>")
def confirm(token: str):
    try:
        data = read_token("confirm-email", token)
    except TokenError as exc:
        return render_template("auth/bad_link.html", expired=exc.expired), 400
    user = db.session.get(User, data.get("id"))
    if user is None or user.email != data.get("email"):
        return render_template("auth/bad_link.html", expired=False), 400
    svc.confirm_email(user=user)
    db.session.commit()
    login_user(user)
    flash(_("Your e-mail address is confirmed. Welcome!"), "success")
    return redirect(url_for("participant.dashboard"))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("participant.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = svc.authenticate(email=form.email.data, password=form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail address or password."))
        elif user.email_confirmed_at is None:
            db.session.commit()
            _send_confirmation(user)
            flash(_("Confirm your e-mail address first: we have sent you a new link."), "error")
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(
                safe_next(request.args.get("next"))
                if request.args.get("next")
                else url_for("participant.dashboard")
            )
    return render_template("auth/login.html", form=form)


@bp.post("/deconnexion")
def logout():
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.index"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = svc.find_user_by_email(form.email.data)
        if user is not None:
            token = make_token("reset-password", {"id": user.id, "v": user.session_version})
            send_email(
                to=user.email,
                template="reset_password",
                locale=user.locale,
                user=user,
                link=_link("auth.reset_password", token=token),
            )
        return render_template("auth/check_inbox.html", email=form.email.data, reset=True)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def reset_password(token: str):
    try:
        data = read_token("reset-password", token)
    except TokenError as exc:
        return render_template("auth/bad_link.html", expired=exc.expired), 400
    user = db.session.get(User, data.get("id"))
    if user is None or user.session_version != data.get("v"):  # already used
        return render_template("auth/bad_link.html", expired=False), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        svc.set_new_password(user=user, password=form.password.data)
        svc.confirm_email(user=user)  # the link proved the address
        db.session.commit()
        login_user(user)
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("participant.dashboard"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/parametres", methods=["GET", "POST"])
@login_required
def settings():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.locale = form.locale.data
        current_user.daily_digest = form.daily_digest.data
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.settings"))
    return _settings_page(form=form)


@bp.post("/parametres/email")
@login_required
@limiter.limit(AUTH_LIMITS)
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append(_("Wrong password."))
        else:
            new = form.email.data.strip().lower()
            token = make_token("change-email", {"id": current_user.id, "email": new})
            send_email(
                to=new,
                template="change_email",
                locale=current_user.locale,
                user=current_user,
                link=_link("auth.confirm_email_change", token=token),
            )
            flash(_("We have sent a confirmation link to %(email)s.", email=new), "success")
            return redirect(url_for("auth.settings"))
    return _settings_page(email_form=form), 400


@bp.get("/parametres/email/<token>")
@login_required
def confirm_email_change(token: str):
    try:
        data = read_token("change-email", token)
    except TokenError as exc:
        return render_template("auth/bad_link.html", expired=exc.expired), 400
    if data.get("id") != current_user.id:
        return render_template("auth/bad_link.html", expired=False), 400
    try:
        svc.change_email(user=current_user, new_email=data["email"])
    except ServiceError:
        flash(_("This e-mail address is already used by another account."), "error")
        return redirect(url_for("auth.settings"))
    db.session.commit()
    login_user(current_user._get_current_object())  # new session version: keep this one
    flash(_("Your e-mail address is now %(email)s.", email=current_user.email), "success")
    return redirect(url_for("auth.settings"))


@bp.post("/parametres/mot-de-passe")
@login_required
@limiter.limit(AUTH_LIMITS)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            svc.change_password(
                user=current_user, current=form.current.data, new=form.password.data
            )
        except ServiceError:
            form.current.errors.append(_("Wrong password."))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.settings"))
    return _settings_page(password_form=form), 400


@bp.get("/mes-donnees.json")
@login_required
def export_data():
    data = svc.export_user_data(user=current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=mes-donnees.json"},
    )


@bp.post("/supprimer")
@login_required
@limiter.limit(AUTH_LIMITS)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            svc.delete_account(user=current_user._get_current_object(), password=form.password.data)
        except ServiceError:
            form.password.errors.append(_("Wrong password."))
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account and your personal data have been deleted."), "success")
            return redirect(url_for("public.index"))
    return _settings_page(delete_form=form), 400


def _settings_page(**forms):
    """The settings page with its four forms; the one just submitted keeps its input."""
    defaults = {
        "form": AccountForm(obj=current_user),
        "email_form": ChangeEmailForm(),
        "password_form": ChangePasswordForm(),
        "delete_form": DeleteAccountForm(),
    }
    return render_template("auth/settings.html", **{**defaults, **forms})


def _current_locale() -> str:
    return str(get_locale())
