"""The public now/next screen: rounds, countdown base, table assignments, announcements."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from app.models import Announcement, Attendee, Meeting, Schedule, ScheduleRun, db
from app.models.enums import (
    EventStatus,
    MeetingStatus,
    OrganisationKind,
    RegistrationRole,
    RunStatus,
    ScheduleStatus,
)
from app.services.screen import screen_state

DAY = date(2026, 6, 4)  # Paris is UTC+2 that day: 09:00 local is 07:00 UTC


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, 4, hour, minute)


@pytest.fixture
def world(factory):
    """Morning 9:00-12:00 in slots of 20 minutes + 5 of pause; a published schedule."""
    event = factory.event(
        status=EventStatus.LIVE, starts_on=DAY, sessions=(("Matin", 9, 12),), slug="jour-ia"
    )
    t1, t2 = event.tables[0], event.tables[1]
    boulangerie = factory.registration(
        event=event, organisation=factory.organisation(name="Boulangerie Martin")
    )
    boulangerie.attendees = [Attendee(name="Alice Martin", email="alice@example.fr")]
    garage = factory.registration(
        event=event, organisation=factory.organisation(name="Garage Dupont")
    )
    vision = factory.registration(
        event=event,
        organisation=factory.organisation(name="Vision IA", kind=OrganisationKind.PROVIDER),
        role=RegistrationRole.PROVIDER,
    )
    texte = factory.registration(
        event=event,
        organisation=factory.organisation(name="Texte IA", kind=OrganisationKind.PROVIDER),
        role=RegistrationRole.PROVIDER,
    )
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    published = Schedule(event=event, run=run, version=2, status=ScheduleStatus.PUBLISHED)
    s0, s1 = event.slots[0], event.slots[1]
    published.meetings = [
        Meeting(registration_a=boulangerie, registration_b=vision, slot=s0, table=t1),
        Meeting(registration_a=texte, registration_b=garage, slot=s0, table=t2),
        Meeting(
            registration_a=garage,
            registration_b=vision,
            slot=s0,
            table=None,
            status=MeetingStatus.CANCELLED,
        ),
        Meeting(registration_a=boulangerie, registration_b=texte, slot=s1, table=t2),
    ]
    # A newer draft must not leak onto the screen.
    draft = Schedule(event=event, run=run, version=3)
    draft.meetings = [Meeting(registration_a=garage, registration_b=vision, slot=s1, table=t1)]
    db.session.add_all([run, published, draft])
    db.session.commit()
    return event


def test_during_a_round_the_screen_shows_it_and_the_next_one(world):
    state = screen_state(world, now=utc(7, 10))
    assert state["phase"] == "round"
    assert state["clock"] == "09:10"
    assert state["now"] == int(datetime(2026, 6, 4, 7, 10, tzinfo=UTC).timestamp() * 1000)
    current, upcoming = state["current"], state["next"]
    assert (current["start"], current["end"], current["label"]) == ("09:00", "09:20", "Matin")
    assert current["ends_at"] - state["now"] == 10 * 60 * 1000  # ten minutes left
    assert current["meetings"] == [
        {"table": "T1", "zone": "", "host": "Vision IA", "guest": "Boulangerie Martin"},
        {"table": "T2", "zone": "", "host": "Texte IA", "guest": "Garage Dupont"},
    ]
    assert (upcoming["start"], upcoming["end"]) == ("09:25", "09:45")
    assert upcoming["starts_at"] - state["now"] == 15 * 60 * 1000
    assert upcoming["meetings"] == [
        {"table": "T2", "zone": "", "host": "Texte IA", "guest": "Boulangerie Martin"}
    ]


def test_between_rounds_before_and_after_the_day(world):
    pause = screen_state(world, now=utc(7, 22))
    assert pause["phase"] == "break" and pause["current"] is None
    assert pause["next"]["start"] == "09:25"
    before = screen_state(world, now=utc(6, 0))
    assert before["phase"] == "before" and before["next"]["start"] == "09:00"
    after = screen_state(world, now=utc(10, 30))
    assert after["phase"] == "finished"
    assert after["current"] is None and after["next"] is None


def test_blocked_slot_is_a_break_not_a_round(world):
    world.slots[1].blocked = True
    db.session.commit()
    state = screen_state(world, now=utc(7, 10))
    assert state["next"]["start"] == "09:50"
    assert state["next"]["meetings"] == []


def test_screen_shows_visible_announcements_newest_first_and_no_person(world):
    db.session.add_all(
        [
            Announcement(event_id=world.id, message="Café en salle B", created_at=utc(6, 0)),
            Announcement(
                event_id=world.id, message="Retiré", created_at=utc(6, 5), hidden_at=utc(6, 6)
            ),
            Announcement(event_id=world.id, message="Déjeuner à 12h30", created_at=utc(6, 10)),
        ]
    )
    db.session.commit()
    state = screen_state(world, now=utc(7, 10))
    assert [a["message"] for a in state["announcements"]] == ["Déjeuner à 12h30", "Café en salle B"]
    text = json.dumps(state, ensure_ascii=False)
    assert "Alice Martin" not in text and "alice@example.fr" not in text


def test_screen_json_and_page_are_public(client, world):
    response = client.get("/evenements/jour-ia/ecran.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["available"] is True and data["version"] == 2
    assert data["event"] == {"slug": "jour-ia", "title": world.title}
    page = client.get("/evenements/jour-ia/ecran")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-url="/evenements/jour-ia/ecran.json"' in html
    assert "Alice Martin" not in html


def test_screen_before_publication_is_a_friendly_page(client, factory):
    factory.event(status=EventStatus.SCHEDULING, slug="pas-encore")
    page = client.get("/evenements/pas-encore/ecran")
    assert page.status_code == 200
    assert "Le planning des rendez-vous n'est pas encore publié." in page.get_data(as_text=True)
    data = client.get("/evenements/pas-encore/ecran.json").get_json()
    assert data["available"] is False and data["current"] is None and data["next"] is None


def test_draft_event_has_no_screen(client, factory):
    factory.event(status=EventStatus.DRAFT, slug="brouillon")
    assert client.get("/evenements/brouillon/ecran").status_code == 404
    assert client.get("/evenements/brouillon/ecran.json").status_code == 404
    assert client.get("/evenements/inconnu/ecran.json").status_code == 404


def test_a_round_on_another_day_shows_the_day_in_words_in_the_event_timezone(world):
    # The evening before, in Paris: the next round is "jeudi 4 juin", not "2026-06-04".
    state = screen_state(world, now=datetime(2026, 6, 3, 18, 0))
    upcoming = state["next"]
    assert upcoming["other_day"] is True
    assert upcoming["day_label"] == "jeudi 4 juin"
    assert (
        screen_state(world, now=datetime(2026, 6, 3, 18, 0), locale="en")["next"]["day_label"]
        == "Thursday 4 June"
    )
    # 23:30 UTC on the 3rd is already 01:30 on the 4th in Paris: the same day, no date shown.
    assert screen_state(world, now=datetime(2026, 6, 3, 23, 30))["next"]["other_day"] is False


@pytest.fixture
def next_month(factory):
    """An event a month away whose schedule is published (empty)."""
    event = factory.event(
        status=EventStatus.PUBLISHED,
        starts_on=date.today() + timedelta(days=30),
        sessions=(("Matin", 9, 12),),
        slug="mois-prochain",
    )
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    db.session.add_all(
        [run, Schedule(event=event, run=run, version=1, status=ScheduleStatus.PUBLISHED)]
    )
    db.session.commit()
    return event


def test_without_javascript_a_round_weeks_away_reads_its_date_in_words(client, next_month):
    from babel.dates import format_date

    day = next_month.starts_on
    french = format_date(day, "EEEE d MMMM", locale="fr")
    html = client.get("/evenements/mois-prochain/ecran").get_data(as_text=True)
    assert f"Début le {french} à 09:00" in html
    assert f">{day.isoformat()}<" not in html
    assert "{days}\u00a0j {hours}\u00a0h" in html  # the countdown's format for the JavaScript

    client.post("/langue", data={"lang": "en"})
    english = format_date(day, "EEEE d MMMM", locale="en")
    html = client.get("/evenements/mois-prochain/ecran").get_data(as_text=True)
    assert f"Starts on {english} at 09:00" in html
    assert "{days} d {hours} h" in html
    data = client.get("/evenements/mois-prochain/ecran.json").get_json()
    assert data["next"]["day_label"] == english and data["next"]["day"] == day.isoformat()
