"""Secret tokens in URLs and headers: calendar feeds, badge codes and API tokens.

Unguessable (from `secrets`, 192 bits at least), never stored in clear for the API, looked up
by their SHA-256 and confirmed with hmac.compare_digest (no comparison that stops at the first
differing character), revocable, and a revoked token answers exactly like a wrong one (no hint
that it once existed).
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import re
import secrets

import pytest
import sqlalchemy as sa

from app.models import ApiToken, Attendee, Event, Registration, db
from app.models.registration import new_token
from app.services import api_tokens
from app.services.checkin import CheckinError, find_attendee
from tests.factories import Factory
from tests.security.world import module_world

URLSAFE = re.compile(r"[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def world(database_url):
    yield from module_world(database_url, roles=("anonymous", "participant", "organiser"))


def test_calendar_tokens_are_long_random_and_unique():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(len(t) >= 32 and URLSAFE.fullmatch(t) for t in tokens)  # 24 random bytes
    assert "secrets.token_urlsafe" in inspect.getsource(new_token)
    # Every character position varies (not a counter or a timestamp with a random tail).
    for position in range(32):
        assert len({t[position] for t in tokens}) > 30


def test_every_calendar_token_and_badge_code_comes_from_the_generator():
    for model, column in (
        (Registration, "calendar_token"),
        (Attendee, "calendar_token"),
        (Attendee, "checkin_code"),
    ):
        default = model.__table__.c[column].default.arg  # wrapped by SQLAlchemy
        assert getattr(default, "__wrapped__", default) is new_token, (model, column)


def test_api_tokens_are_random_and_only_their_hash_is_stored(world):
    with world.app.app_context():
        stored = db.session.scalars(sa.select(ApiToken)).all()
        plain = world.api_token
        assert len(plain) >= 43 and URLSAFE.fullmatch(plain)  # 32 random bytes
        for token in stored:
            values = [str(getattr(token, c.key)) for c in ApiToken.__table__.columns]
            assert plain not in values
            assert token.token_hash == api_tokens.hash_token(plain)
            assert len(token.prefix) <= 8
    assert "secrets.token_urlsafe(32)" in inspect.getsource(api_tokens.create_token)


def test_api_token_check_is_a_hash_lookup_with_constant_time_comparison():
    """The secret is never compared character by character: the database looks up its
    SHA-256 and the match is confirmed with hmac.compare_digest."""
    source = inspect.getsource(api_tokens.authenticate)
    assert "hash_token(plain)" in source
    assert "ApiToken.token_hash == digest" in source
    assert "hmac.compare_digest" in source


def _api(world, token: str, **kw):
    return world.app.test_client().get(
        f"/api/v1/events/{world.values['slug']}",
        headers={"Authorization": f"Bearer {token}"} if token else {},
        **kw,
    )


def _same_answer(a, b, tokens: tuple[str, str] = ("", "")) -> None:
    """Same status, headers that matter and body (the page's own URL, echoed in the language
    switch form, aside)."""
    assert a.status_code == b.status_code
    body_a = a.get_data(as_text=True).replace(tokens[0] or "\0", "TOKEN")
    body_b = b.get_data(as_text=True).replace(tokens[1] or "\0", "TOKEN")
    assert body_a == body_b
    assert a.headers.get("WWW-Authenticate") == b.headers.get("WWW-Authenticate")


def test_api_token_only_in_the_authorization_header(world):
    client = world.app.test_client()
    url = f"/api/v1/events/{world.values['slug']}"
    for args in ({"token": world.api_token}, {"access_token": world.api_token}):
        assert client.get(url, query_string=args).status_code == 401
    assert client.get(url, headers={"Authorization": f"Token {world.api_token}"}).status_code == 401


def test_calendar_feed_is_private_and_not_indexed(world):
    response = world.client("anonymous").get(f"/calendrier/{world.values['token']}.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_revoked_calendar_link_answers_like_a_wrong_one(world):
    client = world.client("anonymous")
    old = world.values["token"]
    assert client.get(f"/calendrier/{old}.ics").status_code == 200
    response = world.client("participant").post(
        f"/calendrier/inscriptions/{world.values['reg_id']}/nouveau-lien"
    )
    assert response.status_code == 302
    revoked = client.get(f"/calendrier/{old}.ics")
    guess = secrets.token_urlsafe(24)
    wrong = client.get(f"/calendrier/{guess}.ics")
    assert revoked.status_code == 404
    _same_answer(revoked, wrong, (old, guess))
    with world.app.app_context():
        fresh = db.session.get(Registration, world.values["reg_id"]).calendar_token
    assert fresh != old and client.get(f"/calendrier/{fresh}.ics").status_code == 200


def test_revoked_api_token_answers_like_a_wrong_one(world):
    assert _api(world, world.api_token).status_code == 200
    response = world.client("organiser").post(
        f"/organisateur/evenements/{world.values['slug']}/api/{world.values['token_id']}/revoquer"
    )
    assert response.status_code == 302
    revoked = _api(world, world.api_token)
    assert revoked.status_code == 401
    _same_answer(revoked, _api(world, secrets.token_urlsafe(32)))
    _same_answer(revoked, _api(world, world.api_token[:-1]))  # one character off
    _same_answer(revoked, _api(world, ""))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _one_char_off(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.fixture
def compared(monkeypatch) -> list[tuple]:
    """The arguments of every hmac.compare_digest call during the test."""
    calls: list[tuple] = []
    original = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    return calls


def test_new_registrations_and_attendees_store_the_digests_of_their_tokens(world):
    with world.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == world.values["slug"]))
        registration = Factory(db.session).registration(event=event)
        attendee = Attendee(registration=registration, name="Bea", email="bea@example.fr")
        db.session.add(attendee)
        db.session.commit()
        registrations = db.session.scalars(sa.select(Registration)).all()
        attendees = db.session.scalars(sa.select(Attendee)).all()
        assert registration in registrations and attendee in attendees
        assert len(attendees) >= 2
        for row in registrations:
            assert row.calendar_token_hash == _sha256(row.calendar_token)
        for row in attendees:
            assert row.calendar_token_hash == _sha256(row.calendar_token)
            assert row.checkin_code_hash == _sha256(row.checkin_code)


def test_feed_lookup_confirms_the_token_in_constant_time(world, compared):
    client = world.client("anonymous")
    with world.app.app_context():
        attendee = db.session.get(Attendee, world.values["attendee_id"])
        token = attendee.calendar_token
    assert client.get(f"/calendrier/{token}.ics").status_code == 200
    assert (token, token) in compared
    assert client.get(f"/calendrier/{_one_char_off(token)}.ics").status_code == 404


def test_regenerated_attendee_link_replaces_the_old_one_and_its_digest(world):
    client = world.client("anonymous")
    with world.app.app_context():
        old = db.session.get(Attendee, world.values["attendee_id"]).calendar_token
    assert client.get(f"/calendrier/{old}.ics").status_code == 200
    response = world.client("participant").post(
        f"/calendrier/inscriptions/{world.values['reg_id']}/nouveau-lien",
        data={"attendee": world.values["attendee_id"]},
    )
    assert response.status_code == 302
    with world.app.app_context():
        attendee = db.session.get(Attendee, world.values["attendee_id"])
        fresh, digest = attendee.calendar_token, attendee.calendar_token_hash
    assert fresh != old and digest == _sha256(fresh)
    assert client.get(f"/calendrier/{old}.ics").status_code == 404
    assert client.get(f"/calendrier/{fresh}.ics").status_code == 200


def test_badge_code_is_found_by_digest_and_confirmed_in_constant_time(world, compared):
    with world.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == world.values["slug"]))
        code = db.session.get(Attendee, world.values["attendee_id"]).checkin_code
        assert find_attendee(event, code).id == world.values["attendee_id"]
        assert (code.encode(), code.encode()) in compared
        # One character off, at the end (past the typed short code): unknown, not found.
        with pytest.raises(CheckinError, match="unknown-code"):
            find_attendee(event, _one_char_off(code))


def test_feed_and_badge_lookups_do_not_compare_the_secret_in_sql():
    from app.services import calendar, checkin

    for source in (inspect.getsource(calendar.find_feed), inspect.getsource(checkin)):
        assert "calendar_token ==" not in source and "checkin_code ==" not in source
