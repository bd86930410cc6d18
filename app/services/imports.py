"""Bulk import of registrations by an organiser (the API): idempotent, with a per-row report.

A row names an organisation (found by its folded name, or created), its kind, optional
reference codes, and the registration's figures and attending people. Importing the same row
again changes nothing; a changed row updates the registration. Rows are checked one by one:
a bad row is reported with the fields at fault and the other rows are still imported.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import selectinload

from app.models import (
    Attendee,
    CompanySize,
    Event,
    Organisation,
    Region,
    Registration,
    Sector,
    User,
    db,
)
from app.models.enums import (
    OrganisationKind,
    RegistrationRole,
    RegistrationStatus,
)
from app.models.organisation import fold_name
from app.services import ServiceError
from app.services.registrations import MAX_REPRESENTATIVES, is_organiser

MAX_ROWS = 1000
MAX_ATTENDEES = 20
MAX_MEETINGS = 200
ROW_FIELDS = {
    "name",
    "kind",
    "sector_code",
    "size_code",
    "region_code",
    "representatives",
    "max_meetings",
    "attendees",
    "status",
}
CODE_FIELDS = {"sector_code": Sector, "size_code": CompanySize, "region_code": Region}


@dataclass
class RowResult:
    row: int
    status: str = "unchanged"  # created | updated | unchanged | error
    errors: list[dict[str, str]] = field(default_factory=list)
    registration_id: int | None = None

    def error(self, field_name: str, message: str) -> None:
        self.status = "error"
        self.errors.append({"field": field_name, "message": message})


@dataclass(frozen=True)
class _Row:
    name: str
    kind: OrganisationKind
    codes: dict[str, str]
    representatives: int | None
    max_meetings: int | None
    has_max_meetings: bool
    attendees: list[tuple[str, str, str | None]]  # (name, e-mail, job title or None: keep)
    status: RegistrationStatus | None


def import_registrations(*, event: Event, actor: User, rows: list[Any]) -> list[RowResult]:
    """Create or update one registration per row; returns one result per row, in order."""
    if not is_organiser(event, actor):
        raise ServiceError("forbidden")
    if len(rows) > MAX_ROWS:
        raise ServiceError("too-many-rows")
    known = {
        name: set(db.session.scalars(sa.select(model.code))) for name, model in CODE_FIELDS.items()
    }
    parsed = []
    for index, raw in enumerate(rows):
        result = RowResult(row=index)
        parsed.append((result, _parse(raw, result, known)))
    index = _Index.load(event, [row.name for _, row in parsed if row is not None])
    applied = []
    for result, row in parsed:
        if row is not None:
            registration = _apply_row(event, actor, row, result, index)
            if registration is not None:
                applied.append((result, registration))
    db.session.flush()
    for result, registration in applied:
        result.registration_id = registration.id
    return [result for result, _ in parsed]


@dataclass
class _Index:
    """The organisations named by the rows (by folded name) and their registrations."""

    organisations: dict[str, Organisation]
    registrations: dict[str, Registration]

    @classmethod
    def load(cls, event: Event, names: list[str]) -> _Index:
        keys = sorted({fold_name(name) for name in names})
        organisations, registrations = {}, {}
        for start in range(0, len(keys), 500):  # stay under SQLite's parameter limit
            chunk = keys[start : start + 500]
            for organisation in db.session.scalars(
                sa.select(Organisation).where(Organisation.name_key.in_(chunk))
            ):
                organisations[organisation.name_key] = organisation
            for registration in db.session.scalars(
                sa.select(Registration)
                .join(Organisation)
                .where(Registration.event_id == event.id, Organisation.name_key.in_(chunk))
                .options(selectinload(Registration.attendees))
            ):
                registrations[registration.organisation.name_key] = registration
        return cls(organisations=organisations, registrations=registrations)


def _text(raw: dict, key: str, result: RowResult, *, max_length: int) -> str | None:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        result.error(key, f"{key} is required (a non-empty string)")
        return None
    if len(value.strip()) > max_length:
        result.error(key, f"{key} is longer than {max_length} characters")
        return None
    if _has_control(value):
        result.error(key, f"{key} contains control characters")
        return None
    return value.strip()


def _has_control(value: str) -> bool:
    """Control characters (NUL is refused by PostgreSQL) have no place in names."""
    return any(unicodedata.category(char) == "Cc" for char in value)


def _integer(raw: dict, key: str, result: RowResult, *, low: int, high: int) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        result.error(key, f"{key} must be an integer from {low} to {high}")
        return None
    return value


def _parse(raw: Any, result: RowResult, known: dict[str, set[str]]) -> _Row | None:
    """The row's values, or None with the errors recorded in `result`."""
    if not isinstance(raw, dict):
        result.error("row", "a row is a JSON object")
        return None
    for key in sorted(set(raw) - ROW_FIELDS):
        result.error(key, f"unknown field {key!r}")
    name = _text(raw, "name", result, max_length=200)
    if name is not None and not fold_name(name):
        result.error("name", "name must contain letters or digits")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in {k.value for k in OrganisationKind}:
        result.error("kind", "kind must be 'company' or 'provider'")
    codes = {}
    for key, values in known.items():
        code = raw.get(key)
        if code is None:
            continue
        if not isinstance(code, str) or code not in values:
            result.error(key, f"unknown {key.removesuffix('_code')} code {code!r}")
        else:
            codes[key] = code
    representatives = _integer(raw, "representatives", result, low=1, high=MAX_REPRESENTATIVES)
    max_meetings = _integer(raw, "max_meetings", result, low=0, high=MAX_MEETINGS)
    attendees = _attendees(raw.get("attendees", []), result)
    status = raw.get("status")
    if status is not None and (
        not isinstance(status, str) or status not in {s.value for s in RegistrationStatus}
    ):
        result.error("status", "status must be pending, approved, rejected or cancelled")
    if result.errors:
        return None
    return _Row(
        name=name,
        kind=OrganisationKind(kind),
        codes=codes,
        representatives=representatives,
        max_meetings=max_meetings,
        has_max_meetings="max_meetings" in raw,
        attendees=attendees,
        status=RegistrationStatus(status) if status is not None else None,
    )


