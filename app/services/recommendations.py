"""Recommendations for an event: database rows → `matching` profiles → suggestions."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

import matching
from app.models import Event, Organisation, Registration, Solution, UseCase, db
from app.models.enums import RegistrationRole, RegistrationStatus
from app.models.taxonomy import CompanySize, HostingOption, Region, Sector


@dataclass(frozen=True)
class Suggestion:
    registration: Registration
    score: float
    reasons: list[str]


def approved_registrations(event: Event) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.APPROVED,
            )
            .options(
                selectinload(Registration.organisation).selectinload(Organisation.needs),
                selectinload(Registration.organisation)
                .selectinload(Organisation.solutions)
                .selectinload(Solution.use_cases),
                selectinload(Registration.unavailable_slots),
            )
            .order_by(Registration.id)
        )
    )


def capacity(registration: Registration, slot_count: int) -> int:
    """Meetings a registration can hold: free slots x people, capped by its maximum."""
    free = max(slot_count - len(registration.unavailable_slots), 0)
    total = free * registration.representatives
    return total if registration.max_meetings is None else min(total, registration.max_meetings)


def _company(reg: Registration) -> matching.CompanyProfile:
    org = reg.organisation
    return matching.CompanyProfile(
        id=reg.id,
        use_cases=frozenset(u.code for u in org.needs),
        sector=org.sector_code,
        size=org.size_code,
        region=org.region_code,
        languages=frozenset(org.languages or ()),
        hosting_wishes=frozenset(),
        text=f"{org.needs_text}\n{org.description}",
    )


def _provider(reg: Registration, slot_count: int) -> matching.ProviderProfile:
    org = reg.organisation
    solutions = [s for s in org.solutions if s.published]
    return matching.ProviderProfile(
        id=reg.id,
        use_cases=frozenset(u.code for s in solutions for u in s.use_cases),
        sectors_served=frozenset(x.code for s in solutions for x in s.sectors),
        sizes_served=frozenset(x.code for s in solutions for x in s.sizes),
        region=org.region_code,
        languages=frozenset(org.languages or ()),
        hosting=frozenset(x.code for s in solutions for x in s.hosting),
        text="\n".join(
            [org.offer_text, org.description] + [f"{s.summary} {s.description}" for s in solutions]
        ),
        capacity=capacity(reg, slot_count),
    )


def labels(locale: str) -> dict[str, str]:
    """Code → label for every reference item, to render reasons."""
    result: dict[str, str] = {}
    for model in (UseCase, Sector, CompanySize, Region, HostingOption):
        for row in db.session.scalars(sa.select(model)):
            result[row.code] = row.label(locale)
    return result


def event_recommendations(event: Event, *, per_company: int = 5) -> dict[int, list[matching.Match]]:
    """Suggestions keyed by registration id, for companies and for providers (mirror view)."""
    regs = approved_registrations(event)
    slot_count = sum(1 for s in event.slots if not s.blocked)
    companies = [_company(r) for r in regs if r.role is RegistrationRole.SEEKER]
    providers = [_provider(r, slot_count) for r in regs if r.role is RegistrationRole.PROVIDER]
    if not companies or not providers:
        return {}
    recs = matching.recommend(companies, providers, per_company=per_company)
    return {**recs, **matching.by_provider(recs, providers)}


def suggestions_for(
    registration: Registration, locale: str, *, exclude: set[int]
) -> list[Suggestion]:
    """The recommended counterparts of one registration, with reasons in `locale`."""
    recs = event_recommendations(registration.event).get(registration.id, [])
    names = labels(locale)
    seeker = registration.role is RegistrationRole.SEEKER
    result = []
    for match in recs:
        other_id = match.provider_id if seeker else match.company_id
        if other_id in exclude:
            continue
        other = db.session.get(Registration, other_id)
        reasons = [matching.describe(r, locale, names) for r in match.reasons if _worth_saying(r)]
        result.append(Suggestion(registration=other, score=match.score, reasons=reasons))
    return result


def _worth_saying(reason: matching.Reason) -> bool:
    """Reasons that added something; a near-zero text similarity is noise to a reader."""
    return reason.value >= (0.03 if reason.code == "text" else 0.001)
