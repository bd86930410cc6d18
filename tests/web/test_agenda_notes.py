"""Private notes on "My agenda": written per meeting, kept across versions, seen by nobody else."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.models import Attendee, Meeting, MeetingNote, Schedule, ScheduleRun, db
from app.models.enums import (
    MeetingStatus,
    OrganisationKind,
    RegistrationRole,
    RunStatus,
    ScheduleStatus,
)

SECRET = 'Budget <script>alert("x")</script> & "pilot" in Q3'


@pytest.fixture
def world(factory):
    """A published schedule: Company A and Company B each meet the provider."""
    event = factory.event()
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    users = {}
    regs = {}
    for key, kind, role in (
        ("a", OrganisationKind.COMPANY, RegistrationRole.SEEKER),
        ("b", OrganisationKind.COMPANY, RegistrationRole.SEEKER),
        ("p", OrganisationKind.PROVIDER, RegistrationRole.PROVIDER),
    ):
        org = factory.organisation(name=f"Org {key.upper()}", kind=kind)
        users[key] = factory.user(email=f"{key}@example.fr")
        factory.member(users[key], org)
        regs[key] = factory.registration(event=event, organisation=org, role=role)
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    schedule = Schedule(event=event, run=run, version=1, status=ScheduleStatus.PUBLISHED)
    mine = Meeting(registration_a=regs["a"], registration_b=regs["p"], slot=event.slots[0])
    theirs = Meeting(registration_a=regs["b"], registration_b=regs["p"], slot=event.slots[1])
    schedule.meetings.extend([mine, theirs])
    db.session.add_all([run, schedule])
    db.session.commit()
    return SimpleNamespace(event=event, regs=regs, mine=mine, theirs=theirs, schedule=schedule)


def _note(client, world, text: str, *, uid: str | None = None, reg: str = "a", **kw):
    return client.post(
        f"/evenements/{world.event.slug}/agenda/notes",
        data={
            "registration_id": world.regs[reg].id,
            "meeting_uid": uid or world.mine.uid,
            "text": text,
        },
        **kw,
    )


def _agenda(client, world) -> str:
    return client.get(f"/evenements/{world.event.slug}/agenda").get_data(as_text=True)


def test_note_is_saved_escaped_and_on_the_printable_agenda(client, auth, world):
    auth.login("a@example.fr")
    response = _note(client, world, SECRET)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#note-{world.regs['a'].id}-{world.mine.uid}")
    page = _agenda(client, world)
    escaped = "Budget &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;pilot&#34; in Q3"
    assert '<script>alert("x")' not in page
    # In the form (screen) and in the paragraph shown on paper.
    assert page.count(escaped) == 2
    assert 'class="note-text print-only"' in page
    [note] = db.session.scalars(sa.select(MeetingNote))
    assert (note.meeting_uid, note.registration_id, note.text) == (
        world.mine.uid,
        world.regs["a"].id,
        SECRET,
    )


def test_note_is_never_shown_to_the_counterpart_others_or_organisers(client, auth, world):
    auth.login("a@example.fr")
    _note(client, world, "Ask about the price of the pilot")
    for email in ("p@example.fr", "b@example.fr"):
        auth.logout()
        auth.login(email)
        page = _agenda(client, world)
        assert "Org A" in page or email == "b@example.fr"
        assert "price of the pilot" not in page, email
    auth.logout()
    auth.login("orga@example.fr")
    printed = client.get(f"/organisateur/evenements/{world.event.slug}/agendas")
    assert printed.status_code == 200
    assert "Org A" in printed.get_data(as_text=True)
    assert "price of the pilot" not in printed.get_data(as_text=True)


def test_too_long_note_is_refused_with_its_text_kept(client, auth, world):
    auth.login("a@example.fr")
    text = "Questions: " + "x" * 1995
    response = _note(client, world, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Une note compte au plus 2000 caractères ; la vôtre en compte {len(text)}" in page
    assert f">{text}</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingNote)) == 0


def test_note_follows_the_meeting_into_a_new_version_and_can_be_deleted(client, auth, world):
    auth.login("a@example.fr")
    _note(client, world, "Bring the demo dataset")
    # Version 2 moves the meeting (same uid, next sequence) and is published.
    world.schedule.status = ScheduleStatus.SUPERSEDED
    db.session.flush()
    v2 = Schedule(
        event=world.event, run=world.schedule.run, version=2, status=ScheduleStatus.PUBLISHED
    )
    v2.meetings.append(
        Meeting(
            registration_a=world.regs["a"],
            registration_b=world.regs["p"],
            slot=world.event.slots[4],
            uid=world.mine.uid,
            sequence=1,
        )
    )
    db.session.add(v2)
    db.session.commit()
    page = _agenda(client, world)
    assert "Déplacé" in page and "Bring the demo dataset" in page
    assert _note(client, world, "   ").status_code == 302
    assert "Bring the demo dataset" not in _agenda(client, world)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingNote)) == 0


def test_note_on_someone_elses_meeting_or_registration_is_refused(client, auth, world):
    auth.login("a@example.fr")
    assert _note(client, world, "Spy", uid=world.theirs.uid).status_code == 404
    assert _note(client, world, "Spy", uid="not-a-uid").status_code == 404
    assert _note(client, world, "Spy", reg="b", uid=world.theirs.uid).status_code == 403
    auth.logout()
    auth.login("p@example.fr")  # the counterpart writes its own note on the same meeting
    assert _note(client, world, "Provider's own note", reg="p").status_code == 302
    auth.logout()
    auth.login("a@example.fr")
    assert "Provider&#39;s own note" not in _agenda(client, world)
    rows = db.session.execute(sa.select(MeetingNote.registration_id, MeetingNote.text)).all()
    assert rows == [(world.regs["p"].id, "Provider's own note")]
    cancelled = [m for m in world.schedule.meetings if m.status is MeetingStatus.CANCELLED]
    assert cancelled == []


def test_note_form_carries_a_csrf_token_and_a_post_without_it_is_refused(database_url, world):
    from tests.conftest import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/compte/connexion").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/compte/connexion",
        data={"email": "a@example.fr", "password": "correct horse battery", "csrf_token": token},
    )
    agenda = client.get(f"/evenements/{world.event.slug}/agenda").get_data(as_text=True)
    form = agenda[agenda.index('class="form note-form"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token" value="' in form
    assert _note(client, world, "Without a token").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingNote)) == 0


def test_agenda_links_to_the_badge_the_on_site_page_and_feedback(client, auth, world, factory):
    factory._add(Attendee(registration=world.regs["a"], name="Ada", email="a@example.fr"))
    auth.login("a@example.fr")
    page = _agenda(client, world)
    slug = world.event.slug
    for path in (f"/evenements/{slug}/mon-badge", f"/evenements/{slug}/sur-place"):
        assert f'href="{path}"' in page
        assert client.get(path).status_code == 200
    assert f'href="/evenements/{slug}/retours"' in page
