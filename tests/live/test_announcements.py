"""Organisers' announcements: posted with a form, hidden again, pushed live to the screen."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import socketio
from app.models import Announcement, db
from app.models.enums import EventStatus
from tests.conftest import own_app_context

URL = "/organisateur/evenements/jour-ia/annonces"


@pytest.fixture
def event(factory):
    event = factory.event(status=EventStatus.LIVE, slug="jour-ia")
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    factory.user(email="visitor@example.fr")
    db.session.commit()
    return event


def _messages() -> list[tuple[str, bool]]:
    db.session.expire_all()
    return [
        (a.message, a.hidden_at is not None)
        for a in db.session.scalars(sa.select(Announcement).order_by(Announcement.id))
    ]


def test_organiser_posts_and_hides_an_announcement(client, auth, event):
    auth.login("orga@example.fr")
    page = client.post(URL, data={"message": "  Café servi en salle B  "}, follow_redirects=True)
    assert "L&#39;annonce est à l&#39;écran." in page.get_data(as_text=True)
    assert _messages() == [("Café servi en salle B", False)]
    screen = client.get("/evenements/jour-ia/ecran.json").get_json()
    assert [a["message"] for a in screen["announcements"]] == ["Café servi en salle B"]
    item_id = db.session.scalar(sa.select(Announcement.id))
    client.post(f"{URL}/{item_id}/masquer")
    assert _messages() == [("Café servi en salle B", True)]
    assert client.get("/evenements/jour-ia/ecran.json").get_json()["announcements"] == []
    client.post(f"{URL}/{item_id}/afficher")
    assert _messages() == [("Café servi en salle B", False)]


def test_too_long_or_empty_announcement_is_refused_and_kept(client, auth, event):
    auth.login("orga@example.fr")
    long_text = "Très long message. " * 20
    response = client.post(URL, data={"message": long_text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "280 caractères au plus." in html
    assert long_text.strip() in html  # what was typed is still in the form
    assert client.post(URL, data={"message": "   "}).status_code == 422
    assert _messages() == []


def test_only_organisers_post_announcements(client, auth, event):
    assert client.post(URL, data={"message": "Intrus"}).status_code == 302  # to the login page
    auth.login("visitor@example.fr")
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"message": "Intrus"}).status_code == 403
    assert _messages() == []


def test_announcement_is_pushed_to_the_screen_room(app, client, auth, event):
    with own_app_context():
        screen = socketio.test_client(app)  # anonymous, like the big screen
        outsider = socketio.test_client(app)  # connected, but watching no event
        assert screen.emit("watch", {"event": "jour-ia"}, callback=True) == {
            "ok": True,
            "organiser": False,
        }
    try:
        auth.login("orga@example.fr")
        client.post(URL, data={"message": "Les rendez-vous reprennent à 14h"})
        pushed = [m for m in screen.get_received() if m["name"] == "announcement"]
        assert [m["args"][0]["message"] for m in pushed] == ["Les rendez-vous reprennent à 14h"]
        assert pushed[0]["args"][0]["hidden"] is False
        assert outsider.get_received() == []
    finally:
        screen.disconnect()
        outsider.disconnect()
