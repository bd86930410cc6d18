"""Rebooking after no-shows: re-optimise the rest of the day, offer the new meetings.

The problem handed to the `scheduling` engine holds only the slots that have not started.
Every meeting still to come (and every pending offer) is a required request pinned to its
slot, so nobody else's meeting can move: the engine only fills free places. Candidates are
accepted requests that have no meeting and recommended pairs, among present participants.
Each proposed meeting is re-checked against the database and becomes a `RebookingOffer`;
it joins the published schedule once both sides accept (re-checked again at that moment).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

import scheduling
from app.models import Event, Meeting, MeetingRequest, Registration, Slot, Solution, User, db
from app.models.enums import (
    EventFormat,
    MeetingOrigin,
    MeetingStatus,
    OfferStatus,
    RegistrationRole,
    RequestStatus,
)
from app.models.schedule import RebookingOffer
from app.services import ServiceError
from app.services.onsite import (
    HOLDING,
    Change,
    _max_meetings,
    _tell,
    add_published_meeting,
    current_meetings,
    free_place,
    is_present,
    locked_schedule,
    upcoming_slots,
)
from app.services.recommendations import approved_registrations, event_recommendations
from app.services.registrations import is_organiser
from app.services.requests import request_weight
from app.services.schedules import published_schedule

log = logging.getLogger(__name__)
DEFAULT_TIME_LIMIT_S = 3.0
RECOMMENDED_WEIGHT = 1  # below every accepted request (the lightest weighs 2)
RECOMMENDATIONS_PER_COMPANY = 5


@dataclass(frozen=True)
class Candidate:
    seeker: Registration
    provider: Registration
    weight: int
    request: MeetingRequest | None


def pending_offers(event: Event) -> list[RebookingOffer]:
    return list(
        db.session.scalars(
            sa.select(RebookingOffer).where(
                RebookingOffer.event_id == event.id, RebookingOffer.status == OfferStatus.PENDING
            )
        )
    )


def expire_offers(*, event: Event, now: datetime) -> set[int]:
    """Pending offers whose slot has started expire; returns the registrations concerned."""
    touched: set[int] = set()
    for offer in pending_offers(event):
        if offer.slot.starts_at <= now:
            offer.status = OfferStatus.EXPIRED
            touched |= {offer.registration_a_id, offer.registration_b_id}
    db.session.flush()
    return touched


def _pair(a: int, b: int) -> frozenset[int]:
    return frozenset((a, b))


def _excluded_pairs(event: Event, meetings: list[Meeting]) -> set[frozenset[int]]:
    """Pairs that met or will meet, or that have an open or declined offer."""
    pairs = {
        _pair(m.registration_a_id, m.registration_b_id) for m in meetings if m.status in HOLDING
    }
    offers = db.session.execute(
        sa.select(RebookingOffer.registration_a_id, RebookingOffer.registration_b_id).where(
            RebookingOffer.event_id == event.id,
            RebookingOffer.status.in_((OfferStatus.PENDING, OfferStatus.DECLINED)),
        )
    )
    return pairs | {_pair(a, b) for a, b in offers}


def freed_registrations(meetings: list[Meeting], present: dict[int, Registration], now) -> set[int]:
    """Present participants who lost a meeting still to come because the other side is absent."""
    freed = set()
    for m in meetings:
        if m.status is not MeetingStatus.CANCELLED or m.slot.starts_at <= now:
            continue
        for mine, other in (
            (m.registration_a, m.registration_b),
            (m.registration_b, m.registration_a),
        ):
            if mine.id in present and other.absent_at is not None:
                freed.add(mine.id)
    return freed


def candidates(
    event: Event, present: dict[int, Registration], meetings: list[Meeting], focus: set[int]
) -> list[Candidate]:
    """Pairs with a participant of `focus` (who lost a meeting) and another present one:
    accepted requests without a meeting first, then recommended pairs."""
    if not focus:
        return []
    excluded = _excluded_pairs(event, meetings)
    found: dict[frozenset[int], Candidate] = {}
    for request in db.session.scalars(
        sa.select(MeetingRequest).where(
            MeetingRequest.event_id == event.id, MeetingRequest.status == RequestStatus.ACCEPTED
        )
    ):
        a, b = present.get(request.from_registration_id), present.get(request.to_registration_id)
        pair = _pair(request.from_registration_id, request.to_registration_id)
        if a is None or b is None or a.role is b.role or pair in excluded or not pair & focus:
            continue
        seeker, provider = (a, b) if a.role is RegistrationRole.SEEKER else (b, a)
        weight = request_weight(request, event.request_weights)
        if pair not in found or found[pair].weight < weight:
            found[pair] = Candidate(seeker, provider, weight, request)
    _preload_profiles(event)
    recs = event_recommendations(event, per_company=RECOMMENDATIONS_PER_COMPANY)
    for matches in recs.values():
        for match in matches:
            seeker, provider = present.get(match.company_id), present.get(match.provider_id)
            pair = _pair(match.company_id, match.provider_id)
            if seeker is None or provider is None or pair in excluded or pair in found:
                continue
            if pair & focus:
                found[pair] = Candidate(seeker, provider, RECOMMENDED_WEIGHT, None)
    return list(found.values())


def _preload_profiles(event: Event) -> None:
    """Load the providers' solutions with their lists in a few queries (not one per item)."""
    db.session.scalars(
        sa.select(Solution)
        .join(Registration, Registration.organisation_id == Solution.provider_id)
        .where(Registration.event_id == event.id)
        .options(
            selectinload(Solution.use_cases),
            selectinload(Solution.sectors),
            selectinload(Solution.sizes),
            selectinload(Solution.hosting),
        )
    ).all()


