"""Walk the organiser's journey in a real browser; save screenshots to docs/screenshots/.

Usage (against a server with the demo data, e.g. `make run`):
    .venv/bin/python scripts/organiser_journey.py --base-url http://127.0.0.1:5000

The demo organiser (an admin) sets up a new event from scratch (sessions, slot preview,
tables), then on the demo event builds the schedule with the live progress bar, moves a
meeting, publishes; a participant opens their agenda and their calendar feed, in which the
moved meeting has its new time and a higher SEQUENCE.
"""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta
from pathlib import Path

import icalendar
import requests
from playwright.sync_api import Page, expect, sync_playwright

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DEMO_SLUG = "rendez-vous-ia-industrie-lyon"
PASSWORD = "demo-rdv-ia-2026"


def shot(page: Page, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()


def set_up_event(page: Page, base: str) -> None:
    day = date.today() + timedelta(days=60)
    page.goto(f"{base}/organisateur/configuration/nouveau")
    page.get_by_label("Titre").fill("Rendez-vous IA — Santé")
    page.get_by_label("Ville").fill("Bordeaux")
    page.get_by_label("Premier jour").fill(day.isoformat())
    page.get_by_label("Dernier jour").fill(day.isoformat())
    page.get_by_role("button", name="Créer l'événement").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.get_by_role("link", name="Sessions et créneaux").first.click()
    page.get_by_label("Nom").fill("Matin")
    page.get_by_label("Jour").fill(day.isoformat())
    page.get_by_label("Début (heure locale)").fill("09:00")
    page.get_by_label("Fin (heure locale)").fill("12:30")
    page.get_by_role("button", name="Prévisualiser les créneaux").click()
    shot(page, "setup-slots-preview")
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.get_by_role("link", name="Tables").first.click()
    page.get_by_label("Nombre de tables").fill("20")
    page.get_by_role("button", name="Enregistrer les tables").click()
    shot(page, "setup-tables")


def build_and_publish(page: Page, base: str) -> tuple[str, str]:
    page.goto(f"{base}/organisateur/evenements/{DEMO_SLUG}/planning/")
    page.get_by_label("Durée maximale (secondes)").fill("20")
    page.get_by_role("button", name="Construire le planning").click()
    expect(page.locator("#run-progress")).to_be_visible()
    meetings = page.locator("[data-field=meetings]")
    for _ in range(240):  # the page's own script updates it (the CSP forbids eval here)
        if meetings.count() and meetings.inner_text().strip() not in ("", "0"):
            break
        page.wait_for_timeout(250)
    shot(page, "planning-progress")
    expect(page.get_by_role("heading", name=re.compile("Brouillon"))).to_be_visible(timeout=90_000)
    shot(page, "planning-draft", full_page=False)
    # Move the first meeting of the company account's organisation to another free slot.
    cell = page.locator("table.grid a", has_text="Forges du Rhône").first
    names = cell.inner_text()
    cell.click()
    before = page.locator(".meta").first.inner_text()
    options = page.locator("#slot_id option")
    for i in range(options.count() - 1, -1, -1):
        page.locator("#slot_id").select_option(index=i)
        page.get_by_role("button", name="Déplacer le rendez-vous").click()
        if page.locator(".flash-success").count():
            break
    shot(page, "planning-moved", full_page=False)
    page.get_by_role("button", name=re.compile("Publier le brouillon")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    return names, before


def participant_side(page: Page, base: str) -> None:
    log_in(page, base, "entreprise@demo.rdv-ia.fr")
    page.goto(f"{base}/evenements/{DEMO_SLUG}/agenda")
    expect(page.locator(".agenda-table")).to_be_visible()
    shot(page, "agenda")
    page.goto(f"{base}/calendrier")
    shot(page, "calendars")
    feed = page.get_by_role("link", name="Télécharger (.ics)").first.get_attribute("href")
    url = feed if feed.startswith("http") else f"{base}{feed}"
    calendar = icalendar.Calendar.from_ical(requests.get(url, timeout=30).content)
    events = [c for c in calendar.walk("VEVENT")]
    moved = [e for e in events if int(e.get("SEQUENCE", 0)) > 0]
    print(f"feed {url}: {len(events)} meetings, {len(moved)} with SEQUENCE > 0")
    for event in moved:
        print("  moved:", event.get("SUMMARY"), event.decoded("DTSTART"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    args = parser.parse_args()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page = context.new_page()
        log_in(page, args.base_url, "organisatrice@demo.rdv-ia.fr")
        set_up_event(page, args.base_url)
        names, before = build_and_publish(page, args.base_url)
        print(f"moved meeting: {names} (was: {before})")
        context.close()
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        participant_side(context.new_page(), args.base_url)
        browser.close()
    print(f"Journey done; screenshots in {SHOTS}")


if __name__ == "__main__":
    main()
