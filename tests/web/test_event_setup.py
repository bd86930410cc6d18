"""Event set-up screens: create, grant organisers, sessions with preview, slots, tables."""

from __future__ import annotations

import html
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.models import (
    Event,
    Meeting,
    MeetingTable,
    OrganiserInvitation,
    Schedule,
    Session,
    Slot,
    db,
)
from app.models.enums import EventStatus, ScheduleStatus
from tests.conftest import Outbox

BASE = "/organisateur/configuration"
DAY = date(2031, 6, 12)


def event_form(**overrides) -> dict:
    data = {
        "title": "Journée IA & Industrie",
        "slug": "",
        "description": "Rendez-vous d'affaires",
        "sectors": ["C"],
        "venue": "CCI",
        "address": "1 rue de la Paix",
        "city": "Lyon",
        "timezone": "Europe/Paris",
        "starts_on": DAY.isoformat(),
        "ends_on": DAY.isoformat(),
        "registration_deadline": "2031-06-01T18:00",
        "request_deadline": "2031-06-05T18:00",
        "meeting_minutes": "20",
        "pause_minutes": "5",
        "format": "home_tables",
        "approval_mode": "manual",
        "max_registrations": "120",
        "max_meetings_default": "10",
        "max_pending_requests": "15",
        "request_expiry_hours": "72",
        "weight_mutual_must_meet": "12",
        "weight_must_meet": "6",
        "weight_would_like": "4",
        "weight_if_time": "2",
        "weight_organiser": "1",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def reload(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def by_slug(slug: str) -> Event | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


@pytest.fixture
def admin(factory):
    return factory.user(email="admin@example.fr", is_admin=True, name="Admin")


@pytest.fixture
def organised(factory):
    """An event (two sessions, 4 tables) and its organiser, logged out."""
    organiser = factory.user(email="orga@example.fr", name="Orga")
    event = factory.event(status=EventStatus.DRAFT, starts_on=DAY)
    event.organisers.append(organiser)
    db.session.commit()
    return event


def test_event_create_as_admin_generates_slug_and_converts_deadlines(client, auth, admin):
    auth.login("admin@example.fr")
    response = client.post(f"{BASE}/nouveau", data=event_form())
    assert response.status_code == 302
    event = by_slug("journee-ia-industrie")
    assert response.headers["Location"] == f"{BASE}/evenements/journee-ia-industrie/sessions"
    assert event.status is EventStatus.DRAFT
    assert event.registration_deadline == datetime(2031, 6, 1, 16, 0)  # CEST = UTC+2
    assert [s.code for s in event.sectors] == ["C"]
    assert event.request_weights["mutual_must_meet"] == 12
    assert event.max_registrations == 120
    assert event.approval_mode.value == "manual"


def test_event_create_slug_taken_keeps_input(client, auth, admin, organised):
    auth.login("admin@example.fr")
    response = client.post(f"{BASE}/nouveau", data=event_form(slug=organised.slug))
    page = text(response)
    assert response.status_code == 200
    assert "déjà utilisée par un autre événement" in page
    assert 'value="Journée IA & Industrie"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"ends_on": "2031-06-11"}, "Le dernier jour ne peut pas précéder le premier"),
        ({"pause_minutes": "-5"}, "La pause dure de 0 à 240 minutes"),
        ({"meeting_minutes": "0"}, "Un rendez-vous dure de 1 à 480 minutes"),
        ({"timezone": "Mars/Olympus"}, "Fuseau horaire inconnu"),
        (
            {"registration_deadline": "2031-06-20T10:00", "request_deadline": ""},
            "avant le premier jour",
        ),
        ({"request_deadline": "2031-05-01T10:00"}, "ne peuvent pas fermer avant les inscriptions"),
        ({"slug": "Pas Bon!"}, "lettres minuscules"),
        ({"weight_if_time": "0"}, "nombre entier de 1 à 1000"),
    ],
    ids=[
        "end-before-start",
        "pause-negative",
        "length-zero",
        "timezone",
        "deadline-after-event",
        "requests-before-registration",
        "slug",
        "weight",
    ],
)
def test_event_create_bad_input_is_refused_next_to_field(client, auth, admin, overrides, expected):
    auth.login("admin@example.fr")
    response = client.post(f"{BASE}/nouveau", data=event_form(**overrides))
    page = text(response)
    assert response.status_code == 200
    assert expected in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_organiser_grant_by_email(client, auth, admin, organised, factory):
    factory.user(email="new@example.fr", name="Nouvelle")
    auth.login("admin@example.fr")
    url = f"{BASE}/evenements/{organised.slug}/organisateurs"
    assert client.post(url, data={"email": "New@Example.fr"}).status_code == 302
    event = by_slug(organised.slug)
    assert sorted(u.email for u in event.organisers) == ["new@example.fr", "orga@example.fr"]
    new = next(u for u in event.organisers if u.email == "new@example.fr")
    assert client.post(f"{url}/retirer", data={"item_id": new.id}).status_code == 302
    assert [u.email for u in by_slug(organised.slug).organisers] == ["orga@example.fr"]


