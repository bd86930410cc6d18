"""Forms of the organiser's API token page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the token"),
        validators=[DataRequired(message=_l("Give the token a name.")), Length(max=120)],
        description=_l("What the token is for, e.g. “CRM of the chamber of commerce”."),
    )
