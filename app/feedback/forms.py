"""The feedback form: a rating from 1 to 5, an outcome, an optional comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from app.forms import as_choices
from app.models.enums import FeedbackOutcome
from app.services.feedback import COMMENT_MAX, RATINGS


def _rating(value) -> int | None:
    """The rating as a number; anything else becomes None and gets the range message."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def outcome_choices():
    return as_choices(
        [
            (FeedbackOutcome.FOLLOW_UP.value, _l("Follow-up planned")),
            (FeedbackOutcome.QUOTE.value, _l("Quote requested")),
            (FeedbackOutcome.PILOT.value, _l("Pilot project")),
            (FeedbackOutcome.CONTRACT.value, _l("Contract")),
            (FeedbackOutcome.NOT_RELEVANT.value, _l("Not relevant")),
            (FeedbackOutcome.NONE.value, _l("No outcome yet")),
        ]
    )


class FeedbackForm(FlaskForm):
    rating = RadioField(
        _l("Rating"),
        choices=as_choices([(n, str(n)) for n in RATINGS]),
        coerce=_rating,
        validate_choice=False,
        validators=[
            InputRequired(message=_l("Choose a rating from 1 to 5.")),
            NumberRange(min=1, max=5, message=_l("The rating must be between 1 and 5.")),
        ],
    )
    outcome = SelectField(
        _l("Outcome"),
        choices=outcome_choices(),
        default=FeedbackOutcome.NONE.value,
        validators=[InputRequired(message=_l("Choose an outcome."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[
            Length(
                max=COMMENT_MAX,
                message=_l("At most %(max)d characters.", max=COMMENT_MAX),
            )
        ],
    )
