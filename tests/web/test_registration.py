"""Registering an organisation for an event, editing, cancelling; directory; approvals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import Registration, db
from app.models.base import utcnow
from app.models.enums import (
    ApprovalMode,
    EventStatus,
    OrganisationKind,
    RegistrationRole,
    RegistrationStatus,
)


@pytest.fixture
def setup(factory, auth):
    user = factory.user(email="reg@example.fr", name="Régis")
    org = factory.organisation(name="Usinage Lyonnais", directory_consent=True)
    factory.member(user, org)
    event = factory.event(registration_deadline=utcnow() + timedelta(days=3))
    auth.login("reg@example.fr")
    return event, org


def _form(event, org, **overrides) -> dict:
    afternoon = [s for s in event.slots if s.session.name == "Après-midi"]
    data = {
        "organisation_id": org.id,
        "sessions": [s.id for s in event.sessions],
        "unavailable": [afternoon[0].id],
        "representatives": 2,
        "max_meetings": 8,
        "attendees-0-name": "Régis Dupont",
        "attendees-0-email": "regis@usinage.example",
        "attendees-0-job_title": "Directeur",
        "attendees-1-name": "Anne Roux",
        "attendees-1-email": "anne@usinage.example",
    }
    data.update(overrides)
    return data


def _registration() -> Registration | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration))


def test_register_auto_approved_with_people_and_availability(client, setup):
    event, org = setup
    response = client.post(f"/evenements/{event.slug}/inscription", data=_form(event, org))
    registration = _registration()
    assert response.headers["Location"] == f"/evenements/{event.slug}/inscription/{registration.id}"
    assert registration.status is RegistrationStatus.APPROVED
    assert registration.role is RegistrationRole.SEEKER
    assert (registration.representatives, registration.max_meetings) == (2, 8)
    assert [a.email for a in registration.attendees] == [
        "regis@usinage.example",
        "anne@usinage.example",
    ]
    assert len(registration.unavailable_slots) == 1


def test_skipping_a_session_makes_its_slots_unavailable(client, setup):
    event, org = setup
    morning = event.sessions[0]
    client.post(
        f"/evenements/{event.slug}/inscription",
        data=_form(event, org, sessions=[morning.id], unavailable=[]),
    )
    registration = _registration()
    assert [s.name for s in registration.sessions] == ["Matin"]
    assert {s.session.name for s in registration.unavailable_slots} == {"Après-midi"}


def test_manual_approval_leaves_registration_pending(client, setup):
    event, org = setup
    event.approval_mode = ApprovalMode.MANUAL
    db.session.commit()
    page = client.post(
        f"/evenements/{event.slug}/inscription", data=_form(event, org), follow_redirects=True
    )
    assert "les organisateurs vont la confirmer" in page.get_data(as_text=True)
    assert _registration().status is RegistrationStatus.PENDING


def test_registration_form_errors_keep_input(client, setup):
    event, org = setup
    data = _form(
        event,
        org,
        sessions=[],
        representatives=0,
        **{"attendees-0-email": "", "attendees-1-name": ""},
    )
    page = client.post(f"/evenements/{event.slug}/inscription", data=data).get_data(as_text=True)
    assert "Choisissez au moins une session." in page
    assert (
        "Indiquez l&#39;adresse e-mail de cette personne." in page
        or "adresse e-mail de cette personne" in page
    )
    assert 'value="Régis Dupont"' in page
    assert _registration() is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"registration_deadline": -1}, "closes depuis la date limite"),
        ({"max_registrations": 1}, "Cet événement est complet"),
        ({"status": EventStatus.DRAFT}, "ne sont pas ouvertes"),
    ],
    ids=["deadline", "full", "not-open"],
)
def test_registration_closed_with_clear_message(client, factory, setup, change, message):
    event, org = setup
    if "registration_deadline" in change:
        event.registration_deadline = utcnow() - timedelta(minutes=1)
    elif "max_registrations" in change:
        event.max_registrations = 1
        factory.registration(event=event)
    else:
        event.status = change["status"]
    db.session.commit()
    page = client.post(f"/evenements/{event.slug}/inscription", data=_form(event, org))
    assert message in page.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(Registration.organisation_id == org.id)
        )
        == 0
    )


def test_second_registration_of_same_organisation_gets_clear_message(client, factory, setup):
    event, org = setup
    client.post(f"/evenements/{event.slug}/inscription", data=_form(event, org))
    # A colleague had the form open and submits it after the first registration.
    colleague = factory.user(email="coll@example.fr")
    factory.member(colleague, org)
    client.post("/compte/deconnexion")
    client.post(
        "/compte/connexion", data={"email": "coll@example.fr", "password": "correct horse battery"}
    )
    page = client.post(
        f"/evenements/{event.slug}/inscription", data=_form(event, org), follow_redirects=True
    )
    assert "déjà inscrites" in page.get_data(as_text=True) or "déjà inscrite" in page.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_edit_until_deadline_and_stale_edit_detected(client, setup):
    event, org = setup
    client.post(f"/evenements/{event.slug}/inscription", data=_form(event, org))
    registration = _registration()
    url = f"/evenements/{event.slug}/inscription/{registration.id}"
    version = registration.version
    assert (
        client.post(url, data=_form(event, org, representatives=3, version=version)).status_code
        == 302
    )
    assert _registration().representatives == 3
    stale = client.post(
        url, data=_form(event, org, representatives=1, version=version), follow_redirects=True
    )
    assert "modifiée entre-temps" in stale.get_data(as_text=True)
    assert _registration().representatives == 3
    event.registration_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = client.post(
        url,
        data=_form(event, org, representatives=1, version=_registration().version),
        follow_redirects=True,
    )
    assert "closes depuis la date limite" in late.get_data(as_text=True)
    assert _registration().representatives == 3


def test_cancel_registration(client, setup):
    event, org = setup
    client.post(f"/evenements/{event.slug}/inscription", data=_form(event, org))
    registration = _registration()
    client.post(f"/evenements/{event.slug}/inscription/{registration.id}/annuler")
    assert _registration().status is RegistrationStatus.CANCELLED


def test_provider_registers_as_provider(client, factory, auth):
    user = factory.user(email="prov@example.fr")
    org = factory.organisation(name="Predimind", kind=OrganisationKind.PROVIDER)
    factory.member(user, org)
    event = factory.event()
    auth.login("prov@example.fr")
    client.post(f"/evenements/{event.slug}/inscription", data=_form(event, org))
    assert _registration().role is RegistrationRole.PROVIDER


def test_directory_for_approved_participants_with_filters(client, factory, setup):
    event, org = setup
    client.post(f"/evenements/{event.slug}/inscription", data=_form(event, org))
    provider = factory.organisation(
        name="Neurolab", kind=OrganisationKind.PROVIDER, directory_consent=True
    )
    factory.registration(event=event, organisation=provider, role=RegistrationRole.PROVIDER)
    hidden = factory.organisation(name="Discrète SA", directory_consent=False)
    factory.registration(event=event, organisation=hidden)
    page = client.get(f"/evenements/{event.slug}/participants").get_data(as_text=True)
    assert "Neurolab" in page and "Usinage Lyonnais" in page
    assert "Discrète SA" not in page
    only_providers = client.get(f"/evenements/{event.slug}/participants?role=provider").get_data(
        as_text=True
    )
    assert "Neurolab" in only_providers and "Usinage Lyonnais" not in only_providers
    junk = client.get(
        f"/evenements/{event.slug}/participants?role=x&sector=' OR 1=1 --&use_case=zzz"
    )
    assert junk.status_code == 200


def test_directory_refused_to_non_participants(client, factory, auth):
    event = factory.event()
    factory.user(email="nobody@example.fr")
    auth.login("nobody@example.fr")
    assert client.get(f"/evenements/{event.slug}/participants").status_code == 403


def test_organiser_approves_pending_registration(client, factory, auth):
    organiser = factory.user(email="orga@example.fr")
    event = factory.event(approval_mode=ApprovalMode.MANUAL)
    event.organisers.append(organiser)
    db.session.commit()
    registration = factory.registration(event=event, status=RegistrationStatus.PENDING)
    auth.login("orga@example.fr")
    assert client.get(f"/organisateur/evenements/{event.slug}/inscriptions").status_code == 200
    client.post(f"/organisateur/evenements/{event.slug}/inscriptions/{registration.id}/approuver")
    db.session.refresh(registration)
    assert registration.status is RegistrationStatus.APPROVED


def test_organiser_pages_link_to_each_other(client, auth, factory):
    organiser = factory.user()
    event = factory.event()
    event.organisers.append(organiser)
    factory.session.commit()
    auth.login(organiser.email)

    page = client.get(f"/organisateur/evenements/{event.slug}/inscriptions").get_data(as_text=True)

    nav = page[page.index('class="organiser-nav"') :]
    for path in ("planning/", "accueil", "absences", "annonces", "tableau-de-bord", "ecran"):
        assert path in nav[: nav.index("</nav>")], path
    assert 'aria-current="page">Inscriptions<' in nav
