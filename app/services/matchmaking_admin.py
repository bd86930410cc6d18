"""Organiser tools for matchmaking: statistics, meetings added on behalf, filling the gaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.models import Event, MeetingRequest, Registration, User, db
from app.models.enums import RegistrationRole, RequestOrigin, RequestPriority, RequestStatus
from app.services import ServiceError
from app.services.recommendations import approved_registrations, event_recommendations
from app.services.registrations import is_organiser
from app.services.requests import send_request


@dataclass
class ParticipantStats:
    registration: Registration
    sent: int = 0
    received: int = 0
    accepted: int = 0
    pending: int = 0


@dataclass
class EventRequestStats:
    participants: list[ParticipantStats]
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        answered = self.by_status.get("accepted", 0) + self.by_status.get("declined", 0)
        return self.by_status.get("accepted", 0) / answered if answered else None

    @property
    def without_accepted(self) -> list[ParticipantStats]:
        return [p for p in self.participants if p.accepted == 0]


def request_stats(event: Event) -> EventRequestStats:
    stats = {r.id: ParticipantStats(registration=r) for r in approved_registrations(event)}
    result = EventRequestStats(participants=list(stats.values()))
    requests = db.session.scalars(
        sa.select(MeetingRequest).where(MeetingRequest.event_id == event.id)
    )
    for request in requests:
        result.total += 1
        result.by_status[request.status.value] = result.by_status.get(request.status.value, 0) + 1
        src, dst = stats.get(request.from_registration_id), stats.get(request.to_registration_id)
        if src:
            src.sent += 1
        if dst:
            dst.received += 1
        for side in (src, dst):
            if side and request.status is RequestStatus.ACCEPTED:
                side.accepted += 1
            if side and request.status is RequestStatus.PENDING:
                side.pending += 1
    result.participants.sort(key=lambda p: (p.accepted, p.registration.organisation.name_key))
    return result


def _require_organiser(event: Event, actor: User) -> None:
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")


def add_on_behalf(
    *, event: Event, seeker: Registration, provider: Registration, actor: User, now: datetime
) -> MeetingRequest:
    """An organiser adds a meeting between two participants (accepted, organiser weight)."""
    _require_organiser(event, actor)
    if seeker.event_id != event.id or provider.event_id != event.id:
        raise ServiceError("request-other-event")
    return send_request(
        src=seeker,
        dst=provider,
        actor=actor,
        priority=RequestPriority.WOULD_LIKE,
        message="",
        now=now,
        origin=RequestOrigin.ORGANISER,
    )


def _existing_pairs(event: Event) -> set[frozenset[int]]:
    rows = db.session.execute(
        sa.select(MeetingRequest.from_registration_id, MeetingRequest.to_registration_id).where(
            MeetingRequest.event_id == event.id,
            MeetingRequest.status.in_(
                [RequestStatus.PENDING, RequestStatus.ACCEPTED, RequestStatus.DECLINED]
            ),
        )
    )
    return {frozenset(row) for row in rows}


def fill_gaps(
    *, event: Event, actor: User, min_accepted: int, mode: str, now: datetime
) -> list[MeetingRequest]:
    """Give participants below `min_accepted` accepted requests more, from recommendations.

    mode "suggest": requests from the participant, for the other side to accept;
    mode "propose": organiser-proposed meetings, accepted at once with the lowest weight.
    """
    _require_organiser(event, actor)
    if mode not in ("suggest", "propose"):
        raise ServiceError("bad-mode")
    origin = RequestOrigin.SUGGESTED if mode == "suggest" else RequestOrigin.ORGANISER
    stats = {p.registration.id: p for p in request_stats(event).participants}
    recommendations = event_recommendations(event, per_company=max(min_accepted * 2, 5))
    pairs = _existing_pairs(event)
    created = []
    for reg_id, participant in stats.items():
        missing = min_accepted - participant.accepted - participant.pending
        for match in recommendations.get(reg_id, []):
            if missing <= 0:
                break
            pair = frozenset((match.company_id, match.provider_id))
            if pair in pairs or match.company_id not in stats or match.provider_id not in stats:
                continue
            src = participant.registration
            dst = stats[
                match.provider_id if src.role is RegistrationRole.SEEKER else match.company_id
            ]
            created.append(
                send_request(
                    src=src,
                    dst=dst.registration,
                    actor=actor,
                    priority=RequestPriority.IF_TIME,
                    message="",
                    now=now,
                    origin=origin,
                )
            )
            pairs.add(pair)
            missing -= 1
    return created


@dataclass
class RequestMatrix:
    """Companies (rows) × providers (columns); each cell the status of their request(s)."""

    companies: list[Registration]
    providers: list[Registration]
    cells: dict[tuple[int, int], str]


def request_matrix(event: Event) -> RequestMatrix:
    regs = approved_registrations(event)
    companies = [r for r in regs if r.role is RegistrationRole.SEEKER]
    providers = [r for r in regs if r.role is RegistrationRole.PROVIDER]
    company_ids = {r.id for r in companies}
    rank = {"accepted": 3, "pending": 2, "declined": 1}
    cells: dict[tuple[int, int], str] = {}
    requests = db.session.scalars(
        sa.select(MeetingRequest).where(MeetingRequest.event_id == event.id)
    )
    for request in requests:
        a, b = request.from_registration_id, request.to_registration_id
        key = (a, b) if a in company_ids else (b, a)
        status = request.status.value
        if rank.get(status, 0) > rank.get(cells.get(key, ""), 0):
            cells[key] = status
    key_name = lambda r: r.organisation.name_key  # noqa: E731
    return RequestMatrix(sorted(companies, key=key_name), sorted(providers, key=key_name), cells)
