"""People with accounts, and their membership of organisations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import TimestampMixin, db, enum_type
from app.models.enums import MemberRole

if TYPE_CHECKING:
    from app.models.event import Event
    from app.models.organisation import Organisation


class User(UserMixin, TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    name: Mapped[str] = mapped_column(sa.String(120))
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr", server_default="fr")
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    email_confirmed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # E-mail notifications once a day instead of one e-mail per event.
    daily_digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Bumped when the password or e-mail changes: every other session is logged out.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("locale IN ('fr', 'en')", name="locale"),)

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the session identifier includes the version
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


class Membership(TimestampMixin, db.Model):
    """A user belongs to an organisation as owner or member."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(
        enum_type(MemberRole, "role"), default=MemberRole.MEMBER
    )

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id"),)


class Invitation(TimestampMixin, db.Model):
    """An invitation, sent by e-mail, to join an organisation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[MemberRole] = mapped_column(
        enum_type(MemberRole, "role"), default=MemberRole.MEMBER
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()


class OrganiserInvitation(TimestampMixin, db.Model):
    """An invitation, sent by e-mail, to organise an event, for an address with no account:
    the person signs up with that address, opens the link and accepts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    accepted_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    invited_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "email"),)

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()
