"""On the day: absences, no-show reports and walk-in meetings, on the published schedule.

These operations change the published version in place (the agenda, the calendars and the
now/next screen read it): a cancelled meeting keeps its row with status "cancelled" and a
higher SEQUENCE, an added meeting gets a new uid. Every writer first locks the published
schedule row (`SELECT ... FOR UPDATE` on PostgreSQL), so two on-site changes of one event
are serialised; a partial unique index (one scheduled meeting per table and slot of a
version) backs this on every database. Time is always passed in (`now`, naive UTC).
See docs/on-site.md for the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.models import Event, Meeting, MeetingTable, Registration, Schedule, Slot, User, db
from app.models.enums import (
    EventFormat,
    MeetingOrigin,
    MeetingStatus,
    OfferStatus,
    RegistrationRole,
    RegistrationStatus,
)
from app.models.schedule import RebookingOffer
from app.services import ServiceError
from app.services.notifications import notify
from app.services.registrations import is_organiser
from app.services.schedules import published_schedule

# A counterpart may report a no-show from this long after the meeting's start.
NO_SHOW_GRACE = timedelta(minutes=5)
# Statuses that hold a participant's time (a no-show or cancelled meeting frees it).
HOLDING = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)


@dataclass
class Change:
    """What an on-site operation did, for the emitters called after the commit."""

    event: Event
    registrations: set[int] = field(default_factory=set)  # agendas to refresh
    notifications: list = field(default_factory=list)
    absent: Registration | None = None
    cancelled: list[Meeting] = field(default_factory=list)
    added: Meeting | None = None
    no_show: Meeting | None = None  # a no-show of a checked-in participant (not made absent)
    offers: list = field(default_factory=list)  # rebooking offers created
    restored: list[Meeting] = field(default_factory=list)  # back on after "present again"
    not_restored: int = 0  # cancelled by the absence, their place taken meanwhile

    def merge(self, other: Change) -> None:
        self.registrations |= other.registrations
        self.notifications += other.notifications
        self.cancelled += other.cancelled
        self.absent = self.absent or other.absent
        self.added = self.added or other.added


def locked_schedule(event: Event) -> Schedule:
    """The published schedule, row-locked until the commit (serialises on-site writers)."""
    schedule = db.session.scalar(
        sa.select(Schedule)
        .where(Schedule.event_id == event.id, Schedule.status == "published")
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if schedule is None:
        raise ServiceError("no-schedule")
    return schedule


def current_meetings(schedule: Schedule) -> list[Meeting]:
    """Fresh rows of a version's meetings (never the identity map's older copies)."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.schedule_id == schedule.id)
            .execution_options(populate_existing=True)
        )
    )


def party_of(meeting: Meeting, user: User) -> Registration | None:
    """The party of the meeting the user belongs to (None for outsiders)."""
    for registration in (meeting.registration_a, meeting.registration_b):
        if registration.organisation.member_role(user) is not None:
            return registration
    return None


def other_party(meeting: Meeting, registration_id: int) -> Registration:
    if meeting.registration_a_id == registration_id:
        return meeting.registration_b
    return meeting.registration_a


def is_present(registration: Registration) -> bool:
    return registration.status is RegistrationStatus.APPROVED and registration.absent_at is None


def local_hhmm(value: datetime, event: Event) -> str:
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(event.timezone)).strftime("%H:%M")


def _payload(event: Event, other: Registration, slot: Slot, table: MeetingTable | None) -> dict:
    return {
        "event_slug": event.slug,
        "event_title": event.title,
        "other": other.organisation.name,
        "time": local_hhmm(slot.starts_at, event),
        "table": table.label if table is not None else "",
    }


def _tell(change: Change, *, to: Registration, kind: str, other: Registration, meeting) -> None:
    payload = _payload(change.event, other, meeting.slot, meeting.table)
    change.notifications += notify(organisation=to.organisation, kind=kind, payload=payload)
    change.registrations.add(to.id)


# Absence and no-shows


