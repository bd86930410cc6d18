"""The organiser's live dashboard: its numbers, who may see it, and its live pushes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import socketio
from app.models import Attendee, Feedback, MeetingRequest, Registration, db
from app.models.base import utcnow
from app.models.enums import (
    FeedbackOutcome,
    MeetingStatus,
    RegistrationRole,
    RegistrationStatus,
    RequestStatus,
)
from app.services.registrations import (
    AttendeeData,
    RegistrationData,
    register_organisation,
)
from tests.conftest import Auth, own_app_context
from tests.live.test_feedback import build_world


@pytest.fixture
def world(factory):
    world = build_world(factory)
    # Registrations: 3 approved (built), plus one of each other status.
    for status in (
        RegistrationStatus.PENDING,
        RegistrationStatus.REJECTED,
        RegistrationStatus.CANCELLED,
    ):
        factory.registration(event=world.event, status=status)
    # Requests: 2 accepted (mutual pair), 1 pending, 1 declined.
    factory.meeting_request(
        src=world.reg_c, dst=world.reg_p, status=RequestStatus.ACCEPTED, mutual=True
    )
    factory.meeting_request(
        src=world.reg_p, dst=world.reg_c, status=RequestStatus.ACCEPTED, mutual=True
    )
    factory.meeting_request(src=world.reg_s, dst=world.reg_p, status=RequestStatus.PENDING)
    factory.meeting_request(src=world.reg_p, dst=world.reg_s, status=RequestStatus.DECLINED)
    # Arrivals: Usine SAS at the desk, one of the two people of Robot IA, Commerce SARL absent.
    now = utcnow()
    world.reg_c.checked_in_at = now
    world.reg_p.attendees = [
        Attendee(name="Paul", email="paul@example.fr", checked_in_at=now),
        Attendee(name="Pia", email="pia@example.fr"),
    ]
    world.reg_s.absent_at = now
    # Feedback: both sides of the held meeting (5 + follow-up, 3 + quote); 2 on the walk-in.
    world.held.status = MeetingStatus.HELD
    db.session.add_all(
        [
            Feedback(
                meeting=world.held,
                registration=world.reg_c,
                rating=5,
                outcome=FeedbackOutcome.FOLLOW_UP,
            ),
            Feedback(
                meeting=world.held,
                registration=world.reg_p,
                rating=3,
                outcome=FeedbackOutcome.QUOTE,
            ),
            Feedback(
                meeting=world.walk_in,
                registration=world.reg_s,
                rating=2,
                outcome=FeedbackOutcome.NOT_RELEVANT,
            ),
        ]
    )
    db.session.commit()
    return world


def dashboard_url(world, suffix: str = "") -> str:
    return f"/organisateur/evenements/{world.event.slug}/tableau-de-bord{suffix}"


def test_dashboard_numbers_on_a_built_event(client, auth, world):
    auth.login("orga@example.fr")
    response = client.get(dashboard_url(world, ".json"))
    assert response.status_code == 200
    stats = response.get_json()["stats"]
    assert stats["registrations"] == {
        "pending": 1,
        "approved": 3,
        "rejected": 1,
        "cancelled": 1,
        "total": 6,
        "companies": 2,
        "providers": 1,
    }
    assert stats["requests"] == {
        "pending": 1,
        "accepted": 2,
        "declined": 1,
        "expired": 0,
        "cancelled": 0,
        "total": 4,
        "mutual": 2,
    }
    assert stats["arrivals"] == {
        "expected": 3,
        "registrations": 2,
        "absent": 1,
        "attendees": 1,
        "attendees_expected": 2,
    }
    assert stats["meetings"] == {
        "planned": 4,  # the cancelled one is not planned
        "held": 2,  # held by status, and the walk-in by its feedback
        "no_show": 1,
        "cancelled": 1,
        "to_confirm": 1,  # the last meeting of the day, past, without feedback
        "schedule": 3,
        "organiser": 0,
        "walk_in": 1,
        "rebooking": 0,
    }
    assert stats["satisfaction"] == {
        "count": 3,
        "mean": 3.33,
        "distribution": {"1": 0, "2": 1, "3": 1, "4": 0, "5": 1},
    }
    assert stats["outcomes"]["follow_up"] == 1
    assert stats["outcomes"]["quote"] == 1
    assert stats["outcomes"]["next_steps"] == 2
    sectors = {g["code"]: g for g in stats["by_sector"]}
    assert (sectors["C"]["meetings"], sectors["C"]["mean"], sectors["C"]["next_steps"]) == (
        2,
        4.0,
        2,
    )
    assert (sectors["G"]["meetings"], sectors["G"]["no_show"], sectors["G"]["mean"]) == (2, 1, 2.0)
    assert sectors["C"]["label"] == "Industrie manufacturière"
    use_cases = {g["code"]: g for g in stats["by_use_case"]}
    # Usine SAS needs a chatbot and lead scoring; Robot IA offers a chatbot: chatbot only.
    assert use_cases["sales.chatbot"]["meetings"] == 2
    assert use_cases["sales.chatbot"]["mean"] == 4.0
    # Commerce SARL needs lead scoring, which Robot IA does not offer: its need counts.
    assert use_cases["sales.lead_scoring"]["meetings"] == 2
    assert use_cases["sales.lead_scoring"]["feedback"] == 1


def test_dashboard_page_shows_counters_and_svg_charts_without_inline_styles(client, auth, world):
    auth.login("orga@example.fr")
    response = client.get(dashboard_url(world))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('<svg class="chart"') == 6
    assert 'data-stat="meetings.held">2<' in page
    assert "3,33" in page  # French decimal comma
    assert "style=" not in page
    assert "<script>" not in page and "/static/js/dashboard.js" in page


def test_dashboard_json_carries_redrawn_charts(client, auth, world):
    auth.login("orga@example.fr")
    html = client.get(dashboard_url(world, ".json")).get_json()["html"]
    assert set(html) >= {"chart-meetings", "chart-ratings", "chart-sectors", "dashboard-groups"}
    assert "Industrie manufacturière" in html["chart-sectors"]


@pytest.mark.parametrize("suffix", ["", ".json"], ids=["page", "json"])
def test_dashboard_refused_to_participants_and_other_organisers(
    client, auth, factory, world, suffix
):
    other = factory.event()
    other_organiser = factory.user(email="other-orga@example.fr")
    other.organisers.append(other_organiser)
    db.session.commit()
    auth.login("alice@example.fr")
    assert client.get(dashboard_url(world, suffix)).status_code == 403
    auth.logout()
    auth.login("other-orga@example.fr")
    assert client.get(dashboard_url(world, suffix)).status_code == 403
    auth.logout()
    response = client.get(dashboard_url(world, suffix))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")


def test_admins_see_every_dashboard(client, auth, factory, world):
    factory.user(email="admin@example.fr", is_admin=True)
    auth.login("admin@example.fr")
    assert client.get(dashboard_url(world)).status_code == 200


# Live pushes (Flask-SocketIO test clients, authenticated with the login cookie).


class SocketClient:
    """A Flask-SocketIO test client logged in through the real login form."""

    def __init__(self, app, email: str):
        http = app.test_client()
        Auth(http).login(email)
        with own_app_context():
            self.client = socketio.test_client(app, flask_test_client=http)
        assert self.client.is_connected()

    def watch(self, slug: str):
        with own_app_context():
            return self.client.emit("watch", {"event": slug}, callback=True)

    def get_received(self):
        return self.client.get_received()

    def disconnect(self):
        with own_app_context():
            self.client.disconnect()


def _socket(app, email: str) -> SocketClient:
    return SocketClient(app, email)


def _names(client) -> list[str]:
    return [item["name"] for item in client.get_received()]


def _new_company(factory, world):
    company = factory.organisation(name="Nouvelle SAS")
    factory.member(world.alice, company)
    return company


def _register(world, company, event):
    return register_organisation(
        event=event,
        organisation=company,
        actor=world.alice,
        data=RegistrationData(
            sessions=list(event.sessions),
            unavailable_slots=[],
            representatives=1,
            max_meetings=None,
            attendees=[AttendeeData(name="Alice", email="alice@example.fr")],
        ),
        now=utcnow(),
    )


def test_counters_reach_organisers_after_a_registration_and_nobody_else(app, factory):
    from app.models.enums import EventStatus

    world = build_world(factory, status=EventStatus.REGISTRATION_OPEN)
    company = _new_company(factory, world)
    organiser = _socket(app, "orga@example.fr")
    participant = _socket(app, "paul@example.fr")
    assert organiser.watch(world.event.slug)["organiser"]
    assert participant.watch(world.event.slug) == {
        "ok": True,
        "organiser": False,
    }
    organiser.get_received(), participant.get_received()
    _register(world, company, world.event)
    assert _names(organiser) == []  # nothing before the commit
    db.session.commit()
    assert _names(organiser) == ["counters"]
    assert _names(participant) == []
    organiser.disconnect()
    participant.disconnect()


def test_no_counters_when_the_transaction_rolls_back(app, factory):
    from app.models.enums import EventStatus

    world = build_world(factory, status=EventStatus.REGISTRATION_OPEN)
    company = _new_company(factory, world)
    organiser = _socket(app, "orga@example.fr")
    organiser.watch(world.event.slug)
    organiser.get_received()
    _register(world, company, world.event)
    db.session.rollback()
    db.session.commit()
    assert _names(organiser) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 3
    organiser.disconnect()


def test_request_answer_and_feedback_are_pushed_to_organisers(app, client, auth, factory):
    from app.models.enums import EventStatus

    world = build_world(factory, status=EventStatus.LIVE)
    request = factory.meeting_request(src=world.reg_s, dst=world.reg_p)
    organiser = _socket(app, "orga@example.fr")
    organiser.watch(world.event.slug)
    organiser.get_received()
    auth.login("paul@example.fr")
    response = client.post(
        f"/evenements/{world.event.slug}/rendez-vous/demandes/{request.id}/repondre",
        data={"decision": "accept", "reason": ""},
    )
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status is RequestStatus.ACCEPTED
    assert _names(organiser) == ["counters"]
    client.post(
        f"/evenements/{world.event.slug}/retours/{world.held.id}",
        data={f"m{world.held.id}-rating": "4", f"m{world.held.id}-outcome": "none"},
    )
    assert _names(organiser) == ["feedback"]
    organiser.disconnect()


def test_provider_role_counts_follow_approval(client, auth, factory, world):
    pending = db.session.scalar(
        sa.select(Registration).where(Registration.status == RegistrationStatus.PENDING)
    )
    pending.role = RegistrationRole.PROVIDER
    db.session.commit()
    auth.login("orga@example.fr")
    client.post(f"/organisateur/evenements/{world.event.slug}/inscriptions/{pending.id}/approuver")
    stats = client.get(dashboard_url(world, ".json")).get_json()["stats"]
    assert (stats["registrations"]["pending"], stats["registrations"]["providers"]) == (0, 2)
