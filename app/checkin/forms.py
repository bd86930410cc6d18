"""Forms of the reception desk, the participant's badge and the announcements."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.services.announcements import MAX_LENGTH
from app.services.checkin import MAX_CODE


class CheckinForm(FlaskForm):
    code = StringField(
        _l("Badge code"),
        validators=[
            DataRequired(_l("Type or scan the code of a badge.")),
            Length(max=MAX_CODE, message=_l("This code is too long to be a badge code.")),
        ],
    )


class SelfCheckinForm(FlaskForm):
    entrance = StringField(
        _l("Code shown at the entrance"),
        validators=[
            DataRequired(_l("Type the code shown at the entrance.")),
            Length(max=16, message=_l("This code is too long.")),
        ],
    )


class AnnouncementForm(FlaskForm):
    message = TextAreaField(
        _l("Announcement"),
        validators=[
            DataRequired(_l("Write the announcement.")),
            Length(
                max=MAX_LENGTH,
                message=_l("At most %(max)d characters.", max=MAX_LENGTH),
            ),
        ],
    )
