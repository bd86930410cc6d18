"""The organiser's API token page: access per role, create (shown once), revoke."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import ApiToken, db


def _url(ev) -> str:
    return f"/organisateur/evenements/{ev.event.slug}/api/"


def test_anonymous_is_sent_to_login(client, ev):
    response = client.get(_url(ev))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion")


def test_participant_is_refused(client, auth, ev, factory):
    user = factory.user(email="participant@example.fr")
    factory.member(user, ev.companies[0].organisation)
    auth.login("participant@example.fr")
    assert client.get(_url(ev)).status_code == 403
    assert client.post(_url(ev), data={"name": "Pirate"}).status_code == 403
    revoke = client.post(f"{_url(ev)}{ev.token_row.id}/revoquer")
    assert revoke.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_organiser_creates_a_token_shown_once_and_usable(client, auth, ev):
    auth.login("orga@example.fr")
    page = client.get(_url(ev)).get_data(as_text=True)
    assert "Jetons d’API" in page and "CRM" in page and ev.token not in page
    response = client.post(_url(ev), data={"name": "Billetterie"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    plain = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', html).group(1)
    assert "il ne sera plus affiché" in html
    assert client.get(_url(ev)).get_data(as_text=True).count(plain) == 0
    api = client.get(
        f"/api/v1/events/{ev.event.slug}", headers={"Authorization": f"Bearer {plain}"}
    )
    assert api.status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "Billetterie"))
    assert token.created_by_id == ev.organiser.id and token.prefix == plain[:8]


def test_token_name_is_required(client, auth, ev):
    auth.login("orga@example.fr")
    response = client.post(_url(ev), data={"name": ""})
    assert response.status_code == 400
    assert "Donnez un nom au jeton." in response.get_data(as_text=True)


def test_organiser_revokes_a_token(client, auth, ev):
    auth.login("orga@example.fr")
    response = client.post(f"{_url(ev)}{ev.token_row.id}/revoquer", follow_redirects=True)
    assert "ne fonctionne plus" in response.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {ev.token}"}
    assert client.get(f"/api/v1/events/{ev.event.slug}", headers=headers).status_code == 401
    again = client.post(f"{_url(ev)}{ev.token_row.id}/revoquer", follow_redirects=True)
    assert "déjà été révoqué" in again.get_data(as_text=True)


def test_token_of_another_event_cannot_be_revoked_here(client, auth, ev, factory):
    other = factory.event()
    other.organisers.append(ev.organiser)
    db.session.commit()
    auth.login("orga@example.fr")
    response = client.post(f"/organisateur/evenements/{other.slug}/api/{ev.token_row.id}/revoquer")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiToken, ev.token_row.id).revoked_at is None
