"""Declarative base, naming convention and small column helpers shared by all models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (all datetimes are stored in UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum stored as its value in a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate filter: full-text search objects are managed by hand in migrations.

    SQLite FTS5 virtual tables (and their shadow tables) and PostgreSQL expression indexes for
    full-text search are not expressible as models; their names start with `fts_` / `ix_fts_`.
    """
    if type_ == "table" and name and name.startswith("fts_"):
        return False
    return not (type_ == "index" and name and name.startswith("ix_fts_"))