def _cancel_remaining(
    *, registration: Registration, schedule: Schedule, now: datetime, change: Change
) -> None:
    """Cancel the registration's meetings that have not started; tell each counterpart."""
    for meeting in current_meetings(schedule):
        if (
            meeting.status is MeetingStatus.SCHEDULED
            and registration.id in (meeting.registration_a_id, meeting.registration_b_id)
            and meeting.slot.starts_at > now
        ):
            meeting.status = MeetingStatus.CANCELLED
            meeting.sequence += 1
            meeting.cancelled_for_id = registration.id
            change.cancelled.append(meeting)
            other = other_party(meeting, registration.id)
            _tell(change, to=other, kind="onsite_absence", other=registration, meeting=meeting)
    for offer in db.session.scalars(
        sa.select(RebookingOffer).where(
            RebookingOffer.event_id == schedule.event_id,
            RebookingOffer.status == OfferStatus.PENDING,
            sa.or_(
                RebookingOffer.registration_a_id == registration.id,
                RebookingOffer.registration_b_id == registration.id,
            ),
        )
    ):
        offer.status = OfferStatus.EXPIRED
        change.registrations |= {offer.registration_a_id, offer.registration_b_id}


def mark_absent(*, registration: Registration, actor: User, now: datetime) -> Change:
    """An organiser marks a participant absent: its meetings still to come are cancelled."""
    event = registration.event
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")
    schedule = locked_schedule(event)
    db.session.refresh(registration)
    if registration.status is not RegistrationStatus.APPROVED:
        raise ServiceError("not-participant")
    if registration.absent_at is not None:
        raise ServiceError("already-absent")
    return _absent(registration=registration, schedule=schedule, now=now)


def _absent(*, registration: Registration, schedule: Schedule, now: datetime) -> Change:
    change = Change(event=schedule.event, absent=registration)
    registration.absent_at = now
    change.registrations.add(registration.id)
    _cancel_remaining(registration=registration, schedule=schedule, now=now, change=change)
    db.session.flush()
    return change


def mark_present(*, registration: Registration, actor: User, now: datetime) -> Change:
    """Undo an absence (a mistake, or a late arrival): the participant can book again, and
    the meetings its absence cancelled that have not started come back, in time order, where
    both sides are still free and present and a table is free (its own table if possible).
    The others stay cancelled: their place went to a walk-in or a rebooking meanwhile."""
    event = registration.event
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")
    schedule = locked_schedule(event) if published_schedule(event) is not None else None
    db.session.refresh(registration)
    if registration.absent_at is None:
        raise ServiceError("not-absent")
    registration.absent_at = None
    change = Change(event=event, registrations={registration.id})
    if schedule is not None:
        _restore(registration=registration, schedule=schedule, now=now, change=change)
    db.session.flush()
    return change


def _restore(*, registration: Registration, schedule: Schedule, now: datetime, change) -> None:
    meetings = current_meetings(schedule)
    offers = _offers_holding(schedule.event, now)
    cancelled = [
        m
        for m in meetings
        if m.status is MeetingStatus.CANCELLED
        and m.cancelled_for_id == registration.id
        and m.slot.starts_at > now
    ]
    for meeting in sorted(cancelled, key=lambda m: (m.slot.starts_at, m.id)):
        try:
            table = free_place(
                meetings=meetings,
                a=meeting.registration_a,
                b=meeting.registration_b,
                slot=meeting.slot,
                now=now,
                offers=offers,
                preferred=meeting.table_id,
            )
        except ServiceError:
            change.not_restored += 1
            continue
        meeting.status = MeetingStatus.SCHEDULED
        meeting.table = table
        meeting.sequence += 1
        meeting.cancelled_for_id = None
        change.restored.append(meeting)
        other = other_party(meeting, registration.id)
        _tell(change, to=other, kind="onsite_restored", other=registration, meeting=meeting)


def report_no_show(*, meeting: Meeting, actor: User, now: datetime) -> Change:
    """A party says the other did not come, from 5 minutes after the start.

    If the absent party has not checked in, it is marked absent (its later meetings are
    cancelled); if it has, only this meeting is a no-show and the organisers are told.
    """
    schedule = locked_schedule(meeting.schedule.event)
    if meeting.schedule_id != schedule.id:
        raise ServiceError("not-published")
    db.session.refresh(meeting)
    reporter = party_of(meeting, actor)
    if reporter is None:
        raise ServiceError("forbidden")
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise ServiceError("not-scheduled")
    if now < meeting.slot.starts_at + NO_SHOW_GRACE:
        raise ServiceError("too-early")
    missing = other_party(meeting, reporter.id)
    meeting.status = MeetingStatus.NO_SHOW
    meeting.no_show_registration_id = missing.id
    meeting.no_show_reported_by_id = actor.id
    change = Change(event=schedule.event, registrations={reporter.id, missing.id})
    db.session.refresh(missing)
    if missing.checked_in_at is None and missing.absent_at is None:
        change.merge(_absent(registration=missing, schedule=schedule, now=now))
    else:
        change.no_show = meeting
    db.session.flush()
    return change


