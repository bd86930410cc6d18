"""The engine's English sentences shown in the page's language, with names instead of ids.

`scheduling` writes its reasons in English with participant ids (`r<registration id>`): they
are stored that way in `Schedule.stats` (and in the solution JSON). They are translated when
shown; a sentence the engine does not list (older or newer wording) is shown as it is.
"""

from __future__ import annotations

from flask_babel import gettext

import scheduling
from app.services.run_health import N_

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


def shown_reason(reason: str, names: dict[str, str]) -> str:
    """Why a request was left out, in the page's language; `names` maps engine ids to names."""
    parsed = scheduling.parse_reason(reason)
    if parsed is None or parsed[0] not in REASON_MESSAGES:
        return reason
    key, fields = parsed
    return gettext(
        REASON_MESSAGES[key], **{name: names.get(value, value) for name, value in fields.items()}
    )
