"""Setting up an event: details, lifecycle, organisers, sessions cut into slots, tables.

Rules (see docs/event-setup.md): admins create events and choose organisers; organisers edit
them. Times are entered in the event's local time and stored as naive UTC. Once a schedule
exists for the event, sessions and slots are frozen, except blocking a slot without meetings
(and unblocking any slot).

The package is split by subject: `times` (time zones and slot cutting), `slots` (sessions,
slots and the schedule lock), `details` (event details, lifecycle, organisers) and `tables`.
This module is the public interface the routes, the demo data and the tests use.
"""

from app.services.event_setup.common import LIVE_SCHEDULES, SetupError
from app.services.event_setup.details import (
    BACKWARD,
    DEFAULT_WEIGHTS,
    ORDER,
    WEIGHT_KEYS,
    EventData,
    accept_organiser_invitation,
    change_status,
    create_event,
    grant_organiser,
    invite_organiser,
    organised_events,
    organises_any,
    pending_organiser_invitations,
    revoke_organiser,
    slugify,
    status_moves,
    update_event,
    withdraw_organiser_invitation,
)
from app.services.event_setup.slots import (
    ScheduleLock,
    add_session,
    delete_session,
    generate_slots,
    plan_session,
    save_session,
    schedule_lock,
    set_slot_blocked,
    slot_meetings,
    sync_slots,
)
from app.services.event_setup.tables import (
    delete_table,
    set_tables,
    table_refusal,
    update_table,
)
from app.services.event_setup.times import (
    COMMON_TIMEZONES,
    local_to_utc,
    slot_times,
    utc_to_local,
    valid_timezone,
)

__all__ = [
    "BACKWARD",
    "COMMON_TIMEZONES",
    "DEFAULT_WEIGHTS",
    "LIVE_SCHEDULES",
    "ORDER",
    "WEIGHT_KEYS",
    "EventData",
    "ScheduleLock",
    "SetupError",
    "accept_organiser_invitation",
    "add_session",
    "change_status",
    "create_event",
    "delete_session",
    "delete_table",
    "generate_slots",
    "grant_organiser",
    "invite_organiser",
    "local_to_utc",
    "organised_events",
    "organises_any",
    "pending_organiser_invitations",
    "plan_session",
    "revoke_organiser",
    "save_session",
    "schedule_lock",
    "set_slot_blocked",
    "set_tables",
    "slot_meetings",
    "slot_times",
    "slugify",
    "status_moves",
    "sync_slots",
    "table_refusal",
    "update_event",
    "update_table",
    "utc_to_local",
    "valid_timezone",
    "withdraw_organiser_invitation",
]
