"""Stored XSS and injection: hostile text in every free-text field a user can fill comes out
harmless in pages (print pages included), e-mails, .ics calendars and CSV exports.

The world's text fields are filled with attack strings, then every GET route is walked as
every role; the same walk checks that pages satisfy the Content-Security-Policy (no inline
script, style or event handler) and carry the security headers, error pages included.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from html.parser import HTMLParser

import icalendar
import pytest
import sqlalchemy as sa

from app.models import (
    Announcement,
    ApiToken,
    Attendee,
    Event,
    Feedback,
    Meeting,
    MeetingNote,
    MeetingRequest,
    Organisation,
    Registration,
    Schedule,
    Solution,
    User,
    db,
)
from app.models.enums import EventStatus, FeedbackOutcome, ScheduleStatus
from app.services.publication import send_publication_emails
from tests.conftest import Outbox, make_app
from tests.security.test_access_matrix import policy_for, route_values
from tests.security.world import ROLES, module_world

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
# Raw markup that must never reach a page unescaped.
RAW_MARKERS = ("<script>alert", "<img src=x", "<svg onload")
# A name trying to add an iCalendar property or an e-mail header.
CRLF = "Evil\r\nATTENDEE:mailto:evil@example.com\r\nBcc: evil@example.com"


def _poison(world) -> None:
    """Attack strings in every free-text field of the world (as users would have typed)."""
    with world.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == world.values["slug"]))
        event.title = f"Salon {SCRIPT}"
        event.description = f"Description {IMG} {SVG}"
        event.venue, event.address, event.city = IMG, SCRIPT, SVG
        event.status = EventStatus.LIVE
        event.sessions[0].name = f"Matin {SCRIPT}"
        event.tables[0].label = IMG
        event.tables[0].zone = SCRIPT
        org = db.session.get(Organisation, world.values["org_id"])
        org.name = f'=HYPERLINK("http://evil") {SCRIPT}'
        org.description = f"{IMG} description"
        org.needs_text, org.offer_text = SVG, SCRIPT
        org.website = "javascript:alert(1)"
        company = db.session.get(Registration, world.values["to_id"]).organisation
        company.name = CRLF
        for user in db.session.scalars(sa.select(User)):
            user.name = f"{user.name} {SVG}"
        solution = db.session.get(Solution, world.values["solution_id"])
        solution.name, solution.summary = f"@SUM(1) {SCRIPT}", IMG
        solution.description = SVG
        solution.customer_references = SCRIPT
        request = db.session.get(MeetingRequest, world.values["request_id"])
        request.message, request.decline_reason = f"Hello {SCRIPT}", IMG
        registration = db.session.get(Registration, world.values["reg_id"])
        registration.notes = f"Notes {IMG}"
        attendee = db.session.get(Attendee, world.values["attendee_id"])
        attendee.name, attendee.job_title = f"+Ada {SCRIPT}", f"-CTO {IMG}"
        db.session.add(
            Attendee(registration=registration, name="\tTab =1+1", email="tab@example.com")
        )
        db.session.get(Announcement, world.values["announcement_id"]).message = f"Annonce {SCRIPT}"
        db.session.get(ApiToken, world.values["token_id"]).name = f"CRM {SCRIPT}"
        schedule = db.session.get(Schedule, world.values["schedule_id"])
        schedule.status, schedule.published_at = ScheduleStatus.PUBLISHED, datetime(2026, 1, 2)
        meeting = db.session.get(Meeting, world.values["meeting_id"])
        db.session.add_all(
            [
                MeetingNote(
                    event_id=event.id,
                    meeting_uid=meeting.uid,
                    registration_id=registration.id,
                    text=f"Note {SCRIPT}",
                ),
                Feedback(
                    meeting_id=meeting.id,
                    registration_id=registration.id,
                    rating=4,
                    outcome=FeedbackOutcome.FOLLOW_UP,
                    comment=f"=cmd|' /C calc'!A0 {IMG}",
                ),
            ]
        )
        db.session.commit()


@pytest.fixture(scope="module")
def world(database_url):
    for world in module_world(database_url):
        _poison(world)
        yield world


@pytest.fixture(scope="module")
def pages(world):
    """Every GET route as every role: (role, endpoint, url, response)."""
    adapter = world.app.url_map.bind("localhost")
    result = []
    for rule in world.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = adapter.build(rule.endpoint, route_values(rule, world.values))
        for role in ROLES:
            response = world.client(role).get(url)
            response.close()
            result.append((role, rule.endpoint, url, response))
    # Error pages too: an unknown page and a refused one.
    for role in ("anonymous", "participant"):
        result.append((role, "404", "/nowhere", world.client(role).get("/nowhere")))
    return result


def _html(pages):
    for role, endpoint, url, response in pages:
        if response.mimetype == "text/html":
            yield role, endpoint, url, response, response.get_data(as_text=True)


def test_walk_reaches_the_pages_of_every_policy(pages):
    """The walk renders the pages with the attack strings (else the checks below prove nothing)."""
    ok = {endpoint for role, endpoint, url, r in pages if r.status_code == 200}
    for endpoint in (
        "agenda.index",
        "agenda.print_all",  # print pages
        "calendar.badges",
        "calendar.table_sheets",
        "organiser.registrations",
        "registration.participants",
        "matchmaking.index",
        "catalogue.index",
        "catalogue.solution",
    ):
        assert endpoint in ok, endpoint
    escaped = [row[2] for row in _html(pages) if "&lt;script&gt;alert(1)" in row[4]]
    assert len(escaped) > 20


def test_no_attack_string_reaches_a_page_unescaped(pages):
    found = [
        f"{role} {url} ({endpoint}): {marker}"
        for role, endpoint, url, _response, body in _html(pages)
        for marker in RAW_MARKERS
        if marker in body
    ]
    assert not found, "\n".join(found)


def _html_fragments(value, key: str = ""):
    """Strings under keys naming HTML (fragments the page's script puts in with innerHTML)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _html_fragments(v, f"{key}.{k}")
    elif isinstance(value, list):
        for v in value:
            yield from _html_fragments(v, key)
    elif isinstance(value, str) and "html" in key.lower():
        yield value


def test_json_answers_are_not_html_and_their_fragments_are_escaped(pages):
    """JSON is never sniffed as HTML, and HTML fragments in it (live dashboard) are escaped."""
    found, fragments = [], 0
    for role, endpoint, url, response in pages:
        if response.mimetype != "application/json":
            continue
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        for fragment in _html_fragments(response.get_json()):
            fragments += 1
            found += [f"{role} {url} ({endpoint}): {m}" for m in RAW_MARKERS if m in fragment]
    assert fragments > 0  # the organiser's live dashboard sends some
    assert not found, "\n".join(found)


# --- Content-Security-Policy and headers, on the same walk -----------------------------------


class InlineCode(HTMLParser):
    """Collects what the Content-Security-Policy would block: inline scripts and styles,
    style attributes, on* handlers and javascript: URLs (parsed, so escaped text is not code).
    """

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name: value or "" for name, value in attrs}
        if tag == "script":
            self._in_script = "src" not in names
        if tag == "style":
            self.found.append("style element")
        for name, value in names.items():
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            elif name == "style":
                self.found.append(f"style attribute on <{tag}>")
            elif name in (
                "href",
                "src",
                "action",
                "formaction",
            ) and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in <{tag} {name}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:40]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_pages_satisfy_the_content_security_policy(pages):
    """No inline script, style or on* handler in any page the walk rendered."""
    found = [
        f"{role} {url} ({endpoint}): {what}"
        for role, endpoint, url, _response, body in _html(pages)
        for what in inline_code(body)
    ]
    assert not found, "\n".join(found)


