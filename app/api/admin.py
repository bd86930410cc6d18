"""Organiser pages: create API tokens for an event (shown once) and revoke them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api.forms import TokenForm
from app.forms import ConfirmForm
from app.models import ApiToken, Event, db
from app.models.base import utcnow
from app.services import ServiceError
from app.services.api_tokens import create_token, event_tokens, revoke_token
from app.services.registrations import is_organiser

bp = Blueprint("api_admin", __name__, url_prefix="/organisateur/evenements/<slug>/api")


def _event(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    if not is_organiser(event, current_user):
        abort(403)
    return event


def _page(event: Event, form: TokenForm, *, new_token: str | None = None, status: int = 200):
    page = render_template(
        "api/tokens.html",
        event=event,
        form=form,
        confirm=ConfirmForm(),
        tokens=event_tokens(event),
        new_token=new_token,
    )
    # The page may show a token in clear: no cache may keep it.
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/")
@login_required
def index(slug: str):
    return _page(_event(slug), TokenForm())


@bp.post("/")
@login_required
def create(slug: str):
    event = _event(slug)
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(event, form, status=400)
    try:
        created = create_token(event=event, actor=current_user, name=form.name.data)
    except ServiceError:
        abort(403)
    db.session.commit()
    # Rendered, not flashed: the token must not travel in the session cookie.
    return _page(event, TokenForm(formdata=None), new_token=created.plain)


@bp.post("/<int:token_id>/revoquer")
@login_required
def revoke(slug: str, token_id: int):
    event = _event(slug)
    token = db.get_or_404(ApiToken, token_id)
    if token.event_id != event.id or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        revoke_token(token=token, actor=current_user, now=utcnow())
    except ServiceError:
        flash(_("This token was already revoked."), "error")
    else:
        db.session.commit()
        flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_admin.index", slug=slug))