def test_an_address_without_account_is_invited_and_organises_once_it_accepts(
    app, client, auth, admin, organised, factory
):
    url = f"{BASE}/evenements/{organised.slug}/organisateurs"
    auth.login("admin@example.fr")
    page = text(client.post(url, data={"email": "Ghost@example.fr"}, follow_redirects=True))
    assert (
        "Aucun compte n'utilise encore ghost@example.fr : une invitation y a été envoyée." in page
    )
    assert "Invitations en attente de réponse" in page
    invited = Outbox(app).last(to="ghost@example.fr")
    assert invited["Subject"] == f"Admin vous invite à organiser {organised.title}"
    link = Outbox.link(invited)
    assert link.startswith(f"{BASE}/invitation/")
    # Asked again: the same invitation, sent again.
    client.post(url, data={"email": "ghost@example.fr"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganiserInvitation)) == 1
    auth.logout()
    # Someone else who got the link cannot use it.
    factory.user(email="other@example.fr", name="Autre")
    auth.login("other@example.fr")
    assert "Organiser " + organised.title in text(client.get(link))
    page = text(client.post(link, follow_redirects=True))
    assert "Cette invitation a été envoyée à ghost@example.fr." in page
    assert "other@example.fr" not in [u.email for u in by_slug(organised.slug).organisers]
    auth.logout()
    # The invited person signs up with the address, opens the link and accepts.
    factory.user(email="ghost@example.fr", name="Fantôme")
    auth.login("ghost@example.fr")
    response = client.post(link)
    assert response.headers["Location"] == f"{BASE}/evenements/{organised.slug}"
    assert "ghost@example.fr" in [u.email for u in by_slug(organised.slug).organisers]
    assert "Cette invitation a déjà été utilisée." in text(client.post(link, follow_redirects=True))
    auth.logout()
    auth.login("admin@example.fr")
    assert "Invitations en attente de réponse" not in text(client.get(url))


def test_a_withdrawn_organiser_invitation_link_no_longer_works(
    app, client, auth, admin, organised, factory
):
    url = f"{BASE}/evenements/{organised.slug}/organisateurs"
    auth.login("admin@example.fr")
    client.post(url, data={"email": "late@example.fr"})
    link = Outbox.link(Outbox(app).last(to="late@example.fr"))
    [invitation] = db.session.scalars(sa.select(OrganiserInvitation))
    page = text(
        client.post(
            f"{url}/invitations/retirer", data={"item_id": invitation.id}, follow_redirects=True
        )
    )
    assert "L'invitation envoyée à late@example.fr est retirée." in page
    auth.logout()
    factory.user(email="late@example.fr", name="En retard")
    auth.login("late@example.fr")
    assert client.post(link).status_code == 400
    assert "late@example.fr" not in [u.email for u in by_slug(organised.slug).organisers]


def test_event_edit_by_organiser_moves_status_forward(client, auth, organised):
    auth.login("orga@example.fr")
    url = f"{BASE}/evenements/{organised.slug}"
    page = text(client.get(url))
    assert 'value="event-' in page
    data = event_form(slug=organised.slug, title="Nouveau titre", status="registration_open")
    assert client.post(url, data=data).status_code == 302
    event = by_slug(organised.slug)
    assert (event.title, event.status) == ("Nouveau titre", EventStatus.REGISTRATION_OPEN)