def test_inline_code_detector_detects():
    """The detector is not blind: each kind of inline code is reported."""
    html = (
        '<p style="color:red" onclick="x()"><a href=" javascript:alert(1)">a</a></p>'
        "<script>alert(1)</script><style>p{}</style>"
        '<input value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"><script src="/s.js"></script>'
    )
    assert len(inline_code(html)) == 5


def test_every_html_page_sends_the_security_headers(pages):
    seen_codes = set()
    for _role, _endpoint, url, response, _body in _html(pages):
        seen_codes.add(response.status_code)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, url
        assert "frame-ancestors 'none'" in csp, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["X-Frame-Options"] == "DENY", url
    assert {200, 403, 404} <= seen_codes  # error pages were checked too


# --- E-mails ----------------------------------------------------------------------------------


def test_emails_carry_user_text_as_plain_text_and_one_line_subjects(world):
    outbox = Outbox(world.app)
    participant = world.client("participant")
    response = participant.post(
        f"/evenements/{world.values['slug']}/rendez-vous/demander/{world.values['to_id']}",
        data={"message": f"Bonjour {SCRIPT}", "priority": "1"},
    )
    assert response.status_code in (200, 302)
    with world.app.test_request_context():
        schedule = db.session.get(Schedule, world.values["schedule_id"])
        assert send_publication_emails(schedule=schedule, server_name=None) > 0
    messages = outbox.messages()
    assert messages
    for message in messages:
        assert message.get_body(preferencelist=("html",)) is None or not any(
            marker in message.get_body(preferencelist=("html",)).get_content()
            for marker in RAW_MARKERS
        )
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        assert message["Bcc"] is None
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                _assert_no_injected_property(part.get_content())
    # The user text is there, as text (a plain-text body shows it as typed).
    bodies = "".join(m.get_body(preferencelist=("plain",)).get_content() for m in messages)
    assert "Evil ATTENDEE:mailto:evil@example.com" in bodies or "Evil" in bodies


