"""Signed, expiring tokens for links sent by e-mail (confirmation, reset, invitation...)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# Purpose → lifetime in seconds. The purpose is the salt: a token for one use is useless
# for another.
LIFETIMES = {
    "confirm-email": 3 * 24 * 3600,
    "reset-password": 2 * 3600,
    "change-email": 24 * 3600,
    "invitation": 14 * 24 * 3600,
    "organiser-invitation": 14 * 24 * 3600,
}


class TokenError(Exception):
    """The link is invalid or has expired; `expired` tells which."""

    def __init__(self, *, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"rdv-ia/{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> Any:
    try:
        return _serializer(purpose).loads(token, max_age=LIFETIMES[purpose])
    except SignatureExpired:
        raise TokenError(expired=True) from None
    except BadSignature:
        raise TokenError(expired=False) from None
