"""Reading schedules: the published version, drafts, a participant's meetings.

Versions: each optimiser run stores a draft `Schedule`; publishing makes a draft the current
version (status "published") and the previous one "superseded". A meeting keeps its `uid`
across versions; its `sequence` grows when its time or place changes. A meeting dropped from
a newer version is kept in it with status "cancelled" (so calendars show the cancellation).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.models import Event, Meeting, MeetingRequest, Registration, Schedule, db
from app.models.enums import MeetingStatus, RegistrationStatus, RequestStatus, ScheduleStatus
from app.services.requests import request_weight
from scheduling.index import count_breaks

# What identifies a meeting across versions and what happened to it on the day.
_COPIED = (
    "request_id",
    "registration_a_id",
    "registration_b_id",
    "slot_id",
    "table_id",
    "locked",
    "uid",
    "sequence",
    "status",
    "origin",
    "no_show_registration_id",
    "no_show_reported_by_id",
    "cancelled_for_id",
)


def copy_meeting(meeting: Meeting, **changes) -> Meeting:
    """The same meeting for another version (same uid), with `changes` applied."""
    return Meeting(**{**{name: getattr(meeting, name) for name in _COPIED}, **changes})


def published_schedule(event: Event) -> Schedule | None:
    return db.session.scalar(
        sa.select(Schedule).where(
            Schedule.event_id == event.id, Schedule.status == ScheduleStatus.PUBLISHED
        )
    )


def latest_draft(event: Event) -> Schedule | None:
    """The draft to review and publish: the newest version, if it is a draft.

    A draft older than the published version is obsolete (publishing it would undo newer
    work), so it is not offered; editing the published version then starts a new copy.
    """
    newest = db.session.scalar(
        sa.select(Schedule)
        .where(Schedule.event_id == event.id)
        .order_by(Schedule.version.desc())
        .limit(1)
    )
    return newest if newest is not None and newest.status is ScheduleStatus.DRAFT else None


def previous_draft(draft: Schedule) -> Schedule | None:
    """The draft made before this one (an earlier run or copy), to compare with."""
    return db.session.scalar(
        sa.select(Schedule)
        .where(
            Schedule.event_id == draft.event_id,
            Schedule.status == ScheduleStatus.DRAFT,
            Schedule.version < draft.version,
        )
        .order_by(Schedule.version.desc())
        .limit(1)
    )


def _meetings_query(schedule: Schedule) -> sa.Select:
    return (
        sa.select(Meeting)
        .where(Meeting.schedule_id == schedule.id)
        .options(
            selectinload(Meeting.slot),
            selectinload(Meeting.table),
            selectinload(Meeting.registration_a).selectinload(Registration.organisation),
            selectinload(Meeting.registration_b).selectinload(Registration.organisation),
        )
        .join(Meeting.slot)
        .order_by(sa.text("slot.position"), Meeting.id)
    )


def schedule_meetings(schedule: Schedule) -> list[Meeting]:
    """All meetings of a version (cancelled ones included), in time order."""
    return list(db.session.scalars(_meetings_query(schedule)))


def meetings_of(schedule: Schedule, registration: Registration) -> list[Meeting]:
    """One participant's meetings in a version (cancelled ones included), in time order.

    The database filters: an agenda, a feed or a publication e-mail per participant must not
    load the whole version (that made publishing to 2,000 participants quadratic).
    """
    mine = sa.or_(
        Meeting.registration_a_id == registration.id,
        Meeting.registration_b_id == registration.id,
    )
    return list(db.session.scalars(_meetings_query(schedule).where(mine)))


def counterpart(meeting: Meeting, registration: Registration) -> Registration:
    """The other party of a meeting, seen from `registration`."""
    if meeting.registration_a_id == registration.id:
        return meeting.registration_b
    return meeting.registration_a


@dataclass(frozen=True)
class VersionStats:
    """The review figures of one version, recomputed from its meetings as they are now."""

    schedule: Schedule
    meetings: int
    weight: int
    upper_bound: int | None  # stored by the run that built the version (None: unknown)
    participants_without_meeting: int
    breaks: int
    changes: int | None  # from the published version; None for the published version itself

    @property
    def percent(self) -> float | None:
        """Weight as a percentage of the upper bound."""
        return 100 * self.weight / self.upper_bound if self.upper_bound else None


def version_stats(schedules: list[Schedule], published: Schedule | None) -> list[VersionStats]:
    """Figures of several versions of one event, computed the same way for each.

    Manual edits make a run's stored figures out of date, so the figures are recomputed here
    like the optimiser computes them (request weights, breaks within a session, participants
    with an accepted request but no meeting, published meetings dropped, moved or re-tabled);
    only the upper bound, which needs the solver, is the stored one.
    """
    if not schedules:
        return []
    event = schedules[0].event
    weights = event.request_weights
    slots = [s for s in event.slots if not s.blocked]
    position = {s.id: i for i, s in enumerate(slots)}
    by_session: dict[int, list[int]] = defaultdict(list)
    for slot in slots:
        by_session[slot.session_id].append(position[slot.id])
    sessions = tuple(tuple(p) for p in by_session.values())
    wanted = _participants_with_requests(event)
    before = _places(published) if published is not None else {}
    rows = []
    for schedule in schedules:
        meetings = [
            m
            for m in db.session.scalars(
                sa.select(Meeting).where(Meeting.schedule_id == schedule.id)
            )
            if m.status is MeetingStatus.SCHEDULED
        ]
        requests = _requests_by_id({m.request_id for m in meetings if m.request_id})
        busy: dict[int, set[int]] = defaultdict(set)
        for m in meetings:
            for reg in (m.registration_a_id, m.registration_b_id):
                busy[reg].add(position.get(m.slot_id, -1))
        now = {m.uid: (m.slot_id, m.table_id) for m in meetings}
        changes = None
        if published is not None and schedule.id != published.id:
            changes = sum(1 for uid, old in before.items() if _changed(old, now.get(uid)))
        rows.append(
            VersionStats(
                schedule=schedule,
                meetings=len(meetings),
                weight=sum(
                    request_weight(requests[m.request_id], weights)
                    if m.request_id in requests
                    else weights["organiser"]
                    for m in meetings
                ),
                upper_bound=schedule.stats.get("upper_bound_weight"),
                participants_without_meeting=len(wanted - busy.keys()),
                breaks=sum(count_breaks(frozenset(b), sessions) for b in busy.values()),
                changes=changes,
            )
        )
    return rows


def _requests_by_id(ids: set[int]) -> dict[int, MeetingRequest]:
    if not ids:
        return {}
    return {
        r.id: r
        for r in db.session.scalars(sa.select(MeetingRequest).where(MeetingRequest.id.in_(ids)))
    }


def _places(schedule: Schedule) -> dict[str, tuple[int, int | None]]:
    return {
        m.uid: (m.slot_id, m.table_id)
        for m in schedule.meetings
        if m.status is MeetingStatus.SCHEDULED
    }


def _changed(old: tuple[int, int | None], new: tuple[int, int | None] | None) -> bool:
    """Dropped, moved to another slot, or re-tabled (a meeting without table may get one)."""
    return new is None or new[0] != old[0] or (old[1] is not None and new[1] != old[1])


def _participants_with_requests(event: Event) -> set[int]:
    """Approved registrations with an accepted request to another approved one."""
    approved = set(
        db.session.scalars(
            sa.select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.APPROVED,
            )
        )
    )
    pairs = db.session.execute(
        sa.select(MeetingRequest.from_registration_id, MeetingRequest.to_registration_id).where(
            MeetingRequest.event_id == event.id, MeetingRequest.status == RequestStatus.ACCEPTED
        )
    )
    wanted: set[int] = set()
    for a, b in pairs:
        if a in approved and b in approved:
            wanted.update((a, b))
    return wanted