def _past_count(registration: Registration, meetings: list[Meeting], now: datetime) -> int:
    return sum(
        1
        for m in meetings
        if registration.id in (m.registration_a_id, m.registration_b_id)
        and m.status in HOLDING
        and m.slot.starts_at <= now
    )


def build_problem(
    *, event: Event, meetings: list[Meeting], offers: list[RebookingOffer], cands, now: datetime
) -> scheduling.Problem:
    """The rest of the day: upcoming slots, pinned meetings and offers, optional candidates."""
    slots = upcoming_slots(event, now)
    slot_ids = {s.id for s in slots}
    fixed = [
        (f"m{m.id}", m.registration_a_id, m.registration_b_id, m.slot_id, m.table_id)
        for m in meetings
        if m.status in HOLDING and m.slot_id in slot_ids
    ] + [
        (f"o{o.id}", o.registration_a_id, o.registration_b_id, o.slot_id, o.table_id)
        for o in offers
        if o.slot_id in slot_ids
    ]
    pinned: dict[int, set[int]] = {}
    for _key, a, b, slot_id, _table in fixed:
        pinned.setdefault(a, set()).add(slot_id)
        pinned.setdefault(b, set()).add(slot_id)
    regs = {r.id: r for r in approved_registrations(event)}
    involved = set(pinned) | {c.seeker.id for c in cands} | {c.provider.id for c in cands}
    home = event.format is EventFormat.HOME_TABLES and bool(event.tables)
    participants = []
    for rid in sorted(involved):
        r = regs.get(rid) or db.session.get(Registration, rid)
        upcoming_fixed = len(pinned.get(rid, ()))
        left = max(_max_meetings(r) - _past_count(r, meetings, now), upcoming_fixed)
        participants.append(
            scheduling.Participant(
                id=f"r{rid}",
                kind=r.role.value,
                capacity=r.representatives,
                max_meetings=left,
                unavailable=tuple(
                    f"s{s.id}"
                    for s in r.unavailable_slots
                    if s.id in slot_ids and s.id not in pinned.get(rid, ())
                ),
                home_table=f"t{r.home_table_id}" if home and r.home_table_id else None,
            )
        )
    requests = [
        scheduling.Request(id=key, a=f"r{a}", b=f"r{b}", required=True, fixed_slot=f"s{slot_id}")
        for key, a, b, slot_id, _table in fixed
    ] + [
        scheduling.Request(id=f"c{i}", a=f"r{c.seeker.id}", b=f"r{c.provider.id}", weight=c.weight)
        for i, c in enumerate(cands)
    ]
    return scheduling.Problem(
        name=f"{event.title} (rebooking)",
        slots=tuple(
            scheduling.Slot(id=f"s{s.id}", session=f"session{s.session_id}") for s in slots
        ),
        tables=tuple(scheduling.Table(id=f"t{t.id}", zone=t.zone or None) for t in event.tables),
        participants=tuple(participants),
        requests=tuple(requests),
        previous=tuple(
            scheduling.Assignment(request=key, slot=f"s{slot_id}", table=f"t{table}")
            for key, _a, _b, slot_id, table in fixed
            if table is not None
        ),
    )


