"""Reference data loading and the demo event."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from app.models import (
    Event,
    MeetingRequest,
    Organisation,
    Registration,
    Sector,
    UseCase,
    User,
    db,
)
from app.models.enums import OrganisationKind, RegistrationStatus
from app.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SLUG, create_demo
from app.services.taxonomy import TAXONOMY_FILE, load_taxonomy


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_taxonomy_file_fully_loaded(app):
    data = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    assert _count(Sector) == len(data["sectors"]) == 21
    assert _count(UseCase) == sum(len(f["use_cases"]) for f in data["functions"])
    manufacturing = db.session.get(Sector, "C")
    assert manufacturing.label("fr") == "Industrie manufacturière"
    assert manufacturing.label("en") == "Manufacturing"


def test_taxonomy_load_is_idempotent_and_applies_label_changes(app, tmp_path):
    assert set(load_taxonomy().values()) == {0}
    data = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    data["sectors"][2]["en"] = "Manufacturing industry"
    changed = tmp_path / "taxonomy.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    try:
        changes = load_taxonomy(path=changed)
        assert changes["sectors"] == 1
        assert db.session.get(Sector, "C").label_en == "Manufacturing industry"
    finally:
        db.session.rollback()


def test_demo_event_is_realistic(app):
    result = create_demo(today=date(2026, 11, 26))
    db.session.commit()
    event = result.event
    assert result.created
    assert event.slug == DEMO_SLUG
    assert event.city == "Lyon"
    assert [s.name for s in event.sessions] == ["Matin", "Après-midi"]
    assert len(event.slots) == 16
    providers = _count(Organisation, Organisation.kind == OrganisationKind.PROVIDER)
    companies = _count(Organisation, Organisation.kind == OrganisationKind.COMPANY)
    assert (providers, companies) == (40, 120)
    approved = _count(Registration, Registration.status == RegistrationStatus.APPROVED)
    assert 150 <= approved < 160
    assert _count(MeetingRequest) >= 3 * 114
    assert _count(MeetingRequest, MeetingRequest.mutual) > 0
    assert any(r.unavailable_slots for r in event.registrations)
    assert any(r.representatives == 2 for r in event.registrations)


def test_demo_is_idempotent(app):
    create_demo(today=date(2026, 11, 26))
    db.session.commit()
    counts = (_count(Event), _count(Organisation), _count(MeetingRequest), _count(User))
    again = create_demo(today=date(2026, 11, 27))
    db.session.commit()
    assert not again.created
    assert (_count(Event), _count(Organisation), _count(MeetingRequest), _count(User)) == counts


def test_demo_command_prints_accounts_that_work(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email, _name, _kind in DEMO_ACCOUNTS:
        assert email in result.output
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.check_password(DEMO_PASSWORD)
    organiser = db.session.scalar(sa.select(User).where(User.email == DEMO_ACCOUNTS[0][0]))
    event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    assert organiser in event.organisers


def test_demo_command_if_empty_leaves_existing_events_alone(app, runner, factory):
    factory.event(title="Un autre événement")
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already has events" in result.output
    assert _count(Event) == 1


def test_demo_event_served_on_home_and_event_pages(app, client):
    create_demo(today=date.today())
    db.session.commit()
    assert "Rendez-vous IA — Industrie" in client.get("/").get_data(as_text=True)
    page = client.get(f"/evenements/{DEMO_SLUG}").get_data(as_text=True)
    assert "154 participants" in page