# Walk-in meetings and the free places both they and rebooking offers need


def _max_meetings(registration: Registration) -> int:
    if registration.max_meetings is not None:
        return registration.max_meetings
    return registration.event.max_meetings_default


def place_problem(
    *,
    meetings: list[Meeting],
    a: Registration,
    b: Registration,
    slot: Slot,
    now: datetime,
    offers: list[RebookingOffer] = (),
) -> str | None:
    """Why a new meeting of a and b at this slot is impossible (an error code), or None.

    `offers` are pending proposals that also hold their slot and table (rebooking).
    """
    if slot.event_id != a.event_id or slot.blocked:
        return "slot-blocked"
    if slot.starts_at <= now:
        return "slot-started"
    for party in (a, b):
        name = party.organisation.name
        if not is_present(party):
            return f"absent:{name}"
        if slot in party.unavailable_slots:
            return f"unavailable:{name}"
        mine = [
            m
            for m in meetings
            if party.id in (m.registration_a_id, m.registration_b_id) and m.status in HOLDING
        ]
        busy = sum(1 for m in mine if m.slot_id == slot.id)
        busy += sum(
            1
            for o in offers
            if o.slot_id == slot.id and party.id in (o.registration_a_id, o.registration_b_id)
        )
        if busy >= party.representatives:
            return f"busy:{name}"
        if len(mine) >= _max_meetings(party):
            return f"max-meetings:{name}"
    if any(
        {m.registration_a_id, m.registration_b_id} == {a.id, b.id}
        and m.status in HOLDING
        and m.slot.ends_at > now
        for m in meetings
    ):
        return "already-meeting"
    return None


def free_place(
    *,
    meetings: list[Meeting],
    a: Registration,
    b: Registration,
    slot: Slot,
    now: datetime,
    offers: list[RebookingOffer] = (),
    preferred: int | None = None,
) -> MeetingTable | None:
    """The table for a new meeting of a and b at this slot; raises why it is impossible."""
    problem = place_problem(meetings=meetings, a=a, b=b, slot=slot, now=now, offers=offers)
    if problem is not None:
        raise ServiceError(problem)
    return free_table(meetings=meetings, a=a, b=b, slot=slot, offers=offers, preferred=preferred)


def free_table(
    *,
    meetings: list[Meeting],
    a: Registration,
    b: Registration,
    slot: Slot,
    offers: list[RebookingOffer] = (),
    preferred: int | None = None,
) -> MeetingTable | None:
    """A table free at this slot (the host's own table when hosts keep one); raises if none."""
    event = slot.event
    if not event.tables:
        return None
    taken = {m.table_id for m in meetings if m.slot_id == slot.id and m.status in HOLDING}
    taken |= {o.table_id for o in offers if o.slot_id == slot.id}
    if event.format is EventFormat.HOME_TABLES:
        homes = [p.home_table for p in (a, b) if p.home_table_id]
        if homes:
            home = homes[0]
            if home.id in taken:
                raise ServiceError(f"home-table-taken:{home.label}")
            return home
        # Nobody hosts: a table that is nobody's home table.
        hosted = set(
            db.session.scalars(
                sa.select(Registration.home_table_id).where(
                    Registration.event_id == event.id, Registration.home_table_id.is_not(None)
                )
            )
        )
        taken |= hosted
    candidates = [t for t in event.tables if t.id not in taken]
    if not candidates:
        raise ServiceError("no-table")
    return next((t for t in candidates if t.id == preferred), candidates[0])


def _offers_holding(event: Event, now: datetime) -> list[RebookingOffer]:
    return list(
        db.session.scalars(
            sa.select(RebookingOffer)
            .join(Slot, Slot.id == RebookingOffer.slot_id)
            .where(
                RebookingOffer.event_id == event.id,
                RebookingOffer.status == OfferStatus.PENDING,
                Slot.starts_at > now,
            )
        )
    )


def can_walk_in(registration: Registration) -> bool:
    return is_present(registration) and registration.checked_in_at is not None


def walk_in_partners(registration: Registration) -> list[Registration]:
    """Present (checked-in, not absent) participants of the other role, by name."""
    other_role = (
        RegistrationRole.PROVIDER
        if registration.role is RegistrationRole.SEEKER
        else RegistrationRole.SEEKER
    )
    rows = db.session.scalars(
        sa.select(Registration).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.APPROVED,
            Registration.role == other_role,
            Registration.checked_in_at.is_not(None),
            Registration.absent_at.is_(None),
        )
    )
    return sorted(rows, key=lambda r: r.organisation.name.lower())


