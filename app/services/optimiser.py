"""From the database to a scheduling problem and back: runs and drafts.

Ids in the problem: slot `s<id>`, table `t<id>`, participant `r<registration id>`, request
`q<meeting request id>`, or `m<meeting id>` for a locked meeting without a request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

import scheduling
from app.models import (
    Event,
    Meeting,
    MeetingRequest,
    Registration,
    Schedule,
    ScheduleRun,
    Slot,
    User,
    db,
)
from app.models.base import utcnow
from app.models.enums import (
    EventFormat,
    MeetingStatus,
    RequestStatus,
    RunStatus,
    ScheduleStatus,
)
from app.services import ServiceError
from app.services.publication import publish_schedule  # noqa: F401 - its home moved
from app.services.recommendations import approved_registrations
from app.services.registrations import is_organiser
from app.services.requests import request_weight
from app.services.schedules import copy_meeting, latest_draft, published_schedule


@dataclass(frozen=True)
class BuiltProblem:
    problem: scheduling.Problem
    requests: dict[str, MeetingRequest]  # problem request id -> accepted request
    locked: dict[str, Meeting]  # problem request id -> locked meeting kept as required
    # Published meetings already begun or over (a re-run on the day): copied as they are.
    history: list[Meeting] = field(default_factory=list)


def _participants(
    event: Event, regs: list[Registration], slot_ids: set[int], had: Counter
) -> list[scheduling.Participant]:
    home = event.format is EventFormat.HOME_TABLES and bool(event.tables)
    return [
        scheduling.Participant(
            id=f"r{r.id}",
            kind=r.role.value,
            capacity=r.representatives,
            max_meetings=max(
                0,
                (r.max_meetings if r.max_meetings is not None else event.max_meetings_default)
                - had[r.id],
            ),
            unavailable=tuple(f"s{s.id}" for s in r.unavailable_slots if s.id in slot_ids),
            home_table=f"t{r.home_table_id}" if home and r.home_table_id else None,
        )
        for r in regs
    ]


def _accepted_pairs(event: Event, ids: set[int]) -> dict[frozenset[int], MeetingRequest]:
    """One accepted request per pair of approved participants (the heavier of a mutual pair)."""
    weights = event.request_weights
    rows = db.session.scalars(
        sa.select(MeetingRequest)
        .where(MeetingRequest.event_id == event.id, MeetingRequest.status == RequestStatus.ACCEPTED)
        .order_by(MeetingRequest.id)
    )
    best: dict[frozenset[int], MeetingRequest] = {}
    for request in rows:
        pair = frozenset((request.from_registration_id, request.to_registration_id))
        if not pair <= ids:
            continue
        kept = best.get(pair)
        if kept is None or request_weight(request, weights) > request_weight(kept, weights):
            best[pair] = request
    return best


def _locked_meetings(event: Event) -> list[Meeting]:
    schedule = latest_draft(event) or published_schedule(event)
    if schedule is None:
        return []
    return [m for m in schedule.meetings if m.locked and m.status is MeetingStatus.SCHEDULED]


def _pair(meeting: Meeting) -> frozenset[int]:
    return frozenset((meeting.registration_a_id, meeting.registration_b_id))


def _slots_to_plan(event: Event, now: datetime) -> list[Slot]:
    """The slots a run may fill: not blocked and not started yet (on the day, the rest)."""
    return [s for s in event.slots if not s.blocked and s.starts_at > now]


def _history(published: Schedule | None, started: set[int]) -> list[Meeting]:
    """Published meetings whose slot has started, or marked held or missed: a new version
    keeps them as they are."""
    if published is None:
        return []
    return [
        m
        for m in published.meetings
        if m.status is not MeetingStatus.CANCELLED
        and (m.slot_id in started or m.status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW))
    ]


def build_problem(event: Event, *, now: datetime | None = None) -> BuiltProblem:
    """The event's scheduling problem: accepted requests between approved, present participants.

    Locked meetings are required at their slot; the published schedule is `previous`, so a
    re-run moves as few published meetings as possible. On the day, only slots that have not
    started are offered: published meetings already begun or over stay as they are (their
    pairs are not scheduled again and count towards each side's maximum of meetings).
    """
    now = now or utcnow()
    # Participants marked absent on the day get no meeting in a new version.
    regs = [r for r in approved_registrations(event) if r.absent_at is None]
    ids = {r.id for r in regs}
    published = published_schedule(event)
    history = _history(published, {s.id for s in event.slots if s.starts_at <= now})
    done = {_pair(m) for m in history}
    had = Counter(r for m in history for r in _pair(m))
    slots = _slots_to_plan(event, now)
    slot_ids = {s.id for s in slots}
    pairs = {
        pair: request for pair, request in _accepted_pairs(event, ids).items() if pair not in done
    }
    requests: dict[str, MeetingRequest] = {}
    locked: dict[str, Meeting] = {}
    items: list[scheduling.Request] = []
    weights = event.request_weights
    locked_by_pair = {
        _pair(m): m
        for m in _locked_meetings(event)
        if m.slot_id in slot_ids and _pair(m) not in done
    }
    for pair, request in pairs.items():
        key = f"q{request.id}"
        requests[key] = request
        meeting = locked_by_pair.pop(pair, None)
        if meeting is not None:
            locked[key] = meeting
        items.append(
            scheduling.Request(
                id=key,
                a=f"r{request.from_registration_id}",
                b=f"r{request.to_registration_id}",
                weight=request_weight(request, weights),
                required=meeting is not None,
                fixed_slot=f"s{meeting.slot_id}" if meeting is not None else None,
            )
        )
    for meeting in locked_by_pair.values():  # locked meetings added by hand, without a request
        if {meeting.registration_a_id, meeting.registration_b_id} <= ids:
            key = f"m{meeting.id}"
            locked[key] = meeting
            items.append(
                scheduling.Request(
                    id=key,
                    a=f"r{meeting.registration_a_id}",
                    b=f"r{meeting.registration_b_id}",
                    weight=weights["organiser"],
                    required=True,
                    fixed_slot=f"s{meeting.slot_id}",
                )
            )
    problem = scheduling.Problem(
        name=event.title,
        slots=tuple(
            scheduling.Slot(
                id=f"s{s.id}",
                session=f"session{s.session_id}",
                start=s.starts_at.isoformat() + "Z",
                end=s.ends_at.isoformat() + "Z",
            )
            for s in slots
        ),
        tables=tuple(scheduling.Table(id=f"t{t.id}", zone=t.zone or None) for t in event.tables),
        participants=tuple(_participants(event, regs, slot_ids, had)),
        requests=tuple(items),
        previous=_previous(published, requests, slot_ids),
    )
    return BuiltProblem(problem=problem, requests=requests, locked=locked, history=history)


def _previous(
    schedule: Schedule | None, requests: dict[str, MeetingRequest], slot_ids: set[int]
) -> tuple[scheduling.Assignment, ...]:
    if schedule is None:
        return ()
    by_request = {r.id: key for key, r in requests.items()}
    return tuple(
        scheduling.Assignment(
            request=by_request[m.request_id],
            slot=f"s{m.slot_id}",
            table=f"t{m.table_id}" if m.table_id else None,
        )
        for m in schedule.meetings
        if m.status is MeetingStatus.SCHEDULED
        and m.request_id in by_request
        and m.slot_id in slot_ids
    )


def start_run(*, event: Event, actor: User, time_limit_s: int, workers: int) -> ScheduleRun:
    """Queue an optimiser run; only one queued or running run per event (the database says)."""
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")
    if not event.slots:
        raise ServiceError("no-slots")
    if not _slots_to_plan(event, utcnow()):
        # With none left, a run would give a copy of the published schedule.
        raise ServiceError("no-slot-left")
    from app.services.run_health import reap_dead_runs

    reap_dead_runs(event.id)
    run = ScheduleRun(
        event=event,
        status=RunStatus.QUEUED,
        started_by=actor,
        parameters={"time_limit_s": time_limit_s, "workers": workers, "seed": 0},
    )
    db.session.add(run)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise ServiceError("run-active") from None
    return run


def request_cancel(*, run: ScheduleRun, actor: User) -> None:
    if not is_organiser(run.event, actor):
        raise ServiceError("forbidden")
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise ServiceError("run-finished")
    run.cancel_requested = True
    db.session.flush()


def store_draft(
    *, run: ScheduleRun, built: BuiltProblem, solution: scheduling.Solution
) -> Schedule:
    """Save a solution as the event's newest draft; uids and sequences follow the published one."""
    event = run.event
    version = (
        db.session.scalar(
            sa.select(sa.func.max(Schedule.version)).where(Schedule.event_id == event.id)
        )
        or 0
    ) + 1
    schedule = Schedule(
        event=event,
        run=run,
        version=version,
        status=ScheduleStatus.DRAFT,
        stats=_stats_dict(solution),
    )
    db.session.add(schedule)
    published = published_schedule(event)
    before = {_pair(m): m for m in (published.meetings if published else [])}
    for item in solution.meetings:
        request = built.requests.get(item.request)
        locked = built.locked.get(item.request)
        a, b = (
            (request.from_registration_id, request.to_registration_id)
            if request
            else (locked.registration_a_id, locked.registration_b_id)
        )
        slot_id = int(item.slot[1:])
        table_id = int(item.table[1:]) if item.table else None
        meeting = Meeting(
            request_id=request.id if request else None,
            registration_a_id=a,
            registration_b_id=b,
            slot_id=slot_id,
            table_id=table_id,
            locked=locked is not None,
        )
        old = before.get(frozenset((a, b)))
        if old is not None:
            moved = (old.slot_id, old.table_id) != (slot_id, table_id)
            meeting.uid = old.uid
            meeting.origin = old.origin  # a walk-in placed again is still a walk-in
            meeting.sequence = old.sequence + (
                1 if moved or old.status is not MeetingStatus.SCHEDULED else 0
            )
        schedule.meetings.append(meeting)
    for old in built.history:  # begun or over: kept as they are (same uid, status and place)
        schedule.meetings.append(copy_meeting(old))
    db.session.flush()
    return schedule


def _stats_dict(solution: scheduling.Solution) -> dict:
    data = scheduling.solution_to_dict(solution)
    stats = dict(data["stats"])
    stats["status"] = solution.status
    stats["unscheduled"] = data.get("unscheduled", [])
    stats["diagnostics"] = list(solution.diagnostics)
    return stats
