"""Reference data (taxonomy): sectors, sizes, regions, business functions, use cases..."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import db


class ReferenceMixin:
    """A coded reference item with a French and an English label; codes are stable."""

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    label_fr: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_fr


class Sector(ReferenceMixin, db.Model):
    """A section of the French NAF rev. 2 classification."""


class CompanySize(ReferenceMixin, db.Model):
    """TPE / PME / ETI / GE."""


class Region(ReferenceMixin, db.Model):
    """A French region, coded by its INSEE code."""


class Technology(ReferenceMixin, db.Model):
    """An AI technology family."""


class HostingOption(ReferenceMixin, db.Model):
    """Where a solution runs: EU cloud, SecNumCloud, on-premise..."""


class BusinessFunction(ReferenceMixin, db.Model):
    """A business function (marketing, production...) grouping use cases."""

    use_cases: Mapped[list[UseCase]] = relationship(
        back_populates="function", order_by="UseCase.position"
    )


class UseCase(ReferenceMixin, db.Model):
    """An AI use case, within a business function."""

    function_code: Mapped[str] = mapped_column(
        sa.ForeignKey("business_function.code", ondelete="RESTRICT"), index=True
    )
    function: Mapped[BusinessFunction] = relationship(back_populates="use_cases")
