"""Organiser exports: CSV files, per-table sheets and badges, and who may download them."""

from __future__ import annotations

import csv
import html
import io
from datetime import date, datetime

import pytest

from app.models import Attendee, Meeting, Schedule, db
from app.models.enums import (
    MeetingStatus,
    OrganisationKind,
    RegistrationRole,
    RegistrationStatus,
    ScheduleStatus,
)
from app.services.exports import neutralise, qr_data_uri

FORMULA = '=HYPERLINK("http://evil.example";"clic")'
ROUTES = [
    "exports",
    "exports/rendez-vous.csv",
    "exports/inscriptions.csv",
    "impressions/tables",
    "impressions/badges",
    "calendrier.ics",
]


@pytest.fixture
def world(factory):
    factory.user(email="owner@example.fr")
    organiser = factory.user(email="organiser@example.fr")
    event = factory.event(starts_on=date(2099, 3, 10), tables=3)
    event.organisers.append(organiser)
    event.tables[1].zone = "Hall B"
    provider = factory.registration(
        event=event,
        role=RegistrationRole.PROVIDER,
        organisation=factory.organisation(kind=OrganisationKind.PROVIDER, name="Données & Cie"),
    )
    seeker = factory.registration(event=event, organisation=factory.organisation(name=FORMULA))
    other = factory.registration(
        event=event, organisation=factory.organisation(name="+33 Équipement")
    )
    pending = factory.registration(
        event=event,
        organisation=factory.organisation(name="En attente SARL"),
        status=RegistrationStatus.PENDING,
    )
    db.session.add_all(
        [
            Attendee(registration=provider, name="Zoé Léger", email="zoe@donnees.fr"),
            Attendee(registration=provider, name="@Bot", email="bot@donnees.fr"),
            Attendee(registration=seeker, name="-Minus", email="minus@evil.example"),
            Attendee(registration=pending, name="Pas de badge", email="pas@attente.fr"),
        ]
    )
    published = Schedule(
        event=event, version=1, status=ScheduleStatus.PUBLISHED, published_at=datetime(2099, 1, 1)
    )
    published.meetings = [
        Meeting(
            registration_a=provider,
            registration_b=seeker,
            slot=event.slots[0],
            table=event.tables[1],
        ),
        Meeting(
            registration_a=provider,
            registration_b=other,
            slot=event.slots[1],
            table=event.tables[1],
            status=MeetingStatus.CANCELLED,
            sequence=1,
        ),
    ]
    draft = Schedule(event=event, version=2, status=ScheduleStatus.DRAFT)
    draft.meetings = [
        Meeting(
            registration_a=other,
            registration_b=provider,
            slot=event.slots[3],
            table=event.tables[0],
        )
    ]
    db.session.add_all([published, draft])
    db.session.commit()
    return {"slug": event.slug, "event": event}


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith("\ufeff".encode())  # UTF-8 byte-order mark for Excel
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_meetings_csv(client, auth, world):
    auth.login("organiser@example.fr")
    response = client.get(f"/organisateur/evenements/{world['slug']}/exports/rendez-vous.csv")
    assert 'filename="rendez-vous-' in response.headers["Content-Disposition"]
    header, first, second = rows(response)
    assert header[:6] == ["Date", "Début", "Fin", "Table", "Zone", "Organisation 1"]
    assert first[:5] == ["2099-03-10", "09:00", "09:20", "T2", "Hall B"]
    # The company comes first, its name neutralised; the provider's French name intact.
    assert first[5:10] == [
        "'" + FORMULA,
        "Entreprise",
        "Données & Cie",
        "Fournisseur d'IA",
        "prévu",
    ]
    assert second[5] == "'+33 Équipement"
    assert second[9] == "annulé"


def test_meetings_csv_of_a_draft_version(client, auth, world):
    auth.login("organiser@example.fr")
    url = f"/organisateur/evenements/{world['slug']}/exports/rendez-vous.csv"
    _header, only = rows(client.get(url + "?version=2"))
    assert only[3] == "T1"
    assert client.get(url + "?version=9").status_code == 404


