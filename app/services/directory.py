"""The participant directory of an event: who comes, with filters."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.models import Event, Organisation, Registration, Solution, UseCase, db
from app.models.enums import RegistrationRole, RegistrationStatus
from app.models.organisation import organisation_need, solution_use_case


@dataclass(frozen=True)
class DirectoryFilters:
    role: str | None = None
    sector: str | None = None
    use_case: str | None = None
    size: str | None = None


def directory(event: Event, filters: DirectoryFilters) -> list[Registration]:
    """Approved registrations whose organisation consented to appear, filtered."""
    query = (
        sa.select(Registration)
        .join(Organisation)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.APPROVED,
            Organisation.directory_consent.is_(True),
        )
        .order_by(Organisation.name_key)
    )
    if filters.role in {r.value for r in RegistrationRole}:
        query = query.where(Registration.role == RegistrationRole(filters.role))
    if filters.sector:
        query = query.where(Organisation.sector_code == filters.sector)
    if filters.size:
        query = query.where(Organisation.size_code == filters.size)
    if filters.use_case and db.session.get(UseCase, filters.use_case) is not None:
        wanted = sa.select(organisation_need.c.organisation_id).where(
            organisation_need.c.use_case_code == filters.use_case
        )
        offered = (
            sa.select(Solution.provider_id)
            .join(solution_use_case, solution_use_case.c.solution_id == Solution.id)
            .where(solution_use_case.c.use_case_code == filters.use_case, Solution.published)
        )
        query = query.where(sa.or_(Organisation.id.in_(wanted), Organisation.id.in_(offered)))
    return list(db.session.scalars(query))