def test_event_edit_status_jump_is_refused(client, auth, organised):
    auth.login("orga@example.fr")
    data = event_form(slug=organised.slug, status="published")
    response = client.post(f"{BASE}/evenements/{organised.slug}", data=data)
    assert response.status_code == 200
    assert by_slug(organised.slug).status is EventStatus.DRAFT


def test_session_preview_writes_nothing(client, auth, organised):
    auth.login("orga@example.fr")
    before = len(organised.slots)
    data = {
        "name": "Soir",
        "day": DAY.isoformat(),
        "start": "18:00",
        "end": "19:00",
        "preview": "1",
    }
    response = client.post(f"{BASE}/evenements/{organised.slug}/sessions", data=data)
    page = text(response)
    assert response.status_code == 200
    assert "Aperçu : 2 créneaux" in page
    assert "18:00 – 18:20" in page and "18:25 – 18:45" in page
    event = by_slug(organised.slug)
    assert (len(event.sessions), len(event.slots)) == (2, before)


def test_session_save_generates_slots_in_event_timezone(client, auth, organised):
    auth.login("orga@example.fr")
    data = {"name": "Soir", "day": DAY.isoformat(), "start": "18:00", "end": "19:00", "save": "1"}
    assert client.post(f"{BASE}/evenements/{organised.slug}/sessions", data=data).status_code == 302
    event = by_slug(organised.slug)
    evening = [s for s in event.slots if s.session.name == "Soir"]
    assert [(s.starts_at, s.ends_at) for s in evening] == [
        (datetime(2031, 6, 12, 16, 0), datetime(2031, 6, 12, 16, 20)),
        (datetime(2031, 6, 12, 16, 25), datetime(2031, 6, 12, 16, 45)),
    ]
    assert [s.position for s in event.slots] == list(range(len(event.slots)))
    assert evening[0].position == len(event.slots) - 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"start": "11:00", "end": "13:00"}, "chevauche la session"),
        ({"start": "15:00", "end": "14:00"}, "La session doit finir après son début"),
        ({"day": "2031-06-13"}, "un des jours de l'événement"),
        ({"start": "18:00", "end": "18:10"}, "plus courte qu'un rendez-vous"),
    ],
    ids=["overlap", "end-before-start", "day-outside", "too-short"],
)
def test_session_bad_input_is_refused(client, auth, organised, data, expected):
    auth.login("orga@example.fr")
    form = {"name": "Soir", "day": DAY.isoformat(), "start": "18:00", "end": "19:00", "save": "1"}
    response = client.post(f"{BASE}/evenements/{organised.slug}/sessions", data=form | data)
    page = text(response)
    assert response.status_code == 200
    assert expected in page
    assert 'value="Soir"' in page
    assert len(by_slug(organised.slug).sessions) == 2


def test_session_edit_keeps_unchanged_slots(client, auth, organised):
    auth.login("orga@example.fr")
    morning = organised.sessions[0]
    first_id = morning.slots[0].id
    url = f"{BASE}/evenements/{organised.slug}/sessions/modifier?session={morning.id}"
    assert 'value="09:00"' in text(client.get(url))
    data = {
        "name": "Matinée",
        "day": DAY.isoformat(),
        "start": "09:00",
        "end": "10:00",
        "save": "1",
    }
    assert client.post(url, data=data).status_code == 302
    event = by_slug(organised.slug)
    assert event.sessions[0].name == "Matinée"
    assert [s.id for s in event.sessions[0].slots][0] == first_id
    assert len(event.sessions[0].slots) == 2


def test_session_delete_removes_its_slots(client, auth, organised):
    auth.login("orga@example.fr")
    afternoon = organised.sessions[1]
    url = f"{BASE}/evenements/{organised.slug}/sessions/supprimer"
    assert client.post(url, data={"item_id": afternoon.id}).status_code == 302
    event = by_slug(organised.slug)
    assert [s.name for s in event.sessions] == ["Matin"]
    assert {s.session_id for s in event.slots} == {event.sessions[0].id}


