"""API tokens: create (the plain token is returned once), revoke, authenticate."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.models import ApiToken, Event, User, db
from app.services import ServiceError
from app.services.registrations import is_organiser

PREFIX_LENGTH = 8
MAX_NAME_LENGTH = 120
# Writing `last_used_at` on every call would turn each read into a write: once a minute is enough.
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plain: str  # shown once to the organiser, never stored


def hash_token(plain: str) -> str:
    """Hex SHA-256 of a token (tokens are random: no salt or slow hash needed)."""
    return hashlib.sha256(plain.encode()).hexdigest()


def event_tokens(event: Event) -> list[ApiToken]:
    """The event's tokens, active ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.event_id == event.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def create_token(*, event: Event, actor: User, name: str) -> NewToken:
    """A new token for `event`, acting as `actor`, who must organise the event."""
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ServiceError("bad-name")
    plain = secrets.token_urlsafe(32)
    token = ApiToken(
        event=event,
        created_by=actor,
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    return NewToken(token=token, plain=plain)


def revoke_token(*, token: ApiToken, actor: User, now: datetime) -> None:
    if not is_organiser(token.event, actor):
        raise ServiceError("forbidden")
    if token.revoked_at is not None:
        raise ServiceError("already-revoked")
    token.revoked_at = now
    db.session.flush()


def authenticate(plain: str, *, now: datetime) -> ApiToken | None:
    """The active token matching `plain`, its last use recorded; None if unknown or revoked.

    A token whose creator is no longer an organiser of its event (or is deactivated) no longer
    works either.
    """
    if not plain or len(plain) > 200:
        return None
    digest = hash_token(plain)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None or not token.created_by.is_active:
        return None
    if not is_organiser(token.event, token.created_by):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        token.last_used_at = now
        db.session.flush()
    return token
