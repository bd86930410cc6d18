"""Meeting requests: send, answer, withdraw, expire; weights for the optimiser."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.models import Event, MeetingRequest, Registration, User, db
from app.models.enums import RegistrationStatus, RequestOrigin, RequestPriority, RequestStatus
from app.services import ServiceError
from app.services.organisations import require_member

OPEN = (RequestStatus.PENDING, RequestStatus.ACCEPTED)


def _counters_changed(event_id: int) -> None:
    """The organisers' dashboard refreshes its counters once this transaction commits."""
    from app.realtime.dashboard import counters_changed_after_commit

    counters_changed_after_commit(event_id)


def _check_deadline(event: Event, now: datetime) -> None:
    if event.request_deadline is not None and now > event.request_deadline:
        raise ServiceError("request-deadline")


def pending_outgoing(registration: Registration) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MeetingRequest)
        .where(
            MeetingRequest.from_registration_id == registration.id,
            MeetingRequest.status == RequestStatus.PENDING,
        )
    )


def find_request(src: Registration, dst: Registration) -> MeetingRequest | None:
    return db.session.scalar(
        sa.select(MeetingRequest).where(
            MeetingRequest.from_registration_id == src.id,
            MeetingRequest.to_registration_id == dst.id,
        )
    )


def _check_parties(src: Registration, dst: Registration) -> None:
    if src.id == dst.id:
        raise ServiceError("request-self")
    if src.event_id != dst.event_id:
        raise ServiceError("request-other-event")
    if RegistrationStatus.APPROVED not in (src.status, dst.status) or src.status is not dst.status:
        raise ServiceError("request-not-approved")
    if src.role is dst.role:
        raise ServiceError("request-same-role")


def send_request(
    *,
    src: Registration,
    dst: Registration,
    actor: User | None,
    priority: RequestPriority,
    message: str,
    now: datetime,
    origin: RequestOrigin = RequestOrigin.PARTICIPANT,
) -> MeetingRequest:
    """Ask `dst` for a meeting on behalf of `src`; a request both ways is mutual and accepted."""
    if origin is RequestOrigin.PARTICIPANT:
        require_member(src.organisation, actor)
        _check_deadline(src.event, now)
    _check_parties(src, dst)
    existing = find_request(src, dst)
    if existing is not None and existing.status in OPEN:
        raise ServiceError("request-duplicate")
    if existing is not None and existing.status is RequestStatus.DECLINED:
        raise ServiceError("request-declined")  # the other side said no: no second try
    event = src.event
    if origin is RequestOrigin.PARTICIPANT and pending_outgoing(src) >= event.max_pending_requests:
        raise ServiceError("request-too-many")
    request = existing or MeetingRequest(event=event, from_registration=src, to_registration=dst)
    request.priority, request.message, request.origin = priority, message.strip(), origin
    request.status, request.decline_reason, request.answered_at = RequestStatus.PENDING, "", None
    request.expires_at = (
        now + timedelta(hours=event.request_expiry_hours) if event.request_expiry_hours else None
    )
    if origin is RequestOrigin.ORGANISER:  # a meeting the organiser adds needs no answer
        request.status, request.answered_at, request.expires_at = RequestStatus.ACCEPTED, now, None
    db.session.add(request)
    reverse = find_request(dst, src)
    if reverse is not None and reverse.status in OPEN:
        for item in (request, reverse):
            item.mutual, item.status, item.answered_at = True, RequestStatus.ACCEPTED, now
    db.session.flush()
    _counters_changed(event.id)
    return request


def answer_request(
    *, request: MeetingRequest, actor: User, accept: bool, reason: str, now: datetime
) -> MeetingRequest:
    """Accept or decline; of two concurrent answers exactly one wins."""
    require_member(request.to_registration.organisation, actor)
    _check_deadline(request.event, now)
    if request.status is not RequestStatus.PENDING:
        raise ServiceError("request-answered")
    status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    # A conditional update: only one transaction can move the request out of "pending".
    result = db.session.execute(
        sa.update(MeetingRequest)
        .where(MeetingRequest.id == request.id, MeetingRequest.status == RequestStatus.PENDING)
        .values(status=status, answered_at=now, decline_reason="" if accept else reason.strip())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ServiceError("request-answered")
    db.session.refresh(request)
    _counters_changed(request.event_id)
    return request


def withdraw_request(*, request: MeetingRequest, actor: User, now: datetime) -> None:
    require_member(request.from_registration.organisation, actor)
    _check_deadline(request.event, now)
    if request.status not in OPEN:
        raise ServiceError("request-closed")
    request.status = RequestStatus.CANCELLED
    if request.mutual:
        reverse = find_request(request.to_registration, request.from_registration)
        request.mutual = False
        if reverse is not None:
            reverse.mutual = False
    db.session.flush()
    _counters_changed(request.event_id)


def expire_requests(*, event: Event, now: datetime) -> list[MeetingRequest]:
    """Pending requests past their expiry become expired; returns them (to notify)."""
    expired = list(
        db.session.scalars(
            sa.select(MeetingRequest).where(
                MeetingRequest.event_id == event.id,
                MeetingRequest.status == RequestStatus.PENDING,
                MeetingRequest.expires_at.is_not(None),
                MeetingRequest.expires_at < now,
            )
        )
    )
    for request in expired:
        request.status = RequestStatus.EXPIRED
    db.session.flush()
    if expired:
        _counters_changed(event.id)
    return expired


def request_weight(request: MeetingRequest, weights: dict[str, int]) -> int:
    """The optimiser's value of an accepted request (documented in docs/matchmaking.md)."""
    if request.origin is RequestOrigin.ORGANISER:
        return weights["organiser"]
    if request.mutual and request.priority is RequestPriority.MUST_MEET:
        return weights["mutual_must_meet"]
    return weights[request.priority.value] + (1 if request.mutual else 0)


def requests_of(registration: Registration) -> tuple[list[MeetingRequest], list[MeetingRequest]]:
    """(inbox, outbox) of a registration, newest first."""

    def query(column):
        return list(
            db.session.scalars(
                sa.select(MeetingRequest)
                .where(column == registration.id)
                .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
            )
        )

    return query(MeetingRequest.to_registration_id), query(MeetingRequest.from_registration_id)
