"""Forms for meeting requests and the organiser's matchmaking tools."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.forms import as_choices
from app.models.enums import RequestPriority


def priority_choices():
    return as_choices(
        [
            (RequestPriority.MUST_MEET.value, _l("Must meet")),
            (RequestPriority.WOULD_LIKE.value, _l("Would like to meet")),
            (RequestPriority.IF_TIME.value, _l("If there is time")),
        ]
    )


class RequestForm(FlaskForm):
    to_id = HiddenField(validators=[DataRequired()])
    priority = RadioField(
        _l("Priority"),
        choices=priority_choices(),
        default=RequestPriority.WOULD_LIKE.value,
        validators=[InputRequired()],
    )
    message = TextAreaField(_l("Message (optional)"), validators=[Length(max=1000)])


class AnswerForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=500)])


class OnBehalfForm(FlaskForm):
    seeker_id = SelectField(_l("Company"), coerce=int)
    provider_id = SelectField(_l("AI provider"), coerce=int)

    def __init__(self, *args, seekers, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.seeker_id.choices = as_choices(seekers)
        self.provider_id.choices = as_choices(providers)


class FillGapsForm(FlaskForm):
    min_accepted = IntegerField(
        _l("Participants with fewer accepted requests than"),
        default=3,
        validators=[InputRequired(), NumberRange(min=1, max=30)],
    )
    mode = SelectField(
        _l("What to create"),
        choices=as_choices(
            [
                ("suggest", _l("Requests for the other side to accept")),
                ("propose", _l("Organiser-proposed meetings (lower weight in the schedule)")),
            ]
        ),
    )
