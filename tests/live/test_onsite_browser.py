"""In a browser: an open On site page shows a proposal as soon as an organiser marks the
other side absent (the live script, the Socket.IO push and the page re-read, together)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from app.models import db
from app.models.base import utcnow
from app.models.enums import RequestStatus
from tests.conftest import make_app
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, require_e2e
from tests.live.test_onsite import PASSWORD, build_world

require_e2e()

from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture
def server(database_url, factory):
    world = build_world(factory)
    world.alpha.unavailable_slots = [s for i, s in enumerate(world.event.slots) if i != 2]
    factory.meeting_request(src=world.alpha, dst=world.quanta, status=RequestStatus.ACCEPTED)
    world.alpha.checked_in_at = world.quanta.checked_in_at = utcnow()
    db.session.commit()
    app = make_app(database_url, RATELIMIT_ENABLED=False)  # created last: it serves websockets
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}", world
    srv.shutdown()


def test_open_on_site_page_shows_a_proposal_after_an_absence(server):
    base, world = server
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:

            def signed_in(email: str):
                page = browser.new_context().new_page()
                page.on("console", lambda m: m.type == "error" and errors.append(m.text))
                page.goto(f"{base}/compte/connexion")
                page.fill("#email", email)
                page.fill("#password", PASSWORD)
                page.click("form button[type=submit] >> nth=-1")
                return page

            alice = signed_in("alice@example.fr")
            alice.goto(f"{base}/evenements/forum-ia/sur-place")
            organiser = signed_in("orga@example.fr")
            organiser.goto(f"{base}/organisateur/evenements/forum-ia/absences")
            alice.wait_for_function("document.body.dataset.event === 'forum-ia'")
            alice.wait_for_timeout(1000)  # the page's socket is connected
            organiser.click(f"form[action$='/absences/{world.pixel.id}/absent'] button")
            alice.wait_for_selector("text=Quanta IA à", timeout=10_000)
            assert alice.inner_text("#onsite-notice") == "Du nouveau : voici l'état actuel."
            assert "Rendez-vous annulé" in alice.inner_text("#onsite")
        finally:
            browser.close()
    assert errors == []
