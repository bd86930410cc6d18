"""Forms of a participant's agenda."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.services.agenda import NOTE_MAX_LENGTH


class NoteForm(FlaskForm):
    """A private note on one meeting; empty text deletes the note."""

    registration_id = HiddenField(validators=[InputRequired()])
    meeting_uid = HiddenField(validators=[InputRequired(), Length(max=64)])
    text = TextAreaField(
        _l("My note"),
        validators=[
            Length(
                max=NOTE_MAX_LENGTH,
                message=_l(
                    "A note has at most %(max)d characters; yours has %(length)d. "
                    "Shorten it: your text is kept below."
                ),
            )
        ],
    )
