"""Calendar feeds over HTTP: tokens, content type, regeneration, organiser calendar access."""

from __future__ import annotations

from datetime import date, datetime

import icalendar
import pytest

from app.models import Attendee, Meeting, Registration, Schedule, db
from app.models.enums import OrganisationKind, RegistrationRole, ScheduleStatus

EVIL = "Evil\r\nATTENDEE:mailto:x@y;Corp"


@pytest.fixture
def world(factory):
    owner = factory.user(email="owner@example.fr")
    factory.user(email="stranger@example.fr")
    organiser = factory.user(email="organiser@example.fr")
    event = factory.event(venue="Palais des congrès", city="Lyon", starts_on=date(2099, 3, 10))
    event.organisers.append(organiser)
    provider_org = factory.organisation(kind=OrganisationKind.PROVIDER, name="Vision IA")
    factory.member(owner, provider_org)
    provider = factory.registration(
        event=event, organisation=provider_org, role=RegistrationRole.PROVIDER
    )
    seeker = factory.registration(event=event, organisation=factory.organisation(name=EVIL))
    attendee = Attendee(registration=provider, name="Éloïse", email="eloise@example.fr")
    db.session.add(attendee)
    schedule = Schedule(
        event=event,
        version=1,
        status=ScheduleStatus.PUBLISHED,
        published_at=datetime(2099, 1, 1),
    )
    schedule.meetings = [
        Meeting(
            registration_a=provider,
            registration_b=seeker,
            slot=event.slots[0],
            table=event.tables[2],
        )
    ]
    db.session.add(schedule)
    db.session.commit()
    return {
        "slug": event.slug,
        "reg_id": provider.id,
        "reg_token": provider.calendar_token,
        "attendee_id": attendee.id,
        "attendee_token": attendee.calendar_token,
        "uid": schedule.meetings[0].uid,
    }


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.status_code
    return icalendar.Calendar.from_ical(response.data)


@pytest.mark.parametrize("which", ["reg_token", "attendee_token"], ids=["registration", "attendee"])
def test_feed_by_token_without_login(client, world, which):
    response = client.get(f"/calendrier/{world[which]}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'inline; filename="{world["slug"]}.ics"'
    (vevent,) = parse(response).walk("VEVENT")
    assert str(vevent["UID"]) == f"{world['uid']}@rdv-ia"
    assert str(vevent["SUMMARY"]) == "Rendez-vous : Evil ATTENDEE:mailto:x@y;Corp"
    assert str(vevent["LOCATION"]) == "Palais des congrès, Lyon – Table T3"
    assert f"/evenements/{world['slug']}/agenda" in str(vevent["DESCRIPTION"])
    assert "ATTENDEE" not in vevent


def test_feed_download_is_an_attachment(client, world):
    response = client.get(f"/calendrier/{world['reg_token']}.ics?download=1")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    parse(response)


def test_feed_answers_not_modified_when_unchanged(client, world):
    first = client.get(f"/calendrier/{world['reg_token']}.ics")
    again = client.get(
        f"/calendrier/{world['reg_token']}.ics", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "token", ["not-a-valid-token", "x" * 200, "%00"], ids=["unknown", "too-long", "nul"]
)
def test_wrong_token_is_not_found(client, world, token):
    response = client.get(f"/calendrier/{token}.ics")
    assert response.status_code == 404
    assert b"VCALENDAR" not in response.data


def test_uid_uses_the_configured_server_name(app, client, world):
    app.config["SERVER_NAME"] = "rdv.example.fr"
    response = client.get(f"/calendrier/{world['reg_token']}.ics", base_url="http://rdv.example.fr")
    (vevent,) = parse(response).walk("VEVENT")
    assert str(vevent["UID"]) == f"{world['uid']}@rdv.example.fr"


def test_my_calendars_lists_https_and_webcal_links(client, auth, world):
    auth.login("owner@example.fr")
    page = client.get("/calendrier").get_data(as_text=True)
    for token in (world["reg_token"], world["attendee_token"]):
        assert f"http://localhost/calendrier/{token}.ics" in page
        assert f"webcal://localhost/calendrier/{token}.ics" in page
    assert "Éloïse" in page


def test_my_calendars_needs_login(client, world):
    response = client.get("/calendrier")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")


@pytest.mark.parametrize("target", ["registration", "attendee"])
def test_regenerated_token_revokes_the_old_one(client, auth, world, target):
    old = world["reg_token"] if target == "registration" else world["attendee_token"]
    data = {"attendee": world["attendee_id"]} if target == "attendee" else {}
    auth.login("owner@example.fr")
    response = client.post(f"/calendrier/inscriptions/{world['reg_id']}/nouveau-lien", data=data)
    assert response.status_code == 302
    assert client.get(f"/calendrier/{old}.ics").status_code == 404
    db.session.expire_all()
    if target == "registration":
        new = db.session.get(Registration, world["reg_id"]).calendar_token
    else:
        new = db.session.get(Attendee, world["attendee_id"]).calendar_token
        assert client.get(f"/calendrier/{world['reg_token']}.ics").status_code == 200
    assert new != old
    assert client.get(f"/calendrier/{new}.ics").status_code == 200


def test_stranger_cannot_regenerate(client, auth, world):
    auth.login("stranger@example.fr")
    response = client.post(f"/calendrier/inscriptions/{world['reg_id']}/nouveau-lien")
    assert response.status_code == 403
    assert client.get(f"/calendrier/{world['reg_token']}.ics").status_code == 200


def test_regenerate_needs_csrf(app, client, auth, world):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login("owner@example.fr")
    response = client.post(f"/calendrier/inscriptions/{world['reg_id']}/nouveau-lien")
    assert response.status_code == 400
    assert client.get(f"/calendrier/{world['reg_token']}.ics").status_code == 200


def test_organiser_calendar(client, auth, world):
    url = f"/organisateur/evenements/{world['slug']}/calendrier.ics"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/compte/connexion")
    auth.login("owner@example.fr")
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("organiser@example.fr")
    cal = parse(client.get(url))
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Rendez-vous : Vision IA / Evil ATTENDEE:mailto:x@y;Corp"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
