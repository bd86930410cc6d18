"""English smoke pass: the visitor switches language with the site's switcher; the main pages,
anonymous and signed in, are in English (and stay so across the login)."""

from __future__ import annotations

import pytest

from tests.e2e.support import require_e2e

require_e2e()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.conftest import PASSWORD, LiveServer, Web  # noqa: E402

pytestmark = pytest.mark.e2e
EMAIL = "jane.smith@english.example.org"
EVENT_SLUG = "rencontres-ia-sante-e2e"
EVENT_TITLE = "Rencontres IA Santé"
ORGANISER_EN = "olivia.organiser@english.example.org"


@pytest.fixture(scope="module")
def participant(live_server: LiveServer) -> str:
    """A company registered at an event of its own, seeded in the database (the French
    journeys' event stays theirs)."""
    with live_server.seed() as factory:
        event = factory.event(slug=EVENT_SLUG, title=EVENT_TITLE, city="Bordeaux")
        organiser = factory.user(email=ORGANISER_EN, name="Olivia Organiser", password=PASSWORD)
        event.organisers.append(organiser)
        factory.session.commit()
        user = factory.user(email=EMAIL, name="Jane Smith", password=PASSWORD)
        company = factory.organisation(name="Smith Robotics")
        factory.member(user, company)
        factory.registration(event=event, organisation=company)
    return EMAIL


def in_english(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Main menu")
    expect(nav.get_by_role("link", name="Events")).to_be_visible()
    expect(page.get_by_role("button", name="Français")).to_be_visible()


def test_english_switch_and_main_pages(web: Web, live_server: LiveServer, participant: str):
    page = web.page("visitor", locale="en-GB")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")  # French first
    page.get_by_role("button", name="English").click()
    in_english(page)
    expect(
        page.get_by_role("heading", name="Meet the AI solutions for your business")
    ).to_be_visible()
    web.shot(page, "home")

    page.get_by_role("link", name=EVENT_TITLE).first.click()
    in_english(page)
    expect(page.get_by_role("link", name="Register")).to_be_visible()
    web.shot(page, "event")

    page.get_by_role("link", name="AI catalogue").click()
    in_english(page)
    expect(page.get_by_role("heading", name="AI solutions catalogue")).to_be_visible()
    web.shot(page, "catalogue")

    page.get_by_role("link", name="Log in").click()
    in_english(page)
    page.get_by_label("E-mail address").fill(participant)
    page.get_by_label("Password").fill(PASSWORD)
    web.shot(page, "login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My space")).to_be_visible()
    in_english(page)
    web.shot(page, "dashboard")

    slug = EVENT_SLUG
    for path, heading in (
        (f"/evenements/{slug}/rendez-vous/", "Meeting requests"),
        (f"/evenements/{slug}/participants", "Who is coming"),
        (f"/evenements/{slug}/agenda", "My agenda"),
        ("/calendrier", "My calendars"),
        ("/espace/notifications", "Notifications"),
        ("/compte/parametres", "My account"),
    ):
        page.goto(path)
        in_english(page)
        expect(page.get_by_role("heading", name=heading, exact=False).first).to_be_visible()
        web.shot(page, path.strip("/").replace("/", "-").replace(slug, "event"))

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Mon compte", exact=True)).to_be_visible()


def test_english_organiser_pages(web: Web, participant: str):
    page = web.page("organiser", locale="en-GB")
    page.goto("/compte/connexion")
    page.get_by_role("button", name="English").click()
    page.get_by_label("E-mail address").fill(ORGANISER_EN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My space")).to_be_visible()
    for path, heading in (
        ("/organisateur/configuration/", "Events I organise"),
        (f"/organisateur/configuration/evenements/{EVENT_SLUG}", EVENT_TITLE),
        (f"/organisateur/evenements/{EVENT_SLUG}/inscriptions", "Registrations"),
        (f"/organisateur/evenements/{EVENT_SLUG}/demandes", "Meeting requests"),
        (f"/organisateur/evenements/{EVENT_SLUG}/planning/", f"Schedule of {EVENT_TITLE}"),
        (f"/organisateur/evenements/{EVENT_SLUG}/accueil", f"Reception desk · {EVENT_TITLE}"),
    ):
        page.goto(path)
        in_english(page)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        web.shot(page, path.strip("/").split("/")[-1] or "events")
