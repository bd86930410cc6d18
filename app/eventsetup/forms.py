"""Forms of the event set-up screens: they check shape; the service checks business rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.forms import MultiCheckboxField, as_choices
from app.models import Event
from app.models.enums import ApprovalMode, EventFormat, EventStatus
from app.services.event_setup import COMMON_TIMEZONES, WEIGHT_KEYS, valid_timezone

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def status_label(status: EventStatus) -> str:
    return {
        EventStatus.DRAFT: _l("Draft (not visible)"),
        EventStatus.REGISTRATION_OPEN: _l("Registration open"),
        EventStatus.MATCHMAKING: _l("Matchmaking"),
        EventStatus.SCHEDULING: _l("Scheduling"),
        EventStatus.PUBLISHED: _l("Schedule published"),
        EventStatus.LIVE: _l("Live"),
        EventStatus.CLOSED: _l("Closed"),
    }[status]


WEIGHT_LABELS = {
    "mutual_must_meet": _l("Weight: mutual must-meet"),
    "must_meet": _l("Weight: must meet"),
    "would_like": _l("Weight: would like to meet"),
    "if_time": _l("Weight: if time allows"),
    "organiser": _l("Weight: added by the organisers"),
}


def _weight() -> IntegerField:
    return IntegerField(
        validators=[
            InputRequired(),
            NumberRange(min=1, max=1000, message=_l("Enter a whole number from 1 to 1000.")),
        ]
    )


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Web address (slug)"),
        validators=[
            Optional(),
            Length(max=120),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use lower-case letters, digits and hyphens only."),
            ),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=10000)])
    sectors = MultiCheckboxField(_l("Sectors"), validate_choice=True)
    venue = StringField(_l("Venue"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    city = StringField(_l("City"), validators=[Length(max=120)])
    timezone = SelectField(_l("Time zone"), default="Europe/Paris", validate_choice=False)
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    registration_deadline = DateTimeLocalField(
        _l("Registration deadline"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    request_deadline = DateTimeLocalField(
        _l("Meeting requests deadline"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    meeting_minutes = IntegerField(
        _l("Meeting length (minutes)"),
        default=20,
        validators=[
            InputRequired(),
            NumberRange(min=1, max=480, message=_l("A meeting lasts from 1 to 480 minutes.")),
        ],
    )
    pause_minutes = IntegerField(
        _l("Pause between meetings (minutes)"),
        default=5,
        validators=[
            InputRequired(),
            NumberRange(min=0, max=240, message=_l("The pause lasts from 0 to 240 minutes.")),
        ],
    )
    format = SelectField(_l("Table format"), default=EventFormat.HOME_TABLES.value)
    approval_mode = SelectField(_l("Registration approval"), default=ApprovalMode.AUTO.value)
    max_registrations = IntegerField(
        _l("Maximum number of registrations"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("Enter at least 1, or leave empty.")),
        ],
    )
    max_meetings_default = IntegerField(
        _l("Default maximum of meetings per participant"),
        default=12,
        validators=[InputRequired(), NumberRange(min=0, max=200)],
    )
    max_pending_requests = IntegerField(
        _l("Maximum of requests awaiting an answer, per participant"),
        default=20,
        validators=[InputRequired(), NumberRange(min=0, max=1000)],
    )
    request_expiry_hours = IntegerField(
        _l("Requests expire after (hours)"),
        validators=[Optional(), NumberRange(min=1, max=24 * 90)],
    )
    weight_mutual_must_meet = _weight()
    weight_must_meet = _weight()
    weight_would_like = _weight()
    weight_if_time = _weight()
    weight_organiser = _weight()
    status = SelectField(_l("Status"))

    def __init__(self, *args, event: Event | None = None, sectors=(), moves=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sectors.choices = as_choices(sectors)
        zones = list(COMMON_TIMEZONES)
        current = self.timezone.data or (event.timezone if event else None)
        if current and current not in zones:
            zones.append(current)
        self.timezone.choices = as_choices((z, z.replace("_", " ")) for z in zones)
        self.format.choices = as_choices(
            [
                (EventFormat.HOME_TABLES.value, _l("Providers stay at their own table")),
                (EventFormat.FREE_TABLES.value, _l("Any free table for each meeting")),
            ]
        )
        self.approval_mode.choices = as_choices(
            [
                (ApprovalMode.AUTO.value, _l("Automatic")),
                (ApprovalMode.MANUAL.value, _l("Each registration approved by an organiser")),
            ]
        )
        for key in WEIGHT_KEYS:
            getattr(self, f"weight_{key}").label.text = WEIGHT_LABELS[key]
        if event is None:
            del self.status
        else:
            statuses = [event.status, *moves]
            self.status.choices = as_choices((s.value, status_label(s)) for s in statuses)

    def validate_timezone(self, field) -> None:
        if not valid_timezone(field.data or ""):
            raise ValidationError(_l("Unknown time zone."))

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_request_deadline(self, field) -> None:
        first = self.registration_deadline.data
        if first and field.data and field.data < first:
            raise ValidationError(_l("Meeting requests cannot close before registration does."))

    def weights(self) -> dict[str, int]:
        return {key: getattr(self, f"weight_{key}").data for key in WEIGHT_KEYS}


class OrganiserForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the account"),
        validators=[DataRequired(), Email(), Length(max=254)],
    )


class SessionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Start (local time)"), validators=[InputRequired()])
    end = TimeField(_l("End (local time)"), validators=[InputRequired()])
    preview = SubmitField(_l("Preview the slots"))
    save = SubmitField(_l("Save"))

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The session must end after it starts."))


class ItemForm(FlaskForm):
    """A button acting on one row (session, table, organiser) named by its id."""

    item_id = IntegerField(validators=[InputRequired()])


class SlotForm(ItemForm):
    label = StringField(_l("Label"), validators=[Length(max=120)])
    block = SubmitField(_l("Block"))
    unblock = SubmitField(_l("Unblock"))


class TablesForm(FlaskForm):
    count = IntegerField(
        _l("Number of tables"),
        validators=[InputRequired(), NumberRange(min=0, max=1000)],
    )
    pattern = StringField(
        _l("Label pattern"),
        default="T{n}",
        validators=[DataRequired(), Length(max=30)],
    )
    zones = StringField(_l("Zones"), validators=[Length(max=400)])

    def validate_pattern(self, field) -> None:
        if "{n}" not in (field.data or ""):
            raise ValidationError(_l("The pattern must contain {n}, replaced by the number."))

    def zone_list(self) -> list[str]:
        return [z.strip()[:40] for z in (self.zones.data or "").split(",") if z.strip()]


class TableForm(ItemForm):
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=40)])
    zone = StringField(_l("Zone"), validators=[Length(max=40)])
