"""Browser journeys: the real app on a free port, Debian's Chromium, screenshots, console checks.

- `live_server` (one per run): the app served by Werkzeug's threaded server (websockets work
  through simple-websocket, as in production), on a fresh database (a SQLite file, or a
  scratch PostgreSQL database when TEST_DATABASE_URL is set) with the taxonomy loaded, CSRF
  on, mails written to an outbox folder, an organiser and an event seeded.
- `web` (one per test): opens browser contexts and pages; every page fails the test on a
  console error, an uncaught exception or a Content-Security-Policy violation; `web.shot()`
  saves a screenshot per step under build/e2e-artifacts/<module>/<test>/.

Playwright is imported inside the fixtures only: this file is loaded by every `make test` run,
where Playwright need not be installed.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.models import db
from app.services.taxonomy import load_taxonomy
from tests.conftest import TEST_ENV, postgres_url, scratch_postgres_database, service_missing
from tests.e2e.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import Factory

if TYPE_CHECKING:
    from flask import Flask
    from playwright.sync_api import Browser, BrowserContext, Page

PASSWORD = "correct horse battery"
EVENT_SLUG = "journee-ia-industrie-e2e"
EVENT_TITLE = "Journée IA Industrie"
ORGANISER_EMAIL = "organisatrice@e2e.example.org"

# Reported by the page itself, in addition to Chromium's own "Refused to ..." console error.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI);
});
"""
# Counts the page's io() calls (window.e2eIoCalls): each one opens a Socket.IO connection,
# even on a namespace already connected, so a page's scripts must share one.
IO_COUNTER = """
(function () {
  var wrapped;
  window.e2eIoCalls = 0;
  Object.defineProperty(window, "io", {
    configurable: true,
    get: function () { return wrapped; },
    set: function (io) {
      wrapped = function () { window.e2eIoCalls += 1; return io.apply(this, arguments); };
      Object.assign(wrapped, io);
    },
  });
}());
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: browser journeys (Playwright + Chromium); run them with E2E=1 / make e2e"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # lets `web` screenshot failures
    return report


# --- the live server -------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: Flask
    outbox: Path
    event_slug: str = EVENT_SLUG

    @contextmanager
    def seed(self) -> Iterator[Factory]:
        """Factories writing straight into the server's database (committed at once)."""
        with self.app.app_context():
            try:
                yield Factory(db.session)
            finally:
                db.session.remove()

    def mails_to(self, to: str) -> list[email.message.EmailMessage]:
        files = sorted(self.outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        found = [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files
        ]
        return [m for m in found if m["To"] == to]

    def link_in_last_mail(self, to: str, timeout: float = 5) -> str:
        """The first link of the last e-mail to `to` (waits for it a little)."""
        deadline = time.monotonic() + timeout
        while not (mails := self.mails_to(to)):
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail to {to} in {self.outbox}")
            time.sleep(0.1)
        body = mails[-1].get_body(preferencelist=("plain",)).get_content()
        match = re.search(r"https?://\S+", body)
        assert match, body
        return match.group(0)


def _prepare(url: str, tmp: Path) -> Flask:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SERVER_NAME": None,
            "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
            "UPLOAD_DIR": str(tmp / "uploads"),
            # The journeys log in and sign up many times from one address; the security
            # suite tests the limits themselves.
            "RATELIMIT_ENABLED": False,
        },
        env={**TEST_ENV, "REDIS_URL": ""},
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_taxonomy()
        db.session.commit()
        factory = Factory(db.session)
        organiser = factory.user(email=ORGANISER_EMAIL, name="Claire Organisatrice")
        event = factory.event(
            slug=EVENT_SLUG,
            title=EVENT_TITLE,
            city="Lyon",
            venue="Halle Tony Garnier",
            starts_on=date.today() + timedelta(days=30),
            sessions=(("Matin", 9, 12),),
            tables=3,
        )
        event.organisers.append(organiser)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("e2e-server")
    with ExitStack() as stack:
        if os.environ.get("TEST_DATABASE_URL"):
            url = stack.enter_context(scratch_postgres_database(postgres_url()))
        else:
            url = f"sqlite:///{tmp / 'e2e.sqlite3'}"
        app = _prepare(url, tmp)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True, name="e2e-server")
        thread.start()
        try:
            yield LiveServer(
                url=f"http://127.0.0.1:{server.server_port}",
                app=app,
                outbox=Path(app.config["MAIL_OUTBOX_DIR"]),
            )
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


# --- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        service_missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Web:
    """Contexts and pages of one test, their console errors, and its screenshots."""

    browser: Browser
    base_url: str
    folder: Path
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    steps: int = 0

    def page(self, who: str, *, locale: str = "fr-FR") -> Page:
        """A new page in its own context (own cookies): one per person in the journey."""
        context = self.browser.new_context(
            base_url=self.base_url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        context.add_init_script(IO_COUNTER)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: self._console(who, msg))
        page.on("pageerror", lambda exc: self.errors.append(f"[{who}] uncaught: {exc}"))
        self.pages[who] = page
        return page

    def _console(self, who: str, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"[{who}] console error at {msg.page.url}: {msg.text}")

    def shot(self, page: Page, name: str) -> Path:
        """Save a screenshot of this step; fail if the browser reported an error so far."""
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.check()
        return path

    @contextmanager
    def following_event(self, page: Page, timeout: float = 10) -> Iterator[None]:
        """Within the block the page loads; on leaving it, wait until the page has asked the
        server over Socket.IO to follow the event ('watch'), so later pushes reach it. The
        page must do so over one connection: its scripts share it (at a Business Day, every
        extra connection per page is thousands more on the server)."""
        sent: list[str] = []

        def on_websocket(ws) -> None:
            ws.on("framesent", lambda p: sent.append(p if isinstance(p, str) else p.decode()))

        page.on("websocket", on_websocket)
        yield
        deadline = time.monotonic() + timeout
        while not any('"watch"' in frame for frame in sent):
            if time.monotonic() > deadline:
                pytest.fail(f"{page.url} did not follow its event over Socket.IO")
            page.wait_for_timeout(50)  # lets Playwright deliver the frame events
        page.remove_listener("websocket", on_websocket)
        calls = page.evaluate("window.e2eIoCalls")
        assert calls == 1, f"{page.url} opened {calls} Socket.IO connections"

    @contextmanager
    def expecting_error(self, fragment: str) -> Iterator[None]:
        """Within the block, one console error containing `fragment` is expected (and
        required): e.g. Chromium logs every non-2xx fetch, even a deliberate 409."""
        before = len(self.errors)
        yield
        deadline = time.monotonic() + 2
        while not any(fragment in e for e in self.errors[before:]):
            if time.monotonic() > deadline:
                pytest.fail(f"expected a browser console error containing {fragment!r}")
            time.sleep(0.05)
        first = next(i for i in range(before, len(self.errors)) if fragment in self.errors[i])
        del self.errors[first]

    def check(self) -> None:
        if self.errors:
            pytest.fail("the browser reported errors:\n" + "\n".join(self.errors))


@pytest.fixture
def web(request, browser, live_server) -> Iterator[Web]:
    module = Path(request.node.fspath).stem
    folder = ARTIFACTS / module / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    helper = Web(browser=browser, base_url=live_server.url, folder=folder)
    yield helper
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for who, page in helper.pages.items():
            if not page.is_closed():
                page.screenshot(path=str(folder / f"failure-{who}.png"), full_page=True)
    for context in helper.contexts:
        context.close()
    if report is not None and report.passed:
        helper.check()  # errors after the last step
