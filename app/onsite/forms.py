"""Forms of the on-site pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.forms import as_choices


class WalkInForm(FlaskForm):
    """Book a free upcoming slot with another present participant."""

    partner_id = SelectField(_l("Meet"), coerce=int, validators=[InputRequired()])
    slot_id = SelectField(_l("Time"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args, partners, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_id.choices = as_choices(partners)
        self.slot_id.choices = as_choices(slots)
