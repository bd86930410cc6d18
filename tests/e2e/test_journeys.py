"""The participant and organiser journeys in a real browser, in French (issue #8).

The journeys follow one story on one event, in order: a provider and a company sign up and
register (1), exchange a meeting request (2), the organiser builds, adjusts and publishes the
schedule while the company's agenda is open and updates live (3), the company downloads its
calendar (4), then the day itself: check-in and the now/next screen (5). A journey whose
predecessor failed fails at once, naming it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.e2e.support import require_e2e

require_e2e()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.conftest import (  # noqa: E402
    EVENT_TITLE,
    ORGANISER_EMAIL,
    PASSWORD,
    LiveServer,
    Web,
)

pytestmark = pytest.mark.e2e
PARIS = ZoneInfo("Europe/Paris")
# The open agenda must show a publication "within a couple of seconds" of the organiser's
# confirmation (the push arrives, the page fetches its new agenda block).
LIVE_UPDATE_BUDGET_MS = 3_000


@dataclass
class Story:
    provider_email: str = "nadia.fournier@optiforge.example.org"
    company_email: str = "paul.usinier@usinage-moderne.example.org"
    provider_name: str = "Optiforge"
    company_name: str = "Usinage Moderne"
    done: set[str] = field(default_factory=set)
    meeting_time: str = ""  # "HH:MM" local, after the organiser moved the meeting

    def require(self, step: str) -> None:
        if step not in self.done:
            pytest.fail(f"this journey builds on the journey '{step}', which did not complete")


@pytest.fixture(scope="module")
def story() -> Story:
    return Story()


# --- steps shared by the journeys -------------------------------------------------------


def sign_up(web: Web, page: Page, server: LiveServer, name: str, email: str) -> None:
    page.goto("/compte/inscription")
    page.get_by_label("Prénom et nom").fill(name)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    web.shot(page, "inscription")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    page.goto(server.link_in_last_mail(email))
    expect(page.get_by_text("Votre adresse e-mail est confirmée")).to_be_visible()
    web.shot(page, "adresse-confirmee")


def log_in(page: Page, email: str) -> None:
    page.goto("/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()


def create_organisation(page: Page, kind_label: str, name: str) -> None:
    page.goto("/espace/")
    page.get_by_role("link", name="Créer une organisation").first.click()
    page.get_by_label(kind_label).check()
    page.get_by_label("Nom de l'organisation").fill(name)
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_text("Votre organisation est créée")).to_be_visible()


def register(web: Web, page: Page, server: LiveServer) -> None:
    page.goto(f"/evenements/{server.event_slug}")
    expect(page.get_by_role("heading", name=EVENT_TITLE)).to_be_visible()
    page.get_by_role("link", name="S'inscrire").click()
    page.get_by_label("Personnes à votre table").fill("1")
    web.shot(page, "formulaire-inscription-evenement")
    page.get_by_role("button", name="S'inscrire").click()
    expect(page.get_by_text("Votre inscription est confirmée.")).to_be_visible()


def publish(organiser: Page, slug: str) -> float:
    """Publish the current draft from the schedule page; returns when it is confirmed."""
    organiser.goto(f"/organisateur/evenements/{slug}/planning/")
    organiser.get_by_role("button", name=re.compile("Publier le brouillon")).click()
    expect(organiser.locator(".flash-success")).to_be_visible()
    return time.monotonic()


# --- journey 1 --------------------------------------------------------------------------


def test_provider_and_company_sign_up_build_profiles_and_register(
    web: Web, live_server: LiveServer, story: Story
):
    provider = web.page("fournisseur")
    sign_up(web, provider, live_server, "Nadia Fournier", story.provider_email)
    create_organisation(provider, "Un fournisseur de solutions d'IA", story.provider_name)
    provider.get_by_label("Site web").fill("https://www.optiforge.example")
    provider.get_by_label("Description").first.fill("Optimisation des procédés industriels.")
    provider.get_by_label("Afficher notre organisation et nos solutions dans le catalogue").check()
    provider.get_by_label("Afficher notre organisation dans l'annuaire").check()
    provider.get_by_role("button", name="Enregistrer le profil").click()
    expect(provider.get_by_text("Le profil est enregistré.")).to_be_visible()
    provider.get_by_role("link", name="Ajouter une solution").first.click()
    provider.get_by_label("Nom de la solution").fill("Optiforge Vision")
    provider.get_by_label("Résumé").fill("Contrôle qualité par caméra sur ligne de production")
    provider.get_by_label(re.compile("Contrôle qualité par vision")).check()
    provider.get_by_label("Industrie manufacturière").check()
    provider.get_by_label("Installation sur site").check()
    web.shot(provider, "formulaire-solution")
    provider.get_by_role("button", name="Enregistrer la solution").click()
    expect(provider.get_by_text("La solution est enregistrée.")).to_be_visible()
    provider.goto("/catalogue/?q=Optiforge")
    expect(provider.get_by_text("Optiforge Vision").first).to_be_visible()
    web.shot(provider, "catalogue")
    register(web, provider, live_server)
    web.shot(provider, "fournisseur-inscrit")

    company = web.page("entreprise")
    sign_up(web, company, live_server, "Paul Usinier", story.company_email)
    create_organisation(
        company, "Une entreprise qui cherche des solutions d'IA", story.company_name
    )
    company.get_by_label("Numéro SIREN (facultatif)").fill("732 829 321")  # wrong checksum
    company.get_by_label("Contrôle qualité par vision").check()
    company.get_by_role("button", name="Enregistrer le profil").click()
    expect(company.get_by_text("Ce numéro SIREN n'est pas valide")).to_be_visible()
    expect(company.get_by_label("Contrôle qualité par vision")).to_be_checked()  # kept
    web.shot(company, "profil-erreur-siren")
    company.get_by_label("Numéro SIREN (facultatif)").fill("732 829 320")
    company.get_by_role("button", name="Enregistrer le profil").click()
    expect(company.get_by_text("Le profil est enregistré.")).to_be_visible()
    register(web, company, live_server)
    company.goto("/espace/")
    expect(company.get_by_text(EVENT_TITLE).first).to_be_visible()
    web.shot(company, "entreprise-tableau-de-bord")
    story.done.add("sign-up and registration")


# --- journey 2 --------------------------------------------------------------------------


def test_company_requests_a_meeting_and_provider_accepts(
    web: Web, live_server: LiveServer, story: Story
):
    story.require("sign-up and registration")
    slug = live_server.event_slug
    company = web.page("entreprise")
    log_in(company, story.company_email)
    company.goto(f"/evenements/{slug}/participants?role=provider")
    card = company.locator(".card", has_text=story.provider_name)
    web.shot(company, "annuaire")
    card.get_by_role("link", name="Demander un rendez-vous").click()
    company.get_by_label("Souhaite rencontrer").check()
    company.get_by_label("Message (facultatif)").fill(
        "Bonjour, votre contrôle qualité nous intéresse."
    )
    web.shot(company, "formulaire-demande")
    company.get_by_role("button", name="Envoyer la demande").click()
    expect(company.locator(".flash-success")).to_be_visible()
    expect(company.locator(".request-pending", has_text=story.provider_name)).to_be_visible()
    web.shot(company, "demande-envoyee")

    provider = web.page("fournisseur")
    log_in(provider, story.provider_email)
    provider.goto(f"/evenements/{slug}/rendez-vous/?statut=pending")
    request = provider.locator(".request-pending", has_text=story.company_name)
    expect(request.get_by_text("votre contrôle qualité nous intéresse")).to_be_visible()
    web.shot(provider, "demande-recue")
    request.get_by_role("button", name="Accepter", exact=True).click()
    expect(provider.locator(".flash-success")).to_be_visible()
    provider.goto(f"/evenements/{slug}/rendez-vous/?statut=accepted")
    expect(provider.locator(".request-accepted", has_text=story.company_name)).to_be_visible()
    web.shot(provider, "demande-acceptee")

    company.goto(f"/evenements/{slug}/rendez-vous/?statut=accepted")
    expect(company.locator(".request-accepted", has_text=story.provider_name)).to_be_visible()
    story.done.add("meeting request")


# --- journey 3 --------------------------------------------------------------------------


def test_organiser_builds_moves_and_publishes_while_the_agenda_updates_live(
    web: Web, live_server: LiveServer, story: Story
):
    story.require("meeting request")
    slug = live_server.event_slug

    # The company's agenda is open in its own browser context before anything is published.
    agenda = web.page("entreprise")
    log_in(agenda, story.company_email)
    with web.following_event(agenda):  # and in its own agenda's room since it connected
        agenda.goto(f"/evenements/{slug}/agenda")
    expect(agenda.get_by_text("Le planning n'est pas encore publié")).to_be_visible()
    agenda.evaluate("window.e2eNoReload = true")  # gone if the page reloads
    web.shot(agenda, "agenda-avant-publication")

    organiser = web.page("organisatrice")
    log_in(organiser, ORGANISER_EMAIL)
    organiser.goto(f"/organisateur/evenements/{slug}/planning/")
    organiser.get_by_label("Durée maximale (secondes)").fill("5")
    organiser.get_by_role("button", name="Construire le planning").click()
    expect(organiser.locator("#run-progress progress")).to_be_visible()
    expect(organiser.locator("#run-progress [data-field=status]")).to_have_text(
        re.compile("En file d'attente|En cours|Réussie")  # in French, as the page updates it
    )
    web.shot(organiser, "planning-progression")
    expect(organiser.get_by_role("heading", name=re.compile("Brouillon 1"))).to_be_visible(
        timeout=60_000
    )
    meeting = organiser.locator("table.grid a", has_text=story.company_name)
    first_time = meeting.locator("xpath=ancestor::tr/th").inner_text().strip()
    web.shot(organiser, "planning-brouillon-1")

    # First publication: the open agenda shows the meeting without being reloaded.
    row = (
        agenda.locator(".agenda-table tbody tr")
        .filter(has_text=re.compile(r"\d{2}:\d{2}–\d{2}:\d{2}"))  # meeting rows (not notes)
        .filter(has_text=story.provider_name)
    )
    publish(organiser, slug)
    expect(agenda.locator("#live-notice")).to_be_visible(timeout=LIVE_UPDATE_BUDGET_MS)
    expect(row).to_contain_text(first_time)
    assert agenda.evaluate("window.e2eNoReload === true"), "the agenda page was reloaded"
    web.shot(agenda, "agenda-version-1-en-direct")

    # The organiser moves the meeting in a new draft and publishes it: the agenda follows.
    organiser.get_by_role("button", name="Modifier le planning publié (crée un brouillon)").click()
    expect(organiser.get_by_role("heading", name=re.compile("Brouillon 2"))).to_be_visible()
    organiser.locator("table.grid a", has_text=story.company_name).click()
    slots = organiser.locator("#slot_id option")
    labels = [slots.nth(i).inner_text() for i in range(slots.count())]
    # To the first round when the optimiser chose another (the now/next screen of journey 5
    # shows the first round before the day), else to the last one.
    target = 0 if not labels[0].endswith(first_time) else len(labels) - 1
    organiser.locator("#slot_id").select_option(index=target)
    web.shot(organiser, "deplacer-rendez-vous")
    organiser.get_by_role("button", name="Déplacer le rendez-vous").click()
    expect(organiser.locator(".flash-success")).to_be_visible()
    story.meeting_time = re.search(r"\d{2}:\d{2}", labels[target]).group(0)
    web.shot(organiser, "planning-apres-deplacement")

    confirmed = publish(organiser, slug)
    expect(row).to_contain_text(story.meeting_time, timeout=LIVE_UPDATE_BUDGET_MS)
    delay_ms = (time.monotonic() - confirmed) * 1000
    expect(row).to_contain_text("Déplacé")
    expect(agenda.get_by_text("Version 2")).to_be_visible()
    assert agenda.evaluate("window.e2eNoReload === true"), "the agenda page was reloaded"
    web.shot(agenda, "agenda-version-2-en-direct")
    print(f"agenda updated {delay_ms:.0f} ms after the organiser saw the publication")
    story.done.add("publication")

    # The organiser prints the table sheets and the badges of the published schedule.
    organiser.goto(f"/organisateur/evenements/{slug}/planning/")
    organiser.get_by_role("link", name="Exports CSV, feuilles de table et badges").click()
    organiser.get_by_role("link", name="Feuilles de table à imprimer").click()
    sheet = organiser.locator(".sheet", has_text=story.meeting_time)
    expect(sheet.get_by_text(story.company_name)).to_be_visible()
    web.shot(organiser, "feuilles-de-table")
    organiser.go_back()
    organiser.get_by_role("link", name="Badges à imprimer").click()
    expect(organiser.locator(".badge", has_text="Paul Usinier")).to_be_visible()
    web.shot(organiser, "badges")


# --- journey 4 --------------------------------------------------------------------------


def test_participant_downloads_the_calendar_with_the_meeting(
    web: Web, live_server: LiveServer, story: Story
):
    story.require("publication")
    company = web.page("entreprise")
    log_in(company, story.company_email)
    company.goto("/calendrier")
    expect(company.get_by_role("heading", name="Mes calendriers")).to_be_visible()
    web.shot(company, "mes-calendriers")
    with company.expect_download() as download:
        company.get_by_role("link", name="Télécharger (.ics)").first.click()
    assert download.value.suggested_filename == f"{live_server.event_slug}.ics"
    saved = web.folder / download.value.suggested_filename  # kept with the screenshots
    download.value.save_as(saved)
    calendar = icalendar.Calendar.from_ical(saved.read_bytes())
    events = [e for e in calendar.walk("VEVENT") if story.provider_name in str(e.get("SUMMARY"))]
    assert len(events) == 1, [str(e.get("SUMMARY")) for e in calendar.walk("VEVENT")]
    start = events[0].decoded("DTSTART")
    assert isinstance(start, datetime)
    assert start.astimezone(PARIS).strftime("%H:%M") == story.meeting_time  # the moved time
    assert int(events[0]["SEQUENCE"]) >= 1  # calendars replace the first version's entry
    story.done.add("calendar")


# --- journey 5 --------------------------------------------------------------------------


def advance_status(web: Web, organiser: Page, slug: str, *labels: str) -> None:
    """Move the event one status step at a time through its set-up form."""
    for label in labels:
        organiser.goto(f"/organisateur/configuration/evenements/{slug}")
        organiser.get_by_label("Statut").select_option(label=label)
        organiser.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(organiser.locator(".flash-success")).to_be_visible()
        expect(organiser.get_by_label("Statut")).to_have_value(re.compile(".+"))
    web.shot(organiser, "statut-evenement")


def test_check_in_at_the_desk_and_the_now_next_screen(
    web: Web, live_server: LiveServer, story: Story
):
    story.require("publication")
    slug = live_server.event_slug
    organiser = web.page("organisatrice")
    log_in(organiser, ORGANISER_EMAIL)
    advance_status(web, organiser, slug, "Mise en relation", "Planification", "Planning publié")

    # The big screen at the venue (no login) before the first round.
    screen = web.page("ecran")
    with web.following_event(screen):
        screen.goto(f"/evenements/{slug}/ecran")
    expect(screen.locator("#screen-phase")).to_have_text(
        "Les rendez-vous n'ont pas encore commencé."
    )
    upcoming = screen.locator("#round-next")
    expect(upcoming.get_by_role("heading", name="À suivre")).to_be_visible()
    expect(upcoming.locator(".round-time")).to_contain_text("09:00–09:20")
    if story.meeting_time == "09:00":
        expect(upcoming.locator(".pair")).to_have_text(
            f"{story.provider_name} ↔ {story.company_name}"
        )
    else:
        expect(upcoming.get_by_text("Aucun rendez-vous dans ce créneau.")).to_be_visible()
    screen.evaluate("window.e2eNoReload = true")
    web.shot(screen, "ecran-avant-la-journee")

    # The company's representative shows the code printed on their badge page.
    company = web.page("entreprise")
    log_in(company, story.company_email)
    company.goto(f"/evenements/{slug}/mon-badge")
    expect(company.get_by_role("heading", name="Mon badge")).to_be_visible()
    code = company.locator(".short-code").inner_text().strip()
    assert code
    web.shot(company, "mon-badge")

    # Two reception desks are open; the first checks the participant in by typing the code.
    other_desk = web.page("accueil-2")
    log_in(other_desk, ORGANISER_EMAIL)
    with web.following_event(other_desk):
        other_desk.goto(f"/organisateur/evenements/{slug}/accueil")
    expect(other_desk.locator("#arrivals [data-field=count]")).to_have_text("0")
    # The organisers' dashboard is open too (on its own page's one connection).
    dashboard = web.page("tableau-de-bord")
    log_in(dashboard, ORGANISER_EMAIL)
    with web.following_event(dashboard):
        dashboard.goto(f"/organisateur/evenements/{slug}/tableau-de-bord")
    arrived = dashboard.locator('[data-stat="arrivals.registrations"]')
    expect(arrived).to_have_text("0")
    organiser.goto(f"/organisateur/evenements/{slug}/accueil")
    expect(organiser.get_by_role("heading", name=re.compile("Accueil"))).to_be_visible()
    organiser.get_by_label("Code du badge").fill(code)
    organiser.get_by_role("button", name="Enregistrer l'arrivée").click()
    expect(organiser.locator("#scan-result")).to_have_text(
        f"Bienvenue Paul Usinier ({story.company_name}) !"
    )
    expect(organiser.locator("#arrivals [data-field=count]")).to_have_text("1")
    web.shot(organiser, "accueil-arrivee")
    # The other desk learns it live, without reloading.
    expect(other_desk.locator("#arrivals [data-field=count]")).to_have_text(
        "1", timeout=LIVE_UPDATE_BUDGET_MS
    )
    expect(other_desk.locator("#last-arrivals")).to_contain_text("Paul Usinier")
    web.shot(other_desk, "autre-accueil-en-direct")
    expect(arrived).to_have_text("1", timeout=LIVE_UPDATE_BUDGET_MS)  # and the dashboard
    web.shot(dashboard, "tableau-de-bord-en-direct")
    # The same badge twice is refused (HTTP 409), with the time of the first check-in.
    organiser.get_by_label("Code du badge").fill(code)
    with web.expecting_error("409 (CONFLICT)"):
        organiser.get_by_role("button", name="Enregistrer l'arrivée").click()
        expect(organiser.locator("#scan-result")).to_contain_text(
            "Paul Usinier est déjà enregistré·e (à "
        )
    expect(organiser.locator("#arrivals [data-field=count]")).to_have_text("1")

    company.reload()
    expect(company.get_by_text("Votre arrivée a été enregistrée à")).to_be_visible()
    web.shot(company, "mon-badge-arrivee")

    # An announcement reaches the open screen live.
    organiser.goto(f"/organisateur/evenements/{slug}/annonces")
    organiser.get_by_label("Annonce").fill("Le déjeuner est servi en salle Rhône à 12 h 30.")
    organiser.get_by_role("button", name="Publier", exact=True).click()
    expect(organiser.locator(".flash-success")).to_be_visible()
    expect(screen.locator("#announcement-list")).to_contain_text(
        "Le déjeuner est servi en salle Rhône", timeout=LIVE_UPDATE_BUDGET_MS
    )
    assert screen.evaluate("window.e2eNoReload === true"), "the screen was reloaded"
    web.shot(screen, "ecran-annonce-en-direct")
