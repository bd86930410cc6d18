"""Manual edits of a draft schedule: move, swap, cancel, lock, add; each validated.

Edits apply to the newest draft; when only a published version exists, it is copied into a
new draft first (publishing that draft makes the edits visible). A form carries the slot and
table it was shown, so an edit over a meeting someone else just moved is refused ("stale").
"""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Event, Meeting, MeetingTable, Registration, Schedule, Slot, User, db
from app.models.base import utcnow
from app.models.enums import EventFormat, MeetingStatus, ScheduleStatus
from app.services import ServiceError
from app.services.registrations import is_organiser
from app.services.schedules import copy_meeting, latest_draft, published_schedule


def editable_draft(*, event: Event, actor: User) -> Schedule:
    """The draft to edit: the newest one, or a copy of the published version."""
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")
    draft = latest_draft(event)
    if draft is not None:
        return draft
    published = published_schedule(event)
    if published is None:
        raise ServiceError("no-schedule")
    version = db.session.scalar(
        sa.select(sa.func.max(Schedule.version)).where(Schedule.event_id == event.id)
    )
    draft = Schedule(
        event=event,
        version=version + 1,
        status=ScheduleStatus.DRAFT,
        stats=dict(published.stats),
        run_id=published.run_id,
    )
    for m in published.meetings:
        # Meetings held or missed on the day are history: the copy keeps them as they are.
        if m.status in (MeetingStatus.SCHEDULED, MeetingStatus.HELD, MeetingStatus.NO_SHOW):
            draft.meetings.append(copy_meeting(m))
    db.session.add(draft)
    db.session.flush()
    return draft


# Another meeting of the same edit at its new place: (meeting, slot, table).
Placement = tuple[Meeting, Slot, MeetingTable | None]


def _busy(
    schedule: Schedule,
    slot: Slot,
    registration: Registration,
    ignore: tuple[Meeting, ...],
    also: tuple[Placement, ...],
) -> int:
    others = sum(
        1
        for m in schedule.meetings
        if m not in ignore
        and m.status is MeetingStatus.SCHEDULED
        and m.slot_id == slot.id
        and registration.id in (m.registration_a_id, m.registration_b_id)
    )
    return others + sum(
        1
        for m, at, _table in also
        if at.id == slot.id and registration.id in (m.registration_a_id, m.registration_b_id)
    )


def _table_taken(
    schedule: Schedule,
    slot: Slot,
    table: MeetingTable,
    ignore: tuple[Meeting, ...],
    also: tuple[Placement, ...],
) -> bool:
    return any(
        m not in ignore
        and m.status is MeetingStatus.SCHEDULED
        and m.slot_id == slot.id
        and m.table_id == table.id
        for m in schedule.meetings
    ) or any(at.id == slot.id and t is not None and t.id == table.id for _m, at, t in also)


def validate_place(
    *,
    schedule: Schedule,
    a: Registration,
    b: Registration,
    slot: Slot,
    table: MeetingTable | None,
    ignore: tuple[Meeting, ...] = (),
    also: tuple[Placement, ...] = (),
) -> None:
    """Refuse a place that breaks a rule, naming it.

    `ignore`: meetings that leave their place in the same edit; `also`: where they go.
    """
    event = schedule.event
    if slot.event_id != event.id or (table is not None and table.event_id != event.id):
        raise ServiceError("foreign-place")
    if slot.blocked:
        raise ServiceError("slot-blocked")
    for party in (a, b):
        if slot in party.unavailable_slots:
            raise ServiceError(f"unavailable:{party.organisation.name}")
        if _busy(schedule, slot, party, ignore, also) >= party.representatives:
            raise ServiceError(f"double-booked:{party.organisation.name}")
    if table is not None and event.format is EventFormat.HOME_TABLES:
        homes = {p.home_table_id for p in (a, b) if p.home_table_id}
        if homes and table.id not in homes:
            raise ServiceError("not-home-table")
    if table is not None and _table_taken(schedule, slot, table, ignore, also):
        raise ServiceError(f"table-taken:{table.label}")