def test_registrations_csv(client, auth, world):
    auth.login("organiser@example.fr")
    response = client.get(f"/organisateur/evenements/{world['slug']}/exports/inscriptions.csv")
    header, *data = rows(response)
    assert header[:3] == ["Organisation", "SIREN", "Rôle"]
    by_name = {row[0]: row for row in data}
    provider = by_name["Données & Cie"]
    assert provider[2:5] == ["Fournisseur d'IA", "validée", "1"]
    assert provider[6] == "Zoé Léger, @Bot"  # not at the start of the cell: left as is
    assert provider[7] == "zoe@donnees.fr, bot@donnees.fr"
    assert by_name["'" + FORMULA][6] == "'-Minus"
    assert by_name["En attente SARL"][3] == "en attente"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Société Générale", "Société Générale"),
        ("a=b", "a=b"),
        (3, "3"),
        (None, ""),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "cr", "french", "inner", "int", "none"],
)
def test_neutralise(value, cell):
    assert neutralise(value) == cell


def test_table_sheets(client, auth, world):
    auth.login("organiser@example.fr")
    page = client.get(f"/organisateur/evenements/{world['slug']}/impressions/tables")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert text.count('class="sheet"') == 3
    assert "<style" not in text  # the Content-Security-Policy would block it
    css = client.get("/static/css/print-sheets.css")  # linked: one sheet per printed page
    assert "/static/css/print-sheets.css" in text
    assert "page-break-after: always" in css.get_data(as_text=True)
    css.close()
    assert "Table T2" in text and "Zone Hall B" in text
    assert "Données & Cie / " + FORMULA in text
    assert "+33 Équipement" not in text  # cancelled: the slot is free


def test_badges_have_a_qr_code_for_each_attendee(client, auth, world):
    auth.login("organiser@example.fr")
    page = client.get(f"/organisateur/evenements/{world['slug']}/impressions/badges")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    attendees = db.session.scalars(db.select(Attendee)).all()
    for attendee in attendees:
        if attendee.name == "Pas de badge":  # pending registration: no badge yet
            assert attendee.name not in text
            assert qr_data_uri(attendee.checkin_code) not in text
        else:
            assert attendee.name in text
            assert qr_data_uri(attendee.checkin_code) in text
            # The short code that the reception desk accepts when typed.
            assert f"<kbd>{attendee.checkin_code[:8]}</kbd>" in text
    assert text.count('class="badge"') == 3


def test_badge_text_is_escaped(client, auth, world, factory):
    registration = factory.registration(
        event=world["event"], organisation=factory.organisation(name="<script>alert(1)</script>")
    )
    db.session.add(Attendee(registration=registration, name="<b>Bold</b>", email="b@x.fr"))
    db.session.commit()
    auth.login("organiser@example.fr")
    page = client.get(f"/organisateur/evenements/{world['slug']}/impressions/badges")
    raw = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;b&gt;Bold&lt;/b&gt;" in raw


@pytest.mark.parametrize("path", ROUTES)
def test_exports_refused_to_non_organisers(client, auth, world, path):
    url = f"/organisateur/evenements/{world['slug']}/{path}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/compte/connexion")
    auth.login("owner@example.fr")
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("organiser@example.fr")
    assert client.get(url).status_code == 200


def test_exports_page_links(client, auth, world):
    auth.login("organiser@example.fr")
    page = client.get(f"/organisateur/evenements/{world['slug']}/exports").get_data(as_text=True)
    assert "version 1 (publiée)" in page
    for path in ROUTES[1:]:
        assert f"/organisateur/evenements/{world['slug']}/{path}" in page


def test_meetings_csv_in_english(client, auth, world):
    auth.login("organiser@example.fr")
    client.post("/langue", data={"lang": "en"})
    response = client.get(f"/organisateur/evenements/{world['slug']}/exports/rendez-vous.csv")
    header, first, second = rows(response)
    assert header[:3] == ["Date", "Start", "End"]
    assert first[6] == "Company" and first[9] == "scheduled"
    assert second[9] == "cancelled"


def test_table_sheets_show_the_date_when_the_event_lasts_several_days(client, auth, world):
    world["event"].ends_on = date(2099, 3, 11)
    db.session.commit()
    auth.login("organiser@example.fr")
    page = client.get(f"/organisateur/evenements/{world['slug']}/impressions/tables")
    assert "mardi 10 mars 2099, 09:00" in page.get_data(as_text=True)
