"""Participant forms: organisations, solutions, members, event registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from stdnum.fr import siren
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.form import Form
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.forms import MultiCheckboxField, as_choices
from app.models.enums import Maturity, MemberRole, OrganisationKind, PriceRange

LANGUAGES = as_choices(
    [
        ("fr", "Français"),
        ("en", "English"),
        ("de", "Deutsch"),
        ("es", "Español"),
        ("it", "Italiano"),
    ]
)


def validate_siren(_form, field) -> None:
    if field.data:
        field.data = "".join(field.data.split())
        if not siren.is_valid(field.data):
            raise ValidationError(_l("This SIREN number is not valid (9 digits, checksum)."))


def price_choices():
    return as_choices([("", _l("Not specified"))] + [(p.value, p.value) for p in PriceRange])


class OrganisationCreateForm(FlaskForm):
    kind = RadioField(
        _l("You are"),
        choices=as_choices(
            [
                (OrganisationKind.COMPANY.value, _l("A company looking for AI solutions")),
                (OrganisationKind.PROVIDER.value, _l("An AI solution provider")),
            ]
        ),
        validators=[InputRequired(message=_l("Choose one."))],
    )
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])


class ProfileForm(FlaskForm):
    """The profile of an organisation; reference choices come from the view."""

    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    siren = StringField(_l("SIREN number (optional)"), validators=[Optional(), validate_siren])
    size_code = SelectField(_l("Size"), validators=[Optional()])
    sector_code = SelectField(_l("Sector (NAF section)"), validators=[Optional()])
    region_code = SelectField(_l("Region"), validators=[Optional()])
    website = URLField(
        _l("Website"),
        validators=[
            Optional(),
            URL(message=_l("Enter a full address, e.g. https://www.example.fr")),
            Length(max=300),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    languages = MultiCheckboxField(_l("Languages spoken"), choices=LANGUAGES)
    logo = FileField(_l("Logo (PNG, JPEG, WebP or GIF, 1 MB at most)"))
    needs = MultiCheckboxField(_l("AI use cases you are interested in"))
    needs_text = TextAreaField(_l("Your needs, in your own words"), validators=[Length(max=2000)])
    budget_range = SelectField(_l("Budget"), validators=[Optional()])
    timeline = StringField(_l("Timeline"), validators=[Length(max=50)])
    offer_text = TextAreaField(_l("Your offer, in your own words"), validators=[Length(max=2000)])
    catalogue_consent = BooleanField(
        _l("Show our organisation and solutions in the public catalogue")
    )
    directory_consent = BooleanField(
        _l("Show our organisation in the participant directory of the events we attend")
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", _l("Not specified"))]
        self.size_code.choices = as_choices(blank + choices["sizes"])
        self.sector_code.choices = as_choices(blank + choices["sectors"])
        self.region_code.choices = as_choices(blank + choices["regions"])
        self.needs.choices = as_choices(choices["use_cases"])
        self.budget_range.choices = price_choices()


class SolutionForm(FlaskForm):
    name = StringField(_l("Solution name"), validators=[DataRequired(), Length(max=200)])
    summary = StringField(_l("Summary"), validators=[DataRequired(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    use_cases = MultiCheckboxField(
        _l("Use cases"), validators=[DataRequired(message=_l("Choose at least one use case."))]
    )
    sectors = MultiCheckboxField(_l("Sectors served"))
    sizes = MultiCheckboxField(_l("Company sizes served"))
    hosting = MultiCheckboxField(_l("Hosting"))
    technologies = MultiCheckboxField(_l("Technologies"))
    maturity = SelectField(_l("Maturity"), choices=as_choices((m.value, m.value) for m in Maturity))
    price_range = SelectField(_l("Price range"), validators=[Optional()])
    customer_references = TextAreaField(_l("References"), validators=[Length(max=2000)])
    published = BooleanField(_l("Published in the catalogue"), default=True)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("use_cases", "sectors", "sizes", "hosting", "technologies"):
            getattr(self, name).choices = as_choices(choices[name])
        self.price_range.choices = price_choices()
        self.maturity.choices = as_choices((m.value, _maturity_label(m)) for m in Maturity)


def _maturity_label(maturity: Maturity):
    return {
        Maturity.PROTOTYPE: _l("Prototype"),
        Maturity.PILOT: _l("Pilot"),
        Maturity.PRODUCTION: _l("In production"),
    }[maturity]


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=as_choices(
            [(MemberRole.MEMBER.value, _l("Member")), (MemberRole.OWNER.value, _l("Owner"))]
        ),
    )


class AttendeeForm(Form):
    name = StringField(_l("Name"), validators=[Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Length(max=254)])
    job_title = StringField(_l("Job title"), validators=[Length(max=120)])

    def validate_name(self, field) -> None:
        if self.email.data and not field.data:
            raise ValidationError(_l("Give the name of this person."))

    def validate_email(self, field) -> None:
        if not field.data:
            if self.name.data:
                raise ValidationError(_l("Give the e-mail address of this person."))
            return
        Email(message=_l("Enter a valid e-mail address."))(self, field)


class RegistrationForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    sessions = MultiCheckboxField(
        _l("Sessions you attend"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one session."))],
    )
    unavailable = MultiCheckboxField(_l("Slots you cannot attend"), coerce=int)
    representatives = IntegerField(
        _l("People at your table (meetings held at the same time)"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=10)],
    )
    max_meetings = IntegerField(
        _l("Maximum number of meetings (optional)"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    attendees = FieldList(FormField(AttendeeForm), min_entries=3, max_entries=10)
    notes = TextAreaField(_l("Notes for the organisers"), validators=[Length(max=2000)])
    version = HiddenField()

    def __init__(self, *args, organisations, sessions, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = as_choices(organisations)
        self.sessions.choices = as_choices(sessions)
        self.unavailable.choices = as_choices(slots)

    def validate_attendees(self, field) -> None:
        if not any(entry.form.name.data and entry.form.email.data for entry in field.entries):
            raise ValidationError(_l("Name at least one person who will attend."))
