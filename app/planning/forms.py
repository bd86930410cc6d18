"""Forms of the organiser's schedule building."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from app.forms import as_choices


class RunForm(FlaskForm):
    time_limit_s = IntegerField(
        _l("Time limit (seconds)"), default=60, validators=[InputRequired(), NumberRange(5, 1800)]
    )


class MeetingForm(FlaskForm):
    """Move a meeting; `seen_*` hold the place the organiser was shown (stale edits)."""

    slot_id = SelectField(_l("Slot"), coerce=int)
    table_id = SelectField(_l("Table"), coerce=int)
    seen_slot = HiddenField()
    seen_table = HiddenField()

    def __init__(self, *args, slots, tables, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_id.choices = as_choices(slots)
        self.table_id.choices = as_choices([(0, _l("No table"))] + list(tables))


class AddMeetingForm(FlaskForm):
    seeker_id = SelectField(_l("Company"), coerce=int)
    provider_id = SelectField(_l("AI provider"), coerce=int)
    slot_id = SelectField(_l("Slot"), coerce=int)
    table_id = SelectField(_l("Table"), coerce=int)

    def __init__(self, *args, seekers, providers, slots, tables, **kwargs):
        super().__init__(*args, **kwargs)
        self.seeker_id.choices = as_choices(seekers)
        self.provider_id.choices = as_choices(providers)
        self.slot_id.choices = as_choices(slots)
        self.table_id.choices = as_choices([(0, _l("No table"))] + list(tables))


class SwapForm(FlaskForm):
    """Swap two meetings. Each choice's value is "id:slot:table" as the organiser saw it, so a
    meeting changed meanwhile is detected (stale) instead of being swapped from a new place."""

    first = SelectField(
        _l("First meeting"),
        validate_choice=False,
        validators=[InputRequired(_l("Choose a meeting."))],
    )
    second = SelectField(
        _l("Second meeting"),
        validate_choice=False,
        validators=[InputRequired(_l("Choose a meeting."))],
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        choices = as_choices([("", _l("Choose a meeting"))] + list(meetings))
        self.first.choices = choices
        self.second.choices = choices

    @staticmethod
    def parse(value: str | None) -> tuple[int, tuple[int, int | None]] | None:
        """(meeting id, (slot id, table id)) from a choice value, or None if malformed."""
        parts = (value or "").split(":")
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts[:2]):
            return None
        if parts[2] and not (parts[2].isascii() and parts[2].isdigit()):
            return None
        return int(parts[0]), (int(parts[1]), int(parts[2]) if parts[2] else None)