def _lock_draft(schedule: Schedule, *meetings: Meeting) -> None:
    """Serialise the edits of one version, then read it afresh.

    Validation reads the whole version (who is busy when, which table is free), so two
    organisers' edits must not interleave: a write on the version's row waits for any other
    edit or publication in progress (row lock on PostgreSQL, the write lock on SQLite). The
    page's view of the meetings is then checked against what is committed ("stale").
    """
    db.session.execute(
        sa.update(Schedule)
        .where(Schedule.id == schedule.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    for meeting in meetings:
        try:
            db.session.refresh(meeting)
        except sa.exc.InvalidRequestError:  # deleted meanwhile (cancelled in the draft)
            raise ServiceError("stale") from None


def _check_seen(meeting: Meeting, seen: tuple[int, int | None]) -> None:
    if (meeting.slot_id, meeting.table_id) != seen or meeting.status is not MeetingStatus.SCHEDULED:
        raise ServiceError("stale")


def move_meeting(
    *,
    meeting: Meeting,
    slot: Slot,
    table: MeetingTable | None,
    actor: User,
    seen: tuple[int, int | None],
) -> None:
    if not is_organiser(meeting.schedule.event, actor):
        raise ServiceError("forbidden")
    _lock_draft(meeting.schedule, meeting)
    if meeting.schedule.status is not ScheduleStatus.DRAFT:
        raise ServiceError("not-draft")
    _check_seen(meeting, seen)
    validate_place(
        schedule=meeting.schedule,
        a=meeting.registration_a,
        b=meeting.registration_b,
        slot=slot,
        table=table,
        ignore=(meeting,),
    )
    _place(meeting, slot, table)
    _flush_or_stale()


def _flush_or_stale() -> None:
    """Flush; a place taken by a concurrent edit (unique index) is reported as stale."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise ServiceError("stale") from None


def _place(meeting: Meeting, slot: Slot, table: MeetingTable | None) -> None:
    if (meeting.slot_id, meeting.table_id) != (slot.id, table.id if table else None):
        meeting.slot, meeting.table = slot, table
        meeting.sequence += 1


def _names(meeting: Meeting) -> str:
    return (
        f"{meeting.registration_a.organisation.name} · {meeting.registration_b.organisation.name}"
    )


def swap_meetings(
    *,
    first: Meeting,
    second: Meeting,
    actor: User,
    seen: tuple[tuple[int, int | None], tuple[int, int | None]],
) -> None:
    """Exchange the slots and tables of two meetings of a draft, both checked like a move.

    `seen` holds the places the organiser was shown; if either meeting has changed since,
    the swap is refused ("stale") and nothing is written. Locked meetings are refused: the
    organiser unlocks them first, on purpose.
    """
    schedule = first.schedule
    if not is_organiser(schedule.event, actor):
        raise ServiceError("forbidden")
    if second.schedule_id != first.schedule_id:
        raise ServiceError("stale")
    _lock_draft(schedule, first, second)
    if schedule.status is not ScheduleStatus.DRAFT:
        raise ServiceError("not-draft")
    if first.id == second.id:
        raise ServiceError("same-meeting")
    _check_seen(first, seen[0])
    _check_seen(second, seen[1])
    for meeting in (first, second):
        if meeting.locked:
            raise ServiceError(f"locked:{_names(meeting)}")
    pair = (first, second)
    places = ((first, second.slot, second.table), (second, first.slot, first.table))
    for (meeting, slot, table), other in zip(places, reversed(places), strict=True):
        validate_place(
            schedule=schedule,
            a=meeting.registration_a,
            b=meeting.registration_b,
            slot=slot,
            table=table,
            ignore=pair,
            also=(other,),
        )
    # Park the first meeting without a table, so that no intermediate state breaks the
    # database's rule of one meeting per table and slot.
    before = {m.id: (m.slot_id, m.table_id) for m in pair}
    first.table = None
    _flush_or_stale()
    for meeting, slot, table in reversed(places):
        meeting.slot, meeting.table = slot, table
        _flush_or_stale()
    for meeting in pair:
        if (meeting.slot_id, meeting.table_id) != before[meeting.id]:
            meeting.sequence += 1
    db.session.flush()


def cancel_meeting(*, meeting: Meeting, actor: User, seen: tuple[int, int | None]) -> None:
    if not is_organiser(meeting.schedule.event, actor):
        raise ServiceError("forbidden")
    _lock_draft(meeting.schedule, meeting)
    if meeting.schedule.status is not ScheduleStatus.DRAFT:
        raise ServiceError("not-draft")
    _check_seen(meeting, seen)
    db.session.delete(meeting)  # publishing keeps a cancelled copy if it was published before
    db.session.flush()


def set_locked(*, meeting: Meeting, locked: bool, actor: User) -> None:
    if not is_organiser(meeting.schedule.event, actor):
        raise ServiceError("forbidden")
    _lock_draft(meeting.schedule, meeting)
    if meeting.schedule.status is not ScheduleStatus.DRAFT:
        raise ServiceError("not-draft")
    meeting.locked = locked
    db.session.flush()


def add_meeting(
    *,
    schedule: Schedule,
    a: Registration,
    b: Registration,
    slot: Slot,
    table: MeetingTable | None,
    actor: User,
) -> Meeting:
    if not is_organiser(schedule.event, actor):
        raise ServiceError("forbidden")
    _lock_draft(schedule)
    if schedule.status is not ScheduleStatus.DRAFT:
        raise ServiceError("not-draft")
    if a.id == b.id or a.role is b.role:
        raise ServiceError("bad-pair")
    if any(
        m.status is MeetingStatus.SCHEDULED
        and {m.registration_a_id, m.registration_b_id} == {a.id, b.id}
        for m in schedule.meetings
    ):
        raise ServiceError("already-meeting")
    validate_place(schedule=schedule, a=a, b=b, slot=slot, table=table)
    meeting = Meeting(registration_a=a, registration_b=b, slot=slot, table=table, locked=True)
    schedule.meetings.append(meeting)
    db.session.flush()
    return meeting
