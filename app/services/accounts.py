"""Accounts: sign-up, confirmation, authentication, password and e-mail changes, GDPR."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app.models import Attendee, Membership, User, db
from app.models.base import utcnow
from app.models.enums import MemberRole
from app.services import ServiceError

# Checked when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


@dataclass(frozen=True)
class SignupResult:
    user: User | None  # the new account, or None when the address was already registered
    existing: User | None


def register_user(*, name: str, email: str, password: str, locale: str) -> SignupResult:
    """Create an unconfirmed account, unless the address already has one."""
    existing = find_user_by_email(email)
    if existing is not None:
        return SignupResult(user=None, existing=existing)
    user = User(name=name.strip(), email=email, locale=locale if locale in ("fr", "en") else "fr")
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return SignupResult(user=user, existing=None)


def confirm_email(*, user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()


def authenticate(*, email: str, password: str) -> User | None:
    """The user with these credentials, or None; same cost whether the e-mail exists or not."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def set_new_password(*, user: User, password: str) -> None:
    """Set the password and log out every other session of the user."""
    user.set_password(password)
    user.session_version += 1


def change_password(*, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ServiceError("wrong-password")
    set_new_password(user=user, password=new)


def change_email(*, user: User, new_email: str) -> None:
    new_email = new_email.strip().lower()
    if find_user_by_email(new_email) is not None:
        raise ServiceError("email-taken")
    user.email = new_email
    user.email_confirmed_at = utcnow()  # the change is confirmed by the link sent to it
    user.session_version += 1


def export_user_data(*, user: User) -> dict:
    """Everything the platform holds about a person, as JSON-ready data."""
    attendances = db.session.scalars(
        sa.select(Attendee).where(sa.or_(Attendee.user_id == user.id, Attendee.email == user.email))
    )
    return {
        "account": {
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "created_at": user.created_at.isoformat(),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "organisations": [
            {"id": m.organisation.id, "name": m.organisation.name, "role": m.role.value}
            for m in user.memberships
        ],
        "attendances": [
            {
                "event": a.registration.event.title,
                "organisation": a.registration.organisation.name,
                "name": a.name,
                "email": a.email,
                "job_title": a.job_title,
            }
            for a in attendances
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def delete_account(*, user: User, password: str) -> None:
    """Delete the account and personal data; meeting history stays, anonymised."""
    if not user.check_password(password):
        raise ServiceError("wrong-password")
    for membership in list(user.memberships):
        _hand_over_ownership(membership)
    attendances = db.session.scalars(
        sa.select(Attendee).where(sa.or_(Attendee.user_id == user.id, Attendee.email == user.email))
    )
    for attendee in attendances:
        attendee.user_id = None
        attendee.name = "—"
        attendee.email = f"deleted-{attendee.id}@invalid"
        attendee.job_title = ""
    db.session.delete(user)
    db.session.flush()


def _hand_over_ownership(membership: Membership) -> None:
    """If the last owner leaves, the longest-standing member becomes owner."""
    if membership.role is not MemberRole.OWNER:
        return
    others = [m for m in membership.organisation.memberships if m.id != membership.id]
    if others and not any(m.role is MemberRole.OWNER for m in others):
        min(others, key=lambda m: m.id).role = MemberRole.OWNER
