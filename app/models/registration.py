"""An organisation's registration at an event, its attending people and availability."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin, db, enum_type
from app.models.enums import RegistrationRole, RegistrationStatus

if TYPE_CHECKING:
    from app.models.event import Event, MeetingTable, Session, Slot
    from app.models.organisation import Organisation
    from app.models.user import User


def new_token() -> str:
    """An unguessable token for calendar feeds and check-in codes."""
    return secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    """Hex SHA-256 of a token: what lookups search by (tokens are random: no salt needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


registration_unavailable_slot = sa.Table(
    "registration_unavailable_slot",
    db.metadata,
    sa.Column(
        "registration_id",
        sa.ForeignKey("registration.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "slot_id", sa.ForeignKey("slot.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

registration_session = sa.Table(
    "registration_session",
    db.metadata,
    sa.Column(
        "registration_id",
        sa.ForeignKey("registration.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "session_id", sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Registration(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[RegistrationRole] = mapped_column(enum_type(RegistrationRole, "role"))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_type(RegistrationStatus, "status"), default=RegistrationStatus.PENDING
    )
    representatives: Mapped[int] = mapped_column(default=1, server_default="1")
    max_meetings: Mapped[int | None]
    home_table_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_table.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    checked_in_at: Mapped[datetime | None]
    # On the day: marked absent (by an organiser, or by a counterpart after a no-show).
    absent_at: Mapped[datetime | None]
    # After the event: when its members were reminded to give feedback (once; feedback.py).
    feedback_reminded_at: Mapped[datetime | None]
    # Kept in clear (the feed URL is shown to its owner); looked up by its digest only.
    calendar_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    calendar_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # Optimistic locking: concurrent edits of one registration are detected.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    event: Mapped[Event] = relationship(back_populates="registrations")
    organisation: Mapped[Organisation] = relationship()
    home_table: Mapped[MeetingTable | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    unavailable_slots: Mapped[list[Slot]] = relationship(secondary=registration_unavailable_slot)
    sessions: Mapped[list[Session]] = relationship(secondary=registration_session)
    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Attendee.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("event_id", "organisation_id"),
        sa.CheckConstraint("representatives >= 1", name="representatives_positive"),
        sa.CheckConstraint("max_meetings IS NULL OR max_meetings >= 0", name="max_meetings_ok"),
    )


class Attendee(db.Model):
    """A person attending for a registration; gets an agenda and a calendar."""

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    job_title: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    calendar_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    calendar_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, index=True)
    checkin_code: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    checkin_code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, index=True)
    checked_in_at: Mapped[datetime | None]

    registration: Mapped[Registration] = relationship(back_populates="attendees")
    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("registration_id", "email"),)


# Secret tokens and their digests (see `token_digest`). Column defaults are applied by the
# INSERT itself, after any Python hook, so the tokens are drawn here, before the row is
# written, and every digest follows its token on insert and on change (regenerated links).
_SECRETS = {
    Registration: (("calendar_token", "calendar_token_hash"),),
    Attendee: (
        ("calendar_token", "calendar_token_hash"),
        ("checkin_code", "checkin_code_hash"),
    ),
}


def _digests_on_insert(mapper, connection, target) -> None:
    for token_key, hash_key in _SECRETS[type(target)]:
        if getattr(target, token_key) is None:
            setattr(target, token_key, new_token())
        setattr(target, hash_key, token_digest(getattr(target, token_key)))


def _digests_on_update(mapper, connection, target) -> None:
    state = sa.inspect(target)
    for token_key, hash_key in _SECRETS[type(target)]:
        if state.attrs[token_key].history.has_changes():
            setattr(target, hash_key, token_digest(getattr(target, token_key)))


for _model in _SECRETS:
    sa_event.listen(_model, "before_insert", _digests_on_insert)
    sa_event.listen(_model, "before_update", _digests_on_update)
