"""Walk every route of the URL map as anonymous, as a stranger and as the owner.

A new route is covered automatically: unless it is listed as public or as "any logged-in
user", a stranger must be refused (400/403/404) and an anonymous visitor sent to login.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import (
    Meeting,
    Organisation,
    Registration,
    Schedule,
    ScheduleRun,
    Solution,
    db,
)
from app.models.enums import OrganisationKind, RegistrationRole, RunStatus

PUBLIC = {
    "static",
    "public.index",
    "public.event",
    "public.health",
    "i18n.set_language",
    "auth.signup",
    "auth.login",
    "auth.forgot_password",
    "auth.confirm",
    "auth.reset_password",
    "auth.logout",
    "participant.logo",
    "calendar.feed",  # the secret token in the URL is the authentication
    "screen.index",  # the public now/next screen of an event
    "screen.state",
}
PUBLIC_PREFIXES = ("catalogue.", "api.openapi")
# The JSON API authenticates with a bearer token, never with the session: 401 without one.
TOKEN_PREFIX = "api."
ANY_USER = {
    "participant.dashboard",
    "participant.organisation_new",
    "participant.join",
    "eventsetup.join",
    "participant.notifications",
    "participant.unread_count",
    "calendar.mine",
    "auth.settings",
    "auth.change_email",
    "auth.change_password",
    "auth.export_data",
    "auth.delete_account",
    "auth.confirm_email_change",
    "registration.register",
}


@pytest.fixture
def world(factory):
    owner = factory.user(email="owner@example.fr")
    stranger = factory.user(email="stranger@example.fr")
    organiser = factory.user(email="organiser@example.fr")
    org = factory.organisation(
        name="Owner IA", kind=OrganisationKind.PROVIDER, catalogue_consent=True
    )
    membership = factory.member(owner, org)
    factory.member(stranger, factory.organisation(name="Stranger SAS"))
    solution = Solution(
        provider=org, name="Secret Sauce", summary="Private until published", published=False
    )
    db.session.add(solution)
    event = factory.event()
    event.organisers.append(organiser)
    db.session.commit()
    registration = factory.registration(
        event=event, organisation=org, role=RegistrationRole.PROVIDER
    )
    company = factory.registration(event=event)
    request = factory.meeting_request(src=company, dst=registration)
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    schedule = Schedule(event=event, run=run, version=1)
    meeting = Meeting(registration_a=company, registration_b=registration, slot=event.slots[0])
    schedule.meetings.append(meeting)
    db.session.add_all([run, schedule])
    db.session.commit()
    return {
        "slug": event.slug,
        "org_id": org.id,
        "solution_id": solution.id,
        "reg_id": registration.id,
        "membership_id": membership.id,
        "token": "not-a-valid-token",
        "decision": "refuser",
        "filename": "css/site.css",
        "provider_id": org.id,
        "request_id": request.id,
        "run_id": run.id,
        "schedule_id": schedule.id,
        "meeting_id": meeting.id,
        "action": "annuler",
        "token_id": 1,
        "to_id": company.id,
        "announcement_id": 1,
        "visibility": "masquer",
        "offer_id": 1,
    }


def _routes(app, values):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.endpoint}: give test values for {sorted(missing)}"
        url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, url


def _public(endpoint: str) -> bool:
    return endpoint in PUBLIC or endpoint.startswith(PUBLIC_PREFIXES)


def test_anonymous_is_sent_to_login_for_every_private_route(app, client, world):
    for endpoint, method, url in _routes(app, world):
        if _public(endpoint):
            continue
        response = client.open(url, method=method)
        if endpoint.startswith(TOKEN_PREFIX):
            assert response.status_code == 401, (endpoint, method, response.status_code)
            continue
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/compte/connexion"), endpoint


def test_stranger_is_refused_everything_of_another_organisation(app, client, auth, world):
    auth.login("stranger@example.fr")
    for endpoint, method, url in _routes(app, world):
        if _public(endpoint) or endpoint in ANY_USER:
            continue
        response = client.open(url, method=method, data={"name": "Hijacked", "email": "x@y.fr"})
        expected = (401,) if endpoint.startswith(TOKEN_PREFIX) else (400, 403, 404)
        assert response.status_code in expected, (endpoint, method, response.status_code)
    db.session.expire_all()
    assert db.session.get(Organisation, world["org_id"]).name == "Owner IA"
    assert db.session.get(Solution, world["solution_id"]) is not None
    assert db.session.get(Registration, world["reg_id"]).status.value == "approved"


def test_owner_reaches_own_pages(client, auth, world):
    auth.login("owner@example.fr")
    for url in (
        f"/espace/organisations/{world['org_id']}",
        f"/espace/organisations/{world['org_id']}/membres",
        f"/espace/organisations/{world['org_id']}/solutions/{world['solution_id']}",
        f"/evenements/{world['slug']}/inscription/{world['reg_id']}",
        f"/evenements/{world['slug']}/participants",
    ):
        assert client.get(url).status_code == 200, url


def test_organiser_pages_only_for_organisers(client, auth, world):
    url = f"/organisateur/evenements/{world['slug']}/inscriptions"
    auth.login("owner@example.fr")
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("organiser@example.fr")
    assert client.get(url).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2


def test_the_header_links_the_organiser_space_for_organisers_only(client, auth, world):
    link = 'href="/organisateur/configuration/">Espace organisateur</a>'
    auth.login("owner@example.fr")
    assert link not in client.get("/").get_data(as_text=True)
    assert "Événements que j'organise" not in client.get("/espace/").get_data(as_text=True)
    auth.logout()
    auth.login("organiser@example.fr")
    assert link in client.get("/").get_data(as_text=True)
    assert "Événements que j'organise" in client.get("/espace/").get_data(as_text=True)