def _attendees(raw: Any, result: RowResult) -> list[tuple[str, str, str | None]]:
    if not isinstance(raw, list) or len(raw) > MAX_ATTENDEES:
        result.error("attendees", f"attendees is a list of at most {MAX_ATTENDEES} people")
        return []
    people, seen = [], set()
    for n, item in enumerate(raw):
        where = f"attendees[{n}]"
        if not isinstance(item, dict):
            result.error(where, "an attendee is an object with name and email")
            continue
        name, email = item.get("name"), item.get("email")
        job_title = item.get("job_title")
        if (
            not isinstance(name, str)
            or not name.strip()
            or len(name.strip()) > 120
            or _has_control(name)
        ):
            result.error(f"{where}.name", "name is required (at most 120 characters)")
        if job_title is not None and (
            not isinstance(job_title, str) or len(job_title) > 120 or _has_control(job_title)
        ):
            result.error(f"{where}.job_title", "job_title is a string of at most 120 characters")
        try:
            if not isinstance(email, str) or len(email) > 254:
                raise EmailNotValidError("not a string")
            address = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            result.error(f"{where}.email", f"invalid e-mail address {email!r}")
            continue
        if address in seen:
            result.error(f"{where}.email", f"{address} appears twice")
            continue
        seen.add(address)
        if not result.errors:
            people.append((name.strip(), address, job_title.strip() if job_title else job_title))
    return people


def _organisation(row: _Row, result: RowResult, index: _Index) -> tuple[Organisation | None, bool]:
    """The organisation of the row, found by folded name or new; (None, _) on a kind clash."""
    key = fold_name(row.name)
    organisation = index.organisations.get(key)
    if organisation is None:
        organisation = Organisation(kind=row.kind, name=row.name, **row.codes)
        db.session.add(organisation)
        index.organisations[key] = organisation
        return organisation, True
    if organisation.kind is not row.kind:
        result.error("kind", f"{organisation.name} exists as a {organisation.kind.value}")
        return None, False
    changed = False
    # An existing profile is the organisation's own: only empty fields are filled in.
    for key, code in row.codes.items():
        if getattr(organisation, key) is None:
            setattr(organisation, key, code)
            changed = True
    return organisation, changed


def _apply_row(
    event: Event, actor: User, row: _Row, result: RowResult, index: _Index
) -> Registration | None:
    organisation, changed = _organisation(row, result, index)
    if organisation is None:
        return None
    registration = index.registrations.get(organisation.name_key)
    created = registration is None
    if created:
        registration = Registration(
            event=event,
            organisation=organisation,
            created_by=actor,
            role=RegistrationRole.PROVIDER
            if row.kind is OrganisationKind.PROVIDER
            else RegistrationRole.SEEKER,
            status=row.status or RegistrationStatus.APPROVED,
            representatives=row.representatives or 1,
            max_meetings=row.max_meetings,
            sessions=list(event.sessions),
        )
        db.session.add(registration)
        index.registrations[organisation.name_key] = registration
    else:
        changed |= _update(registration, row)
    changed |= _merge_attendees(registration, row.attendees)
    result.status = "created" if created else "updated" if changed else "unchanged"
    return registration


def _update(registration: Registration, row: _Row) -> bool:
    values = {}
    if row.representatives is not None:
        values["representatives"] = row.representatives
    if row.has_max_meetings:
        values["max_meetings"] = row.max_meetings
    if row.status is not None:
        values["status"] = row.status
    changed = False
    for key, value in values.items():
        if getattr(registration, key) != value:
            setattr(registration, key, value)
            changed = True
    return changed


def _merge_attendees(registration: Registration, people: list[tuple[str, str, str | None]]) -> bool:
    """Add the people not yet attending, update names; nobody is removed by an import."""
    by_email = {a.email.lower(): a for a in registration.attendees}
    changed = False
    for name, email, job_title in people:
        attendee = by_email.get(email)
        if attendee is None:
            attendee = Attendee(name=name, email=email, job_title=job_title or "")
            registration.attendees.append(attendee)
            changed = True
            continue
        if attendee.name != name:
            attendee.name, changed = name, True
        if job_title is not None and attendee.job_title != job_title:
            attendee.job_title, changed = job_title, True
    return changed