def _solve(problem: scheduling.Problem, time_limit_s: float) -> dict[str, tuple[int, int | None]]:
    """Candidate key → (slot id, table id) proposed by the engine; {} if it found nothing."""
    if not any(r.id.startswith("c") for r in problem.requests) or not problem.slots:
        return {}
    solution = scheduling.solve(problem, time_limit_s=time_limit_s, workers=1, seed=0)
    if solution.status not in ("optimal", "feasible"):
        log.warning("rebooking: engine status %s %s", solution.status, solution.diagnostics)
        return {}
    return {
        item.request: (int(item.slot[1:]), int(item.table[1:]) if item.table else None)
        for item in solution.meetings
        if item.request.startswith("c")
    }


def rebooking_budget() -> float:
    """Seconds a rebooking may take in all (REBOOKING_TIME_LIMIT_S)."""
    return float(current_app.config.get("REBOOKING_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))


def propose_offers(
    *, event: Event, actor: User | None, now: datetime, time_limit_s: float | None = None
) -> Change:
    """Re-optimise the rest of the day and store the new meetings as pending offers.

    `actor` is an organiser, or None when the system runs it after an absence.
    """
    if actor is not None and not is_organiser(event, actor):
        raise ServiceError("forbidden")
    schedule = published_schedule(event)
    if schedule is None:
        raise ServiceError("no-schedule")
    budget = time_limit_s or rebooking_budget()
    started = time.monotonic()
    change = Change(event=event, registrations=expire_offers(event=event, now=now))
    meetings = current_meetings(schedule)
    offers = [o for o in pending_offers(event) if o.slot.starts_at > now]
    present = {r.id: r for r in approved_registrations(event) if is_present(r)}
    focus = freed_registrations(meetings, present, now)
    cands = candidates(event, present, meetings, focus)
    problem = build_problem(event=event, meetings=meetings, offers=offers, cands=cands, now=now)
    # The whole call stays near the budget: the engine gets what is left (at least a second).
    proposed = _solve(problem, max(1.0, budget - (time.monotonic() - started)))
    if proposed:
        # The solve took seconds without a lock: each proposal is checked against the day as
        # it is now, under the schedule lock (walk-ins, answers and absences take it too).
        schedule = locked_schedule(event)
        meetings = current_meetings(schedule)
        offers = [o for o in pending_offers(event) if o.slot.starts_at > now]
    slots = {s.id: s for s in event.slots}
    for key, (slot_id, table_id) in sorted(proposed.items(), key=lambda kv: int(kv[0][1:])):
        cand = cands[int(key[1:])]
        _offer(cand, slots[slot_id], table_id, schedule, meetings, offers, now, change)
    db.session.flush()
    return change


def _offer(cand, slot, table_id, schedule, meetings, offers, now, change) -> None:
    """Store one proposal as an offer if the database still agrees; tell both sides."""
    a, b = cand.seeker, cand.provider
    try:
        table = free_place(
            meetings=meetings, a=a, b=b, slot=slot, now=now, offers=offers, preferred=table_id
        )
    except ServiceError:
        return
    offer = RebookingOffer(
        event_id=schedule.event_id,
        schedule_id=schedule.id,
        request=cand.request,
        registration_a=a,
        registration_b=b,
        slot=slot,
        table=table,
    )
    db.session.add(offer)
    offers.append(offer)
    change.offers.append(offer)
    _tell(change, to=a, kind="onsite_offer", other=b, meeting=offer)
    _tell(change, to=b, kind="onsite_offer", other=a, meeting=offer)


def offers_for(registration: Registration, now: datetime) -> list[RebookingOffer]:
    """The registration's pending offers whose slot has not started, in time order."""
    return list(
        db.session.scalars(
            sa.select(RebookingOffer)
            .join(Slot, Slot.id == RebookingOffer.slot_id)
            .where(
                RebookingOffer.status == OfferStatus.PENDING,
                sa.or_(
                    RebookingOffer.registration_a_id == registration.id,
                    RebookingOffer.registration_b_id == registration.id,
                ),
                Slot.starts_at > now,
            )
            .order_by(Slot.position, RebookingOffer.id)
        )
    )


def offers_for_event(event: Event, now: datetime) -> list[RebookingOffer]:
    """The event's pending offers whose slot has not started, in time order."""
    return list(
        db.session.scalars(
            sa.select(RebookingOffer)
            .join(Slot, Slot.id == RebookingOffer.slot_id)
            .where(
                RebookingOffer.event_id == event.id,
                RebookingOffer.status == OfferStatus.PENDING,
                Slot.starts_at > now,
            )
            .order_by(Slot.position, RebookingOffer.id)
        )
    )


def _side(offer: RebookingOffer, actor: User) -> str:
    if offer.registration_a.organisation.member_role(actor) is not None:
        return "a"
    if offer.registration_b.organisation.member_role(actor) is not None:
        return "b"
    raise ServiceError("forbidden")


def answer_offer(
    *, offer: RebookingOffer, actor: User, accept: bool, now: datetime
) -> tuple[Change, str]:
    """One side accepts or declines; returns what happened.

    Outcomes: "waiting" (the other side has not answered), "confirmed" (the meeting is in the
    schedule), "declined", or "expired:<reason>" (the slot started or the place was taken).
    """
    side = _side(offer, actor)
    event = offer.slot.event
    schedule = locked_schedule(event)
    db.session.refresh(offer)
    if offer.status is not OfferStatus.PENDING:
        raise ServiceError(f"offer-{offer.status.value}")
    mine, other = (
        (offer.registration_a, offer.registration_b)
        if side == "a"
        else (offer.registration_b, offer.registration_a)
    )
    change = Change(event=event, registrations={mine.id, other.id})
    if offer.slot.starts_at <= now:
        offer.status = OfferStatus.EXPIRED
        db.session.flush()
        return change, "expired:slot-started"
    if not accept:
        offer.status = OfferStatus.DECLINED
        _tell(change, to=other, kind="onsite_offer_declined", other=mine, meeting=offer)
        db.session.flush()
        return change, "declined"
    setattr(offer, f"accepted_{side}_at", now)
    if offer.accepted_a_at is None or offer.accepted_b_at is None:
        db.session.flush()
        return change, "waiting"
    return change, _confirm(offer, schedule, now, change, mine, other)


def _confirm(offer, schedule, now, change, mine, other) -> str:
    """Both said yes: re-check the place and add the meeting, or let the offer expire."""
    meetings = current_meetings(schedule)
    held = [o for o in pending_offers(schedule.event) if o.id != offer.id]
    a, b = offer.registration_a, offer.registration_b
    try:
        table = free_place(
            meetings=meetings,
            a=a,
            b=b,
            slot=offer.slot,
            now=now,
            offers=held,
            preferred=offer.table_id,
        )
    except ServiceError as exc:
        offer.status = OfferStatus.EXPIRED
        _tell(change, to=other, kind="onsite_offer_expired", other=mine, meeting=offer)
        db.session.flush()
        return f"expired:{exc}"
    meeting = add_published_meeting(
        schedule=schedule,
        a=a,
        b=b,
        slot=offer.slot,
        table=table,
        origin=MeetingOrigin.REBOOKING,
        request_id=offer.request_id,
    )
    offer.status, offer.table, offer.meeting_uid = OfferStatus.ACCEPTED, table, meeting.uid
    change.added = meeting
    _tell(change, to=other, kind="onsite_offer_confirmed", other=mine, meeting=meeting)
    _tell(change, to=mine, kind="onsite_offer_confirmed", other=other, meeting=meeting)
    db.session.flush()
    return "confirmed"


def offer_counts(event: Event) -> dict[str, int]:
    """Offers of the event by status, for the organisers' page."""
    rows = db.session.execute(
        sa.select(RebookingOffer.status, sa.func.count())
        .where(RebookingOffer.event_id == event.id)
        .group_by(RebookingOffer.status)
    )
    counts = {s.value: 0 for s in OfferStatus}
    counts.update({status.value: n for status, n in rows})
    return counts


def rebooked_meetings(event: Event) -> int:
    schedule = published_schedule(event)
    if schedule is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Meeting)
        .where(
            Meeting.schedule_id == schedule.id,
            Meeting.origin == MeetingOrigin.REBOOKING,
            Meeting.status != MeetingStatus.CANCELLED,
        )
    )
