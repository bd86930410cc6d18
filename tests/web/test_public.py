"""Home page, event page, language switch and error pages, as a visitor sees them."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from app.models.enums import EventStatus, RegistrationRole, RegistrationStatus


@pytest.fixture
def event(factory):
    event = factory.event(
        title="Rendez-vous IA — Agroalimentaire",
        city="Rennes",
        description="Des rendez-vous <b>préprogrammés</b>.",
    )
    for _ in range(3):
        factory.registration(event=event)
    factory.registration(event=event, role=RegistrationRole.PROVIDER)
    factory.registration(event=event, status=RegistrationStatus.PENDING)
    return event


def test_home_lists_upcoming_public_events_only(client, factory, event):
    factory.event(title="Brouillon secret", status=EventStatus.DRAFT)
    factory.event(title="Événement passé", starts_on=date.today() - timedelta(days=10))
    page = client.get("/").get_data(as_text=True)
    assert "Rendez-vous IA — Agroalimentaire" in page
    assert "Brouillon secret" not in page
    assert "Événement passé" not in page
    assert f'href="/evenements/{event.slug}"' in page


def test_home_without_events_says_so(client):
    assert "Aucun événement à venir pour le moment." in client.get("/").get_data(as_text=True)


def test_event_page_in_french_by_default(client, event):
    response = client.get(f"/evenements/{event.slug}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert "4 participants" in page  # approved only
    assert "3 entreprises" in page
    assert "1 fournisseur d'IA" in page
    assert "Matin" in page and "Après-midi" in page
    assert "de 09:00 à 12:00" in page
    assert "Les rendez-vous durent 20 minutes." in page


def test_event_page_escapes_user_text(client, event):
    page = client.get(f"/evenements/{event.slug}").get_data(as_text=True)
    assert "&lt;b&gt;préprogrammés&lt;/b&gt;" in page
    assert "<b>préprogrammés</b>" not in page


def test_language_switch_to_english_and_back(client, event):
    response = client.post("/langue", data={"lang": "en", "next": f"/evenements/{event.slug}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/evenements/{event.slug}"
    page = client.get(f"/evenements/{event.slug}").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "3 companies" in page
    assert "from 9:00\u202fAM to 12:00\u202fPM" in page
    client.post("/langue", data={"lang": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""],
    ids=["absolute", "scheme-relative", "javascript", "empty"],
)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/langue", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    client.post("/langue", data={"lang": "de", "next": "/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_draft_or_unknown_event_is_not_found(client, factory):
    draft = factory.event(status=EventStatus.DRAFT)
    for url in (f"/evenements/{draft.slug}", "/evenements/nope"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page introuvable" in response.get_data(as_text=True)


def test_server_error_page_is_friendly(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Erreur du serveur" in page
    assert "kaboom" not in page


def test_language_switch_requires_csrf_token(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/langue", data={"lang": "en", "next": "/"})
    assert response.status_code == 400


def test_health_check_answers_plain_ok_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_a_request_that_finds_every_database_connection_busy_is_told_to_retry(database_url):
    from app.models import db
    from tests.conftest import make_app

    busy = make_app(
        database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 1},
    )
    with busy.app_context(), db.engine.connect():  # the only connection is taken
        response = busy.test_client().get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Rien n'a été enregistré" in html.unescape(response.get_data(as_text=True))
