"""Forms of the organiser's schedule building."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class RunForm(FlaskForm):
    time_limit_s = IntegerField(
        _l("Time limit (seconds)"), default=60, validators=[InputRequired(), NumberRange(5, 1800)]
    )
