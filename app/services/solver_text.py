"""The engine's English sentences shown in the page's language, with names instead of ids.

`scheduling` writes its reasons and diagnostics in English with its ids (`r<registration>`,
`q<request>`, `m<meeting>`, `s<slot>`, `t<table>`): they are stored that way (`Schedule.stats`,
`ScheduleRun.error`, the solution JSON, the API). They are translated where the organiser sees
them; a sentence the engine does not list (older or newer wording) is shown as it is.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext

import scheduling
from app.models import Event, Meeting, MeetingRequest, MeetingTable, Registration, Slot, db
from app.services.run_health import DEAD_REASONS, N_
from app.templating import local_time

# One message per key of `scheduling.REASONS`.
REASON_MESSAGES = {
    "no_common_slot": N_("no slot where both are free"),
    "over_max": N_("over the maximum number of meetings of %(participant)s"),
    "fully_booked": N_("%(participant)s is fully booked by higher-priority requests"),
    "no_table": N_("no free table in the common slots"),
    "precedence": N_("the required order with other meetings cannot be met in the free slots"),
    "break_bound": N_("left out to respect the maximum difference in breaks between participants"),
    "overall": N_("left out for a better overall schedule (fairness, breaks or time limit)"),
}

# One message per key of `scheduling.DIAGNOSTICS` (a run that found no schedule).
DIAGNOSTIC_MESSAGES = {
    "required_no_slot": N_("locked meeting %(request)s: no slot where both are free"),
    "over_slots": N_(
        "%(participant)s has %(n)s locked meetings but only %(slots)s available slots"
        " × %(capacity)s representatives"
    ),
    "over_max": N_("%(participant)s has %(n)s locked meetings but a maximum of %(max)s"),
    "slot_overfull": N_("the %(slot)s slot has %(n)s locked meetings but %(tables)s tables"),
    "participant_fixed": N_("%(participant)s has %(n)s meetings locked in the %(slot)s slot"),
    "table_fixed": N_("table %(table)s has %(n)s meetings locked in the %(slot)s slot"),
    "cycle": N_("meetings %(requests)s must each come after another"),
    "core": N_("these locked meetings cannot all be held together: %(meetings)s"),
    "break_bound": N_("together with the maximum difference in breaks (%(d)s)"),
    "no_short": N_("the locked meetings cannot all be held (no short explanation found)"),
    "no_core": N_("the locked meetings cannot all be held"),
    "time_limit": N_("no schedule found within the time limit"),
}
# A run that failed without a diagnostic stores the engine's status.
STATUS_MESSAGES = {
    "infeasible": DIAGNOSTIC_MESSAGES["no_core"],
    "unknown": DIAGNOSTIC_MESSAGES["time_limit"],
}

_ID = re.compile(r"\b([rqmst])(\d+)\b")
_PAIR = re.compile(r'"([qm]\d+)" \(r\d+-r\d+\)')  # a meeting in a list: "q12" (r3-r5)
_QUOTED = re.compile(r'"([qm]\d+)"')


def shown_reason(reason: str, names: dict[str, str]) -> str:
    """Why a request was left out, in the page's language; `names` maps engine ids to names."""
    return _shown(reason, scheduling.parse_reason(reason), REASON_MESSAGES, names)


def shown_run_error(error: str | None, event: Event) -> str:
    """A run's error for the organiser, in the page's language, with the event's names."""
    if not error:
        return ""
    if error in DEAD_REASONS:
        return gettext(error)
    if error in STATUS_MESSAGES:
        return gettext(STATUS_MESSAGES[error])
    sentences = error.split("; ")
    parsed = [scheduling.parse_diagnostic(s) for s in sentences]
    if not any(parsed):
        return error
    names = engine_names(event, error)
    return "; ".join(
        _shown(s, p, DIAGNOSTIC_MESSAGES, names) for s, p in zip(sentences, parsed, strict=True)
    )


def _shown(text: str, parsed, messages: dict[str, str], names: dict[str, str]) -> str:
    if parsed is None or parsed[0] not in messages:
        return text
    key, fields = parsed
    return gettext(messages[key], **{k: _named(v, names) for k, v in fields.items()})


def _named(value: str, names: dict[str, str]) -> str:
    """A field with the engine's ids replaced by names ("q12" (r3-r5) -> « A – B »)."""
    if value in names:
        return f"« {names[value]} »" if value[0] in "qm" else names[value]
    value = _PAIR.sub(lambda m: f"« {names.get(m[1], m[1])} »", value)
    return _QUOTED.sub(lambda m: f"« {names.get(m[1], m[1])} »", value)


def engine_names(event: Event, text: str) -> dict[str, str]:
    """Names of the engine ids found in `text`, looked up in this event only."""
    ids: dict[str, set[int]] = {}
    for kind, number in _ID.findall(text):
        ids.setdefault(kind, set()).add(int(number))

    def pair(a: Registration, b: Registration) -> str:
        return f"{a.organisation.name} – {b.organisation.name}"

    lookups = {  # kind: (model, the event's rows, name)
        "r": (Registration, Registration.event_id == event.id, lambda r: r.organisation.name),
        "q": (
            MeetingRequest,
            MeetingRequest.event_id == event.id,
            lambda q: pair(q.from_registration, q.to_registration),
        ),
        "m": (
            Meeting,
            Meeting.schedule.has(event_id=event.id),
            lambda m: pair(m.registration_a, m.registration_b),
        ),
        "s": (
            Slot,
            Slot.event_id == event.id,
            lambda s: s.label or local_time(s.starts_at, event.timezone),
        ),
        "t": (MeetingTable, MeetingTable.event_id == event.id, lambda t: t.label),
    }
    names: dict[str, str] = {}
    for kind, wanted in ids.items():
        model, in_event, name = lookups[kind]
        rows = db.session.scalars(sa.select(model).where(in_event, model.id.in_(wanted)))
        names |= {f"{kind}{row.id}": name(row) for row in rows}
    return names
