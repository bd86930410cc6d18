"""Organisations (companies seeking AI, AI providers) and providers' catalogue solutions."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.models.base import TimestampMixin, db, enum_type
from app.models.enums import Maturity, MemberRole, OrganisationKind, PriceRange
from app.models.taxonomy import CompanySize, HostingOption, Region, Sector, Technology, UseCase

if TYPE_CHECKING:
    from app.models.user import Membership


def _link_table(name: str, left: str, right: str, right_col: str = "code") -> sa.Table:
    """An association table `name(left_id, right_code)` with a composite primary key."""
    return sa.Table(
        name,
        db.metadata,
        sa.Column(f"{left}_id", sa.ForeignKey(f"{left}.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            f"{right}_{right_col}",
            sa.ForeignKey(f"{right}.{right_col}", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
    )


organisation_need = _link_table("organisation_need", "organisation", "use_case")
solution_use_case = _link_table("solution_use_case", "solution", "use_case")
solution_sector = _link_table("solution_sector", "solution", "sector")
solution_size = _link_table("solution_size", "solution", "company_size")
solution_hosting = _link_table("solution_hosting", "solution", "hosting_option")
solution_technology = _link_table("solution_technology", "solution", "technology")


class Organisation(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "kind"))
    name: Mapped[str] = mapped_column(sa.String(200))
    # The name folded (case, accents, spaces) so that two organisations cannot share a name.
    name_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    siren: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    size_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("company_size.code", ondelete="RESTRICT")
    )
    sector_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("sector.code", ondelete="RESTRICT"), index=True
    )
    region_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("region.code", ondelete="RESTRICT"), index=True
    )
    website: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=lambda: ["fr"])
    logo_path: Mapped[str | None] = mapped_column(sa.String(300))
    # A company's needs.
    needs_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    budget_range: Mapped[PriceRange | None] = mapped_column(enum_type(PriceRange, "budget_range"))
    timeline: Mapped[str | None] = mapped_column(sa.String(50))
    # A provider's offer, in its own words (solutions hold the details).
    offer_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # GDPR consents.
    catalogue_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    directory_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    size: Mapped[CompanySize | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    region: Mapped[Region | None] = relationship()
    needs: Mapped[list[UseCase]] = relationship(secondary=organisation_need)
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    solutions: Mapped[list[Solution]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="Solution.name"
    )

    __table_args__ = (
        sa.CheckConstraint("siren IS NULL OR length(siren) = 9", name="siren_length"),
    )

    @validates("name")
    def _set_name_key(self, _key: str, value: str) -> str:
        self.name_key = fold_name(value)
        return value.strip()

    def member_role(self, user) -> MemberRole | None:
        """The role of `user` in this organisation, or None if not a member."""
        for membership in self.memberships:
            if membership.user_id == user.id:
                return membership.role
        return None


def fold_name(value: str) -> str:
    """Case-, accent- and space-insensitive form of an organisation name."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().split())


class Solution(TimestampMixin, db.Model):
    """An AI solution in the catalogue, published by a provider."""

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    maturity: Mapped[Maturity] = mapped_column(
        enum_type(Maturity, "maturity"), default=Maturity.PRODUCTION
    )
    price_range: Mapped[PriceRange | None] = mapped_column(enum_type(PriceRange, "price_range"))
    customer_references: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    published: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    provider: Mapped[Organisation] = relationship(back_populates="solutions")
    use_cases: Mapped[list[UseCase]] = relationship(secondary=solution_use_case)
    sectors: Mapped[list[Sector]] = relationship(secondary=solution_sector)
    sizes: Mapped[list[CompanySize]] = relationship(secondary=solution_size)
    hosting: Mapped[list[HostingOption]] = relationship(secondary=solution_hosting)
    technologies: Mapped[list[Technology]] = relationship(secondary=solution_technology)

    __table_args__ = (sa.UniqueConstraint("provider_id", "name"),)