def upcoming_slots(event: Event, now: datetime) -> list[Slot]:
    return [s for s in event.slots if not s.blocked and s.starts_at > now]


def free_slots(registration: Registration, now: datetime) -> list[Slot]:
    """Upcoming slots where the registration is available and has someone free."""
    busy: dict[int, int] = {}
    for meeting in upcoming_meetings(registration, now):
        if meeting.status in HOLDING:
            busy[meeting.slot_id] = busy.get(meeting.slot_id, 0) + 1
    unavailable = {s.id for s in registration.unavailable_slots}
    return [
        s
        for s in upcoming_slots(registration.event, now)
        if s.id not in unavailable and busy.get(s.id, 0) < registration.representatives
    ]


def book_walk_in(
    *,
    booker: Registration,
    other: Registration,
    slot: Slot,
    actor: User,
    now: datetime,
) -> Change:
    """A checked-in participant books a free upcoming slot with another present one."""
    event = booker.event
    if booker.organisation.member_role(actor) is None:
        raise ServiceError("forbidden")
    if other.event_id != event.id or slot.event_id != event.id:
        raise ServiceError("foreign")
    schedule = locked_schedule(event)
    db.session.refresh(booker)
    db.session.refresh(other)
    if not can_walk_in(booker):
        raise ServiceError("not-checked-in")
    if not can_walk_in(other):
        raise ServiceError(f"other-not-here:{other.organisation.name}")
    if booker.role is other.role:
        raise ServiceError("bad-pair")
    meetings = current_meetings(schedule)
    offers = _offers_holding(event, now)
    table = free_place(meetings=meetings, a=booker, b=other, slot=slot, now=now, offers=offers)
    seeker, provider = (
        (booker, other) if booker.role is RegistrationRole.SEEKER else (other, booker)
    )
    meeting = add_published_meeting(
        schedule=schedule,
        a=seeker,
        b=provider,
        slot=slot,
        table=table,
        origin=MeetingOrigin.WALK_IN,
    )
    change = Change(event=event, registrations={booker.id}, added=meeting)
    _tell(change, to=other, kind="onsite_walk_in", other=booker, meeting=meeting)
    return change


def add_published_meeting(
    *,
    schedule: Schedule,
    a: Registration,
    b: Registration,
    slot: Slot,
    table: MeetingTable | None,
    origin: MeetingOrigin,
    request_id: int | None = None,
) -> Meeting:
    """Add a meeting to the published version; the unique index refuses a taken table."""
    meeting = Meeting(
        schedule=schedule,
        registration_a=a,
        registration_b=b,
        slot=slot,
        table=table,
        origin=origin,
        request_id=request_id,
        locked=True,
    )
    db.session.add(meeting)
    label = table.label if table is not None else ""
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Another booking took the table first (SQLite cannot hold the row lock): the whole
        # operation is void, so roll it back here rather than leave a broken session.
        db.session.rollback()
        raise ServiceError(f"table-taken:{label}") from None
    return meeting


def upcoming_meetings(registration: Registration, now: datetime) -> list[Meeting]:
    """The registration's meetings of the published version not yet over, in time order."""
    schedule = published_schedule(registration.event)
    if schedule is None:
        return []
    rows = db.session.scalars(
        sa.select(Meeting)
        .join(Slot, Slot.id == Meeting.slot_id)
        .where(
            Meeting.schedule_id == schedule.id,
            sa.or_(
                Meeting.registration_a_id == registration.id,
                Meeting.registration_b_id == registration.id,
            ),
            Slot.ends_at > now,
        )
        .order_by(Slot.position, Meeting.id)
    )
    return list(rows)


def can_report(meeting: Meeting, now: datetime) -> bool:
    return (
        meeting.status is MeetingStatus.SCHEDULED and now >= meeting.slot.starts_at + NO_SHOW_GRACE
    )


def remaining_meetings(event: Event, now: datetime) -> dict[int, int]:
    """Registration id → meetings of the published version still to come (one query)."""
    schedule = published_schedule(event)
    if schedule is None:
        return {}
    counts: dict[int, int] = {}
    rows = db.session.execute(
        sa.select(Meeting.registration_a_id, Meeting.registration_b_id)
        .join(Slot, Slot.id == Meeting.slot_id)
        .where(
            Meeting.schedule_id == schedule.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Slot.starts_at > now,
        )
    )
    for a, b in rows:
        counts[a] = counts.get(a, 0) + 1
        counts[b] = counts.get(b, 0) + 1
    return counts