def test_slot_block_with_label_and_unblock(client, auth, organised):
    auth.login("orga@example.fr")
    slot_id = organised.slots[3].id
    url = f"{BASE}/evenements/{organised.slug}/creneaux"
    client.post(url, data={"item_id": slot_id, "label": "Pause café", "block": "1"})
    slot = reload(Slot, slot_id)
    assert (slot.blocked, slot.label) == (True, "Pause café")
    page = text(client.get(f"{BASE}/evenements/{organised.slug}/sessions"))
    assert "Bloqué : Pause café" in page
    client.post(url, data={"item_id": slot_id, "unblock": "1"})
    slot = reload(Slot, slot_id)
    assert (slot.blocked, slot.label) == (False, "")


def _schedule_with_meeting(factory, event, slot):
    a = factory.registration(event=event)
    b = factory.registration(event=event, role="provider")
    schedule = Schedule(event=event, version=1, status=ScheduleStatus.DRAFT)
    schedule.meetings.append(Meeting(registration_a=a, registration_b=b, slot=slot))
    db.session.add(schedule)
    db.session.commit()


def test_session_change_refused_once_a_schedule_exists(client, auth, organised, factory):
    _schedule_with_meeting(factory, organised, organised.slots[0])
    auth.login("orga@example.fr")
    data = {"name": "Soir", "day": DAY.isoformat(), "start": "18:00", "end": "19:00", "save": "1"}
    response = client.post(f"{BASE}/evenements/{organised.slug}/sessions", data=data)
    page = text(response)
    assert "invaliderait 1 rendez-vous" in page
    assert len(by_slug(organised.slug).sessions) == 2
    response = client.post(
        f"{BASE}/evenements/{organised.slug}/sessions/supprimer",
        data={"item_id": organised.sessions[1].id},
        follow_redirects=True,
    )
    assert "invaliderait 1 rendez-vous" in text(response)
    assert len(by_slug(organised.slug).sessions) == 2


def test_slot_block_with_schedule_only_without_meetings(client, auth, organised, factory):
    busy, free = organised.slots[0].id, organised.slots[1].id
    _schedule_with_meeting(factory, organised, organised.slots[0])
    auth.login("orga@example.fr")
    url = f"{BASE}/evenements/{organised.slug}/creneaux"
    response = client.post(url, data={"item_id": busy, "block": "1"}, follow_redirects=True)
    assert "ne peut pas être bloqué" in text(response)
    client.post(url, data={"item_id": free, "label": "Plénière", "block": "1"})
    assert (reload(Slot, busy).blocked, reload(Slot, free).blocked) == (False, True)


def test_tables_set_count_pattern_and_zones(client, auth, organised):
    auth.login("orga@example.fr")
    url = f"{BASE}/evenements/{organised.slug}/tables"
    data = {"count": "6", "pattern": "Table {n}", "zones": "Hall A, Hall B"}
    assert client.post(url, data=data).status_code == 302
    tables = by_slug(organised.slug).tables
    assert [(t.label, t.zone) for t in tables] == [
        ("Table 1", "Hall A"),
        ("Table 2", "Hall A"),
        ("Table 3", "Hall A"),
        ("Table 4", "Hall B"),
        ("Table 5", "Hall B"),
        ("Table 6", "Hall B"),
    ]


def test_table_edit_label_taken_is_refused(client, auth, organised):
    auth.login("orga@example.fr")
    t1, t2 = organised.tables[0], organised.tables[1]
    url = f"{BASE}/evenements/{organised.slug}/tables/modifier"
    response = client.post(url, data={"item_id": t2.id, "label": t1.label, "zone": "Z"})
    assert "Une autre table s'appelle déjà T1" in text(response)
    assert client.post(url, data={"item_id": t2.id, "label": "VIP", "zone": "Z"}).status_code == 302
    assert (reload(MeetingTable, t2.id).label, reload(MeetingTable, t2.id).zone) == ("VIP", "Z")


