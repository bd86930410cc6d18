"""Live statistics of an event for the organiser dashboard and the end-of-event report.

Everything is computed from the database in a handful of aggregate queries, so that the
dashboard can refetch it each time something changes. Decisions (docs/feedback-and-reporting.md):
- "planned" meetings are the non-cancelled meetings of the published schedule;
- a meeting is "held" when its status says so, or when a party gave feedback on it;
- a meeting's sector is its company's sector (the seeker side); its use cases are the company's
  needs that the provider's published solutions cover, else all of the company's needs;
- satisfaction counts every rating, from both sides, one per meeting and registration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from app.models import (
    Attendee,
    Event,
    Feedback,
    Meeting,
    MeetingRequest,
    Organisation,
    Registration,
    Schedule,
    ScheduleRun,
    Sector,
    Slot,
    Solution,
    UseCase,
    db,
)
from app.models.enums import (
    FeedbackOutcome,
    MeetingOrigin,
    MeetingStatus,
    RegistrationRole,
    RegistrationStatus,
    RequestStatus,
    ScheduleStatus,
)
from app.models.organisation import organisation_need, solution_use_case

NEXT_STEPS = (
    FeedbackOutcome.FOLLOW_UP,
    FeedbackOutcome.QUOTE,
    FeedbackOutcome.PILOT,
    FeedbackOutcome.CONTRACT,
)
UNSPECIFIED = ""


@dataclass
class Group:
    """Meetings and feedback of one sector or one use case."""

    code: str
    label: str
    meetings: int = 0
    held: int = 0
    no_show: int = 0
    ratings: list[int] = field(default_factory=list)
    next_steps: int = 0

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "meetings": self.meetings,
            "held": self.held,
            "no_show": self.no_show,
            "feedback": len(self.ratings),
            "mean": mean(self.ratings),
            "next_steps": self.next_steps,
        }


class MeetingFacts(NamedTuple):
    """What the statistics need of one meeting of the published schedule (a tuple: cheap)."""

    meeting_id: int
    uid: str
    status: MeetingStatus
    origin: MeetingOrigin
    parties: tuple[int, int]
    ended: bool


def mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _registrations(event: Event) -> dict:
    rows = db.session.execute(
        sa.select(Registration.status, Registration.role, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status, Registration.role)
    ).all()
    by_status = {s.value: 0 for s in RegistrationStatus}
    by_role = {r.value: 0 for r in RegistrationRole}
    for status, role, count in rows:
        by_status[status.value] += count
        if status is RegistrationStatus.APPROVED:
            by_role[role.value] += count
    return {
        **by_status,
        "total": sum(by_status.values()),
        "companies": by_role["seeker"],
        "providers": by_role["provider"],
    }


def _requests(event: Event) -> dict:
    rows = db.session.execute(
        sa.select(MeetingRequest.status, MeetingRequest.mutual, sa.func.count())
        .where(MeetingRequest.event_id == event.id)
        .group_by(MeetingRequest.status, MeetingRequest.mutual)
    ).all()
    counts = {s.value: 0 for s in RequestStatus}
    mutual = 0
    for status, is_mutual, count in rows:
        counts[status.value] += count
        if is_mutual and status is RequestStatus.ACCEPTED:
            mutual += count
    return {**counts, "total": sum(counts.values()), "mutual": mutual}


def _arrivals(event: Event) -> dict:
    approved = sa.and_(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.APPROVED
    )
    attendee_arrived = (
        sa.select(Attendee.id)
        .where(Attendee.registration_id == Registration.id, Attendee.checked_in_at.is_not(None))
        .exists()
    )
    arrived_expr = sa.or_(Registration.checked_in_at.is_not(None), attendee_arrived)
    expected, arrived, absent = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(arrived_expr),
            sa.func.count().filter(Registration.absent_at.is_not(None)),
        ).where(approved)
    ).one()
    attendees, attendees_in = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Attendee.checked_in_at))
        .join(Registration, Attendee.registration_id == Registration.id)
        .where(approved)
    ).one()
    return {
        "expected": expected,
        "registrations": arrived,
        "absent": absent,
        "attendees": attendees_in,
        "attendees_expected": attendees,
    }


def published(event: Event) -> Schedule | None:
    return db.session.scalar(
        sa.select(Schedule).where(
            Schedule.event_id == event.id, Schedule.status == ScheduleStatus.PUBLISHED
        )
    )


def meeting_facts(schedule: Schedule | None, *, now: datetime) -> list[MeetingFacts]:
    if schedule is None:
        return []
    rows = db.session.execute(
        sa.select(
            Meeting.id,
            Meeting.uid,
            Meeting.status,
            Meeting.origin,
            Meeting.registration_a_id,
            Meeting.registration_b_id,
            Slot.ends_at,
        )
        .join(Slot, Meeting.slot_id == Slot.id)
        .where(Meeting.schedule_id == schedule.id)
        .order_by(Slot.position, Meeting.id)
    ).all()
    return [
        MeetingFacts(mid, uid, status, origin, (a, b), ends_at <= now)
        for mid, uid, status, origin, a, b, ends_at in rows
    ]


def feedback_by_uid(event: Event) -> dict[str, dict[int, tuple[int, FeedbackOutcome]]]:
    """uid -> registration id -> (rating, outcome); the latest feedback wins."""
    rows = db.session.execute(
        sa.select(Meeting.uid, Feedback.registration_id, Feedback.rating, Feedback.outcome)
        .join(Meeting, Feedback.meeting_id == Meeting.id)
        .join(Schedule, Meeting.schedule_id == Schedule.id)
        .where(Schedule.event_id == event.id)
        .order_by(Feedback.id)
    ).all()
    found: dict[str, dict[int, tuple[int, FeedbackOutcome]]] = defaultdict(dict)
    for uid, reg_id, rating, outcome in rows:
        found[uid][reg_id] = (rating, outcome)
    return found


@dataclass(frozen=True)
class Parties:
    """Registration roles, sectors and use cases, to classify meetings."""

    role: dict[int, RegistrationRole]
    sector: dict[int, str | None]
    needs: dict[int, set[str]]
    offers: dict[int, set[str]]

    def company(self, parties: tuple[int, int]) -> int:
        a, b = parties
        return b if self.role.get(a) is RegistrationRole.PROVIDER else a

    def meeting_sector(self, parties: tuple[int, int]) -> str:
        return self.sector.get(self.company(parties)) or UNSPECIFIED

    def meeting_use_cases(self, parties: tuple[int, int]) -> set[str]:
        company = self.company(parties)
        provider = parties[1] if company == parties[0] else parties[0]
        needs = self.needs.get(company, set())
        return (needs & self.offers.get(provider, set())) or needs or {UNSPECIFIED}


def parties_of(event: Event) -> Parties:
    rows = db.session.execute(
        sa.select(
            Registration.id,
            Registration.role,
            Registration.organisation_id,
            Organisation.sector_code,
        )
        .join(Organisation, Registration.organisation_id == Organisation.id)
        .where(Registration.event_id == event.id)
    ).all()
    org_of = {rid: org for rid, _role, org, _sector in rows}
    event_orgs = sa.select(Registration.organisation_id).where(Registration.event_id == event.id)
    needs_by_org: dict[int, set[str]] = defaultdict(set)
    for org, code in db.session.execute(
        sa.select(organisation_need.c.organisation_id, organisation_need.c.use_case_code).where(
            organisation_need.c.organisation_id.in_(event_orgs)
        )
    ):
        needs_by_org[org].add(code)
    offers_by_org: dict[int, set[str]] = defaultdict(set)
    for org, code in db.session.execute(
        sa.select(Solution.provider_id, solution_use_case.c.use_case_code)
        .join(solution_use_case, solution_use_case.c.solution_id == Solution.id)
        .where(Solution.published.is_(True), Solution.provider_id.in_(event_orgs))
    ):
        offers_by_org[org].add(code)
    return Parties(
        role={rid: role for rid, role, _org, _sector in rows},
        sector={rid: sector for rid, _role, _org, sector in rows},
        needs={rid: needs_by_org.get(org, set()) for rid, org in org_of.items()},
        offers={rid: offers_by_org.get(org, set()) for rid, org in org_of.items()},
    )


def _labels(model, codes: set[str], locale: str, unspecified: str) -> dict[str, str]:
    known = [c for c in codes if c]
    labels = {
        item.code: item.label(locale)
        for item in db.session.scalars(sa.select(model).where(model.code.in_(known)))
    }
    labels[UNSPECIFIED] = unspecified
    return labels


def _sorted_groups(groups: dict[str, Group]) -> list[dict]:
    ordered = sorted(
        groups.values(), key=lambda g: (g.code == UNSPECIFIED, -g.meetings, g.label.lower())
    )
    return [g.as_dict() for g in ordered]


def event_stats(event: Event, *, now: datetime, locale: str = "fr", unspecified: str = "—") -> dict:
    """Every counter of the dashboard and the report, as JSON-ready data."""
    schedule = published(event)
    facts = meeting_facts(schedule, now=now)
    feedback = feedback_by_uid(event)
    parties = parties_of(event)
    status_counts = Counter(f.status for f in facts)
    origin_counts = Counter(f.origin for f in facts if f.status is not MeetingStatus.CANCELLED)
    ratings: list[int] = []
    outcomes = Counter()
    sectors: dict[str, Group] = {}
    use_cases: dict[str, Group] = {}
    held = to_confirm = 0
    for fact in facts:
        if fact.status is MeetingStatus.CANCELLED:
            continue
        given = [v for reg, v in feedback.get(fact.uid, {}).items() if reg in fact.parties]
        is_held = fact.status is MeetingStatus.HELD or (
            fact.status is MeetingStatus.SCHEDULED and bool(given)
        )
        held += is_held
        to_confirm += fact.status is MeetingStatus.SCHEDULED and fact.ended and not given
        ratings.extend(r for r, _o in given)
        outcomes.update(o for _r, o in given)
        steps = sum(1 for _r, o in given if o in NEXT_STEPS)
        sector_code = parties.meeting_sector(fact.parties)
        targets = [sectors.setdefault(sector_code, Group(sector_code, ""))]
        for code in parties.meeting_use_cases(fact.parties):
            targets.append(use_cases.setdefault(code, Group(code, "")))
        for group in targets:
            group.meetings += 1
            group.held += is_held
            group.no_show += fact.status is MeetingStatus.NO_SHOW
            group.ratings.extend(r for r, _o in given)
            group.next_steps += steps
    sector_labels = _labels(Sector, set(sectors), locale, unspecified)
    use_case_labels = _labels(UseCase, set(use_cases), locale, unspecified)
    for code, group in sectors.items():
        group.label = sector_labels.get(code, code)
    for code, group in use_cases.items():
        group.label = use_case_labels.get(code, code)
    run = db.session.scalar(
        sa.select(ScheduleRun)
        .where(ScheduleRun.event_id == event.id)
        .order_by(ScheduleRun.id.desc())
        .limit(1)
    )
    planned = len(facts) - status_counts[MeetingStatus.CANCELLED]
    return {
        "event": event.slug,
        "version": schedule.version if schedule else None,
        "registrations": _registrations(event),
        "requests": _requests(event),
        "arrivals": _arrivals(event),
        "meetings": {
            "planned": planned,
            "held": held,
            "no_show": status_counts[MeetingStatus.NO_SHOW],
            "cancelled": status_counts[MeetingStatus.CANCELLED],
            "to_confirm": to_confirm,
            **{origin.value: origin_counts[origin] for origin in MeetingOrigin},
        },
        "satisfaction": {
            "count": len(ratings),
            "mean": mean(ratings),
            "distribution": {str(n): ratings.count(n) for n in range(1, 6)},
        },
        "outcomes": {
            **{o.value: outcomes[o] for o in FeedbackOutcome},
            "next_steps": sum(outcomes[o] for o in NEXT_STEPS),
        },
        "by_sector": _sorted_groups(sectors),
        "by_use_case": _sorted_groups(use_cases),
        "run": {"status": run.status.value, "id": run.id} if run else None,
    }