# --- iCalendar --------------------------------------------------------------------------------


def _assert_no_injected_property(ics: str | bytes) -> None:
    text = ics.decode() if isinstance(ics, bytes) else ics
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    lines = unfolded.split("\r\n")
    assert not [line for line in lines if line.startswith(("ATTENDEE", "BCC", "Bcc"))], lines
    calendar = icalendar.Calendar.from_ical(text)
    for component in calendar.walk("VEVENT"):
        assert "ATTENDEE" not in component
        for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
            assert "\r" not in str(component.get(name, ""))


def test_calendars_have_no_injected_property(world):
    feed = world.client("anonymous").get(f"/calendrier/{world.values['token']}.ics")
    assert feed.status_code == 200
    _assert_no_injected_property(feed.data)
    assert b"VEVENT" in feed.data
    organiser = world.client("organiser").get(
        f"/organisateur/evenements/{world.values['slug']}/calendrier.ics"
    )
    assert organiser.status_code == 200 and b"VEVENT" in organiser.data
    _assert_no_injected_property(organiser.data)


def test_every_calendar_of_the_walk_has_no_injected_property(pages):
    calendars = set()
    for _role, endpoint, _url, response in pages:
        if response.mimetype == "text/calendar" and response.status_code == 200:
            calendars.add(endpoint)
            _assert_no_injected_property(response.get_data())
    assert {"calendar.feed", "calendar.organiser_feed"} <= calendars


# --- CSV --------------------------------------------------------------------------------------

FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("export", ["inscriptions.csv", "rendez-vous.csv"])
def test_csv_cells_never_start_a_formula(world, export):
    response = world.client("organiser").get(
        f"/organisateur/evenements/{world.values['slug']}/exports/{export}"
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells
    assert [c for c in cells if c.startswith(FORMULA)] == []
    assert any(c.startswith("'=HYPERLINK") for c in cells)  # neutralised, not dropped
    if export == "inscriptions.csv":
        assert any(c.startswith("'+Ada") or c.startswith("'\tTab") for c in cells)


def test_every_csv_export_of_the_walk_neutralises_formulas(pages):
    """Any CSV a route serves (present or future exports), as its organiser downloads it."""
    exports = {}
    for role, endpoint, _url, response in pages:
        if role == "organiser" and response.mimetype == "text/csv" and response.status_code == 200:
            text = response.get_data(as_text=True).lstrip("\ufeff")
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
            exports[endpoint] = [c for row in rows[1:] for c in row if c.startswith(FORMULA)]
    assert len(exports) >= 3, sorted(exports)
    assert {k: v for k, v in exports.items() if v} == {}


def test_policies_cover_the_walk(world, pages):
    """Sanity: every walked route is classified (the matrix is the source of truth)."""
    for rule in world.app.url_map.iter_rules():
        policy_for(rule.endpoint, rule.rule)


def test_server_error_page_has_the_headers_and_no_inline_code(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("internal detail xyzzy")

    app.add_url_rule("/erreur-de-test", view_func=boom)
    response = app.test_client().get("/erreur-de-test")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert inline_code(response.get_data(as_text=True)) == []
    assert "xyzzy" not in response.get_data(as_text=True)  # no internals shown


def test_text_typed_in_forms_is_stored_as_typed_and_shown_escaped(world):
    """Through the real forms: the organisation profile and a meeting request message."""
    client = world.client("participant")
    org_id = world.values["org_id"]
    response = client.post(
        f"/espace/organisations/{org_id}",
        data={"name": "Typed IA", "description": f"Typed {IMG}", "catalogue_consent": "y"},
    )
    assert response.status_code == 302
    with world.app.app_context():
        assert db.session.get(Organisation, org_id).description == f"Typed {IMG}"
    for url in (f"/espace/organisations/{org_id}", f"/catalogue/fournisseurs/{org_id}"):
        body = world.client("participant").get(url).get_data(as_text=True)
        assert "Typed &#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body, url
        assert "<img src=x" not in body