def test_table_delete_refused_for_a_home_table(client, auth, organised, factory):
    table = organised.tables[0]
    factory.registration(event=organised, role="provider", home_table_id=table.id)
    auth.login("orga@example.fr")
    url = f"{BASE}/evenements/{organised.slug}/tables/supprimer"
    response = client.post(url, data={"item_id": table.id}, follow_redirects=True)
    assert "table d'accueil" in text(response)
    assert reload(MeetingTable, table.id) is not None
    response = client.post(
        f"{BASE}/evenements/{organised.slug}/tables", data={"count": "0", "pattern": "T{n}"}
    )
    assert "table d'accueil" in text(response)
    assert len(by_slug(organised.slug).tables) == 4
    other = organised.tables[3]
    assert client.post(url, data={"item_id": other.id}).status_code == 302
    assert len(by_slug(organised.slug).tables) == 3


PAGES = ("", "/sessions", "/tables")


def test_access_anonymous_is_sent_to_login(client, organised):
    for page in PAGES:
        response = client.get(f"{BASE}/evenements/{organised.slug}{page}")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/compte/connexion")


def test_access_participant_and_other_organiser_are_refused(client, auth, organised, factory):
    participant = factory.user(email="someone@example.fr")
    registration = factory.registration(event=organised)
    factory.member(participant, registration.organisation)
    other_organiser = factory.user(email="other@example.fr")
    other = factory.event()
    other.organisers.append(other_organiser)
    db.session.commit()
    for email in ("someone@example.fr", "other@example.fr"):
        auth.login(email)
        for page in PAGES:
            assert client.get(f"{BASE}/evenements/{organised.slug}{page}").status_code == 403
        assert client.get(f"{BASE}/nouveau").status_code == 403
        assert client.get(f"{BASE}/evenements/{organised.slug}/organisateurs").status_code == 403
        auth.logout()
    auth.login("someone@example.fr")
    assert client.get(f"{BASE}/").status_code == 403


def test_access_organiser_and_admin_reach_pages(client, auth, admin, organised, factory):
    factory.event(title="Autre")
    auth.login("orga@example.fr")
    for page in PAGES:
        assert client.get(f"{BASE}/evenements/{organised.slug}{page}").status_code == 200
    index = text(client.get(f"{BASE}/"))
    assert organised.title in index and "Autre" not in index
    assert f"/organisateur/evenements/{organised.slug}/inscriptions" in index
    auth.logout()
    auth.login("admin@example.fr")
    index = text(client.get(f"{BASE}/"))
    assert organised.title in index and "Autre" in index
    assert client.get(f"{BASE}/nouveau").status_code == 200
    assert client.get(f"{BASE}/evenements/{organised.slug}/organisateurs").status_code == 200


def test_session_count_unchanged_after_refusals(organised):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 2


def test_event_edit_meeting_length_refused_once_scheduled(client, auth, organised, factory):
    _schedule_with_meeting(factory, organised, organised.slots[0])
    auth.login("orga@example.fr")
    url = f"{BASE}/evenements/{organised.slug}"
    assert "Un planning provisoire existe (1 rendez-vous)" in text(client.get(url))
    data = event_form(slug=organised.slug, meeting_minutes="30", status="draft")
    page = text(client.post(url, data=data))
    assert "invaliderait 1 rendez-vous" in page
    assert 'name="meeting_minutes" required type="number" value="30"' in page
    assert 'id="meeting_minutes-error"' in page
    assert by_slug(organised.slug).meeting_minutes == 20


def test_event_edit_in_english_shows_english_errors(client, auth, organised):
    auth.login("orga@example.fr")
    client.post("/langue", data={"lang": "en", "next": "/"})
    data = event_form(slug=organised.slug, pause_minutes="-1", status="draft")
    page = text(client.post(f"{BASE}/evenements/{organised.slug}", data=data))
    assert "The pause lasts from 0 to 240 minutes." in page


def test_new_event_form_starts_with_default_weights(client, auth, factory):
    factory.user(email="weights-admin@example.fr", is_admin=True)
    auth.login("weights-admin@example.fr")
    page = client.get("/organisateur/configuration/nouveau").get_data(as_text=True)
    import re

    for name, value in (("weight_mutual_must_meet", "10"), ("weight_organiser", "1")):
        tag = re.search(rf'<input[^>]*id="{name}"[^>]*>', page).group(0)
        assert f'value="{value}"' in tag
