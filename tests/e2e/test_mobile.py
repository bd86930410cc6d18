"""Phone width (375 px): the header and the main pages fit the screen, with no sideways scroll.

One event of its own, seeded in the database a month away with a published schedule: a company
with a meeting (dashboard, agenda), an organiser (reception desk), the public now/next screen
(which, a month ahead, counts down in days and names the day in words).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.e2e.support import require_e2e

require_e2e()

from babel.dates import format_date  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

from app.models import Meeting, Schedule, ScheduleRun  # noqa: E402
from app.models.enums import (  # noqa: E402
    EventStatus,
    OrganisationKind,
    RegistrationRole,
    RunStatus,
    ScheduleStatus,
)
from tests.e2e.conftest import PASSWORD, LiveServer, Web  # noqa: E402

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 800}
EVENT_SLUG = "rencontres-ia-mobile-e2e"
EVENT_TITLE = "Rencontres IA et transformation numérique des PME du Grand Est"
COMPANY_EMAIL = "lea.mobile@atelier-mobile.example.org"
ORGANISER_EMAIL = "organisateur.mobile@e2e.example.org"

# The elements sticking out on the right, to say what to fix when the page is too wide.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") +
      " (right edge " + Math.round(el.getBoundingClientRect().right) + " px)");
}"""


@pytest.fixture(scope="module")
def event_day(live_server: LiveServer) -> date:
    """The event, its published schedule (one meeting for the company at 09:00), the people."""
    day = date.today() + timedelta(days=30)
    with live_server.seed() as factory:
        event = factory.event(
            slug=EVENT_SLUG,
            title=EVENT_TITLE,
            city="Strasbourg",
            venue="Palais de la musique et des congrès",
            status=EventStatus.PUBLISHED,
            starts_on=day,
            sessions=(("Matin", 9, 12),),
            tables=2,
        )
        organiser = factory.user(email=ORGANISER_EMAIL, name="Marc Organisateur", password=PASSWORD)
        event.organisers.append(organiser)
        user = factory.user(email=COMPANY_EMAIL, name="Léa Mobile", password=PASSWORD)
        company = factory.organisation(name="Atelier de mécanique de précision Mobile")
        factory.member(user, company)
        seeker = factory.registration(event=event, organisation=company)
        provider = factory.registration(
            event=event,
            organisation=factory.organisation(
                name="Vision industrielle intelligente", kind=OrganisationKind.PROVIDER
            ),
            role=RegistrationRole.PROVIDER,
        )
        run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
        schedule = Schedule(event=event, run=run, version=1, status=ScheduleStatus.PUBLISHED)
        schedule.meetings = [
            Meeting(
                registration_a=provider,
                registration_b=seeker,
                slot=event.slots[0],
                table=event.tables[0],
            )
        ]
        factory.session.add_all([run, schedule])
        factory.session.commit()
    return day


def phone(web: Web, who: str) -> Page:
    page = web.page(who)
    page.set_viewport_size(PHONE)
    return page


def fits(web: Web, page: Page, name: str, problems: list[str]) -> None:
    """Screenshot the page; note it if it scrolls sideways (and what sticks out)."""
    web.shot(page, name)
    scroll_width, inner_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    if scroll_width > inner_width:
        problems.append(
            f"{name} ({page.url}): {scroll_width} px wide > {inner_width} px, "
            f"{page.evaluate(OVERFLOWING)}"
        )


def log_in(page: Page, email: str) -> None:
    page.goto("/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()


def test_main_pages_fit_a_phone(web: Web, live_server: LiveServer, event_day: date):
    problems: list[str] = []
    visitor = phone(web, "visiteur")
    visitor.goto("/")
    expect(visitor.get_by_role("navigation", name="Menu principal")).to_be_visible()
    fits(web, visitor, "accueil", problems)
    visitor.goto(f"/evenements/{EVENT_SLUG}")
    expect(visitor.get_by_role("heading", name=EVENT_TITLE)).to_be_visible()
    fits(web, visitor, "evenement", problems)
    visitor.goto("/catalogue/")
    fits(web, visitor, "catalogue", problems)

    # The public screen, a month ahead: a countdown in days and hours, the day in words.
    with web.following_event(visitor):
        visitor.goto(f"/evenements/{EVENT_SLUG}/ecran")
    upcoming = visitor.locator("#round-next")
    expect(upcoming.locator(".countdown")).to_have_text(re.compile(r"^Début dans \d+\sj \d+\sh$"))
    day_in_words = format_date(event_day, "EEEE d MMMM", locale="fr")
    expect(upcoming.locator(".round-time")).to_have_text(f"09:00–09:20 · Matin · {day_in_words}")
    fits(web, visitor, "ecran", problems)

    company = phone(web, "entreprise")
    company.goto("/compte/connexion")
    fits(web, company, "connexion", problems)
    log_in(company, COMPANY_EMAIL)
    fits(web, company, "mon-espace", problems)
    company.goto(f"/evenements/{EVENT_SLUG}/agenda")
    expect(company.get_by_text("Vision industrielle intelligente").first).to_be_visible()
    fits(web, company, "agenda", problems)

    organiser = phone(web, "organisateur")
    log_in(organiser, ORGANISER_EMAIL)
    organiser.goto(f"/organisateur/evenements/{EVENT_SLUG}/accueil")
    expect(organiser.get_by_label("Code du badge")).to_be_visible()
    fits(web, organiser, "accueil-organisateur", problems)
    # A small tablet, where the signed-in header is longest compared with the width.
    organiser.set_viewport_size({"width": 768, "height": 800})
    fits(web, organiser, "accueil-organisateur-tablette", problems)

    assert not problems, "pages wider than a phone:\n" + "\n".join(problems)
