"""Walk the participant journey in a real browser and save screenshots to docs/screenshots/.

Usage (against a running server, e.g. `make run`):
    .venv/bin/python scripts/journey.py --base-url http://127.0.0.1:5000 --outbox instance/outbox

Needs Playwright for Python and Debian's Chromium (/usr/bin/chromium); no browser download.
A provider and a company sign up, confirm their e-mail, build their profiles, the provider
publishes two solutions that then appear in the catalogue, and both register for the demo event.
"""

from __future__ import annotations

import argparse
import re
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DEMO_SLUG = "rendez-vous-ia-industrie-lyon"


def confirmation_link(outbox: Path, to: str) -> str:
    for _ in range(50):
        for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == to:
                body = message.get_body(preferencelist=("plain",)).get_content()
                return re.search(r"https?://\S+", body).group(0)
        time.sleep(0.1)
    raise SystemExit(f"no e-mail to {to} in {outbox}")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_up(page: Page, base: str, outbox: Path, name: str, email: str, prefix: str) -> None:
    page.goto(f"{base}/compte/inscription")
    page.get_by_label("Prénom et nom").fill(name)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill("mot de passe de démo")
    page.get_by_label("Confirmez le mot de passe").fill("mot de passe de démo")
    if prefix == "provider":
        shot(page, "signup")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    page.goto(confirmation_link(outbox, email))
    expect(page.get_by_text("Votre adresse e-mail est confirmée")).to_be_visible()


def create_organisation(page: Page, kind_label: str, name: str) -> None:
    page.get_by_role("link", name="Créer une organisation").first.click()
    page.get_by_label(kind_label).check()
    page.get_by_label("Nom de l'organisation").fill(name)
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_text("Votre organisation est créée")).to_be_visible()


def provider_journey(page: Page, base: str, outbox: Path, suffix: str) -> str:
    sign_up(page, base, outbox, "Nadia Fournier", f"nadia-{suffix}@example.org", "provider")
    name = f"Optiforge {suffix}"
    create_organisation(page, "Un fournisseur de solutions d'IA", name)
    page.get_by_label("Site web").fill("https://www.optiforge.example")
    page.get_by_label("Description").first.fill("Optimisation des procédés industriels par l'IA.")
    page.get_by_label(
        "Afficher notre organisation et nos solutions dans le catalogue public"
    ).check()
    page.get_by_label("Afficher notre organisation dans l'annuaire").check()
    page.get_by_role("button", name="Enregistrer le profil").click()
    for title, summary, use_case in (
        (
            "Optiforge Vision",
            "Contrôle qualité par caméra sur ligne",
            "Contrôle qualité par vision",
        ),
        ("Optiforge Énergie", "Réduction des consommations d'énergie", "Optimisation énergétique"),
    ):
        page.get_by_role("link", name="Ajouter une solution").first.click()
        page.get_by_label("Nom de la solution").fill(title)
        page.get_by_label("Résumé").fill(summary)
        page.get_by_label(re.compile(use_case)).check()
        page.get_by_label("Industrie manufacturière").check()
        page.get_by_label("Installation sur site").check()
        if title.endswith("Vision"):
            shot(page, "solution-form")
        page.get_by_role("button", name="Enregistrer la solution").click()
        expect(page.get_by_text("La solution est enregistrée.")).to_be_visible()
    shot(page, "provider-profile")
    page.goto(f"{base}/catalogue/?q=Optiforge")
    expect(page.get_by_text("Optiforge Vision").first).to_be_visible()
    expect(page.get_by_text("Optiforge Énergie").first).to_be_visible()
    shot(page, "catalogue")
    return name


def register(page: Page, base: str, shot_name: str | None) -> None:
    page.goto(f"{base}/evenements/{DEMO_SLUG}")
    page.get_by_role("link", name="S'inscrire").click()
    page.get_by_label("Personnes à votre table").fill("2")
    if shot_name:
        shot(page, shot_name)
    page.get_by_role("button", name="S'inscrire").click()
    expect(page.get_by_text("Votre inscription est confirmée.")).to_be_visible()


def company_journey(page: Page, base: str, outbox: Path, suffix: str) -> None:
    sign_up(page, base, outbox, "Paul Usinier", f"paul-{suffix}@example.org", "company")
    create_organisation(
        page, "Une entreprise qui cherche des solutions d'IA", f"Usinage Moderne {suffix}"
    )
    page.get_by_label("Numéro SIREN (facultatif)").fill("732 829 321")  # wrong checksum first
    page.get_by_label("Maintenance prédictive").check()
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.get_by_text("Ce numéro SIREN n'est pas valide")).to_be_visible()
    shot(page, "profile-error")
    page.get_by_label("Numéro SIREN (facultatif)").fill("732 829 320")
    page.get_by_label("Afficher notre organisation dans l'annuaire").check()
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.get_by_text("Le profil est enregistré.")).to_be_visible()
    register(page, base, "registration-form")
    page.goto(f"{base}/evenements/{DEMO_SLUG}/participants?role=provider")
    shot(page, "directory")
    page.goto(f"{base}/espace/")
    shot(page, "dashboard")


def log_in(page: Page, base: str, email: str, password: str = "demo-rdv-ia-2026") -> None:
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()


def matchmaking_journey(page: Page, base: str) -> None:
    """A demo company follows three suggestions; a demo provider accepts two, declines one."""
    log_in(page, base, "entreprise@demo.rdv-ia.fr")
    page.goto(f"{base}/evenements/{DEMO_SLUG}/rendez-vous/")
    expect(page.get_by_role("heading", name="Suggestions pour vous")).to_be_visible()
    expect(page.locator(".reasons li").first).to_be_visible()
    shot(page, "suggestions")
    for n in range(3):
        page.goto(f"{base}/evenements/{DEMO_SLUG}/rendez-vous/")
        page.get_by_role("link", name="Demander un rendez-vous").first.click()
        page.get_by_label("Souhaite rencontrer").check()
        page.get_by_label("Message (facultatif)").fill("Bonjour, votre solution nous intéresse.")
        if n == 0:
            shot(page, "request-form")
        page.get_by_role("button", name="Envoyer la demande").click()
        expect(page.locator(".flash-success")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, base, "fournisseur@demo.rdv-ia.fr")
    page.goto(f"{base}/evenements/{DEMO_SLUG}/rendez-vous/?statut=pending")
    for decision in ("Accepter", "Accepter", "Refuser"):
        form = page.locator("form.answer").first
        if decision == "Refuser":
            form.get_by_label("Motif si vous refusez (facultatif)").fill(
                "Pas notre cœur de métier."
            )
        form.get_by_role("button", name=decision, exact=True).click()
        expect(page.locator(".flash-success")).to_be_visible()
        page.goto(f"{base}/evenements/{DEMO_SLUG}/rendez-vous/?statut=pending")
    page.goto(f"{base}/evenements/{DEMO_SLUG}/rendez-vous/")
    shot(page, "provider-requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--outbox", type=Path, default=Path("instance/outbox"))
    args = parser.parse_args()
    SHOTS.mkdir(parents=True, exist_ok=True)
    suffix = uuid.uuid4().hex[:4]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for journey in (provider_journey, company_journey):
            context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
            page = context.new_page()
            journey(page, args.base_url, args.outbox, suffix)
            if journey is provider_journey:
                register(page, args.base_url, None)
            context.close()
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
        matchmaking_journey(context.new_page(), args.base_url)
        context.close()
        browser.close()
    print(f"Journey done; screenshots in {SHOTS}")


if __name__ == "__main__":
    main()
