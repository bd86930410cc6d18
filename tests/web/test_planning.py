"""Building, reviewing and publishing schedules; agendas; background runs (thread and RQ)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
import sqlalchemy as sa

import scheduling
from app.models import Attendee, Meeting, MeetingRequest, Schedule, ScheduleRun, db
from app.models.base import utcnow
from app.models.enums import (
    MeetingStatus,
    OrganisationKind,
    RegistrationRole,
    RequestStatus,
    RunStatus,
    ScheduleStatus,
)
from app.services.optimiser import build_problem
from tests.conftest import TEST_ENV, make_app, service_missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ev(factory):
    """An event with 3 companies, 2 providers (home tables), accepted requests, an organiser."""
    event = factory.event(tables=4)
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    company_user = factory.user(email="company0@example.fr")
    db.session.commit()
    providers = []
    for n in range(2):
        org = factory.organisation(name=f"Fournisseur {n}", kind=OrganisationKind.PROVIDER)
        providers.append(
            factory.registration(
                event=event,
                organisation=org,
                role=RegistrationRole.PROVIDER,
                home_table=event.tables[n],
            )
        )
    companies = []
    for n in range(3):
        org = factory.organisation(name=f"Entreprise {n}")
        if n == 0:
            factory.member(company_user, org)
        registration = factory.registration(event=event, organisation=org)
        registration.attendees.append(
            Attendee(name=f"Personne {n}", email=f"attendee-{n}@example.fr")
        )
        db.session.commit()
        companies.append(registration)
    for c in companies:
        for p in providers:
            factory.meeting_request(src=c, dst=p, status=RequestStatus.ACCEPTED)
    return SimpleNamespace(event=event, providers=providers, companies=companies)


def _wait_for_run(run_id: int, timeout: float = 90) -> ScheduleRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        run = db.session.get(ScheduleRun, run_id)
        if run.status.value in ("succeeded", "failed", "cancelled"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run.status.value} after {timeout} s")


def _launch(client, ev, seconds: int = 5) -> ScheduleRun:
    client.post(
        f"/organisateur/evenements/{ev.event.slug}/planning/lancer", data={"time_limit_s": seconds}
    )
    run = db.session.scalar(sa.select(ScheduleRun).order_by(ScheduleRun.id.desc()))
    return _wait_for_run(run.id)


def _launch_refused(client, ev) -> str:
    """Ask for a run that is refused: the planning page it redirects to, with the reason."""
    return client.post(
        f"/organisateur/evenements/{ev.event.slug}/planning/lancer",
        data={"time_limit_s": 5},
        follow_redirects=True,
    ).get_data(as_text=True)


def _run_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ScheduleRun))


def _schedules() -> list[Schedule]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Schedule).order_by(Schedule.version)))


def test_background_run_builds_a_valid_draft(client, auth, ev):
    auth.login("orga@example.fr")
    run = _launch(client, ev)
    assert run.status is RunStatus.SUCCEEDED, run.error
    [draft] = _schedules()
    assert draft.status is ScheduleStatus.DRAFT
    meetings = draft.meetings
    assert len(meetings) == 6  # every accepted request fits: 6 meetings, 14 slots
    seen = set()
    for m in meetings:
        for reg in (m.registration_a_id, m.registration_b_id):
            assert (reg, m.slot_id) not in seen  # nobody double-booked
            seen.add((reg, m.slot_id))
        provider = m.registration_b
        assert m.table_id == provider.home_table_id  # providers keep their home table
    assert run.stats["weight"] == run.stats["upper_bound_weight"]
    page = client.get(f"/organisateur/evenements/{ev.event.slug}/planning/").get_data(as_text=True)
    assert "Brouillon 1" in page and "Entreprise 2 · Fournisseur 1" in page


def test_publish_then_agenda_then_rerun_shows_cancellation(client, auth, ev, outbox):
    auth.login("orga@example.fr")
    _launch(client, ev)
    draft = _schedules()[0]
    client.post(f"/organisateur/evenements/{ev.event.slug}/planning/versions/{draft.id}/publier")
    assert _schedules()[0].status is ScheduleStatus.PUBLISHED
    # Every attending person gets the agenda with the calendar attached.
    mail = outbox.last("attendee-0@example.fr")
    assert mail["Subject"] == f"Votre agenda pour {ev.event.title}"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Fournisseur 0" in body and "Fournisseur 1" in body
    [ics] = [part for part in mail.iter_attachments() if part.get_filename() == "agenda.ics"]
    assert "METHOD:PUBLISH" in ics.get_content() and ics.get_content_type() == "text/calendar"
    auth.logout()
    auth.login("company0@example.fr")
    agenda = client.get(f"/evenements/{ev.event.slug}/agenda").get_data(as_text=True)
    assert "Fournisseur 0" in agenda and "Fournisseur 1" in agenda and "T1" in agenda
    # A request is withdrawn, the organiser re-runs and publishes: the meeting is cancelled.
    dropped = db.session.scalar(
        sa.select(MeetingRequest).where(
            MeetingRequest.from_registration_id == ev.companies[0].id,
            MeetingRequest.to_registration_id == ev.providers[1].id,
        )
    )
    dropped.status = RequestStatus.CANCELLED
    db.session.commit()
    auth.logout()
    auth.login("orga@example.fr")
    _launch(client, ev)
    first, second = _schedules()
    client.post(f"/organisateur/evenements/{ev.event.slug}/planning/versions/{second.id}/publier")
    first, second = _schedules()
    assert (first.status, second.status) == (ScheduleStatus.SUPERSEDED, ScheduleStatus.PUBLISHED)
    old = {m.uid: m for m in first.meetings}
    cancelled = [m for m in second.meetings if m.status is MeetingStatus.CANCELLED]
    assert len(cancelled) == 1 and cancelled[0].uid in old
    assert cancelled[0].sequence == old[cancelled[0].uid].sequence + 1
    kept = [m for m in second.meetings if m.status is MeetingStatus.SCHEDULED]
    assert all(m.uid in old for m in kept)  # the same meetings keep their identity
    assert all(
        m.sequence
        == old[m.uid].sequence
        + ((old[m.uid].slot_id, old[m.uid].table_id) != (m.slot_id, m.table_id))
        for m in kept
    )
    auth.logout()
    auth.login("company0@example.fr")
    agenda = client.get(f"/evenements/{ev.event.slug}/agenda").get_data(as_text=True)
    assert "Annulé" in agenda
    changed = outbox.last("attendee-0@example.fr")
    assert changed["Subject"] == f"Votre agenda pour {ev.event.title} a changé"
    assert "(annulé)" in changed.get_body(preferencelist=("plain",)).get_content()
    # Company 2 lost nothing: no second e-mail for it.
    assert len([m for m in outbox.messages() if m["To"] == "attendee-2@example.fr"]) == 1


def test_cancel_a_run(app, client, auth, ev):
    auth.login("orga@example.fr")
    from app.jobs import run_optimiser
    from app.services.optimiser import start_run

    run = start_run(event=ev.event, actor=ev.event.organisers[0], time_limit_s=60, workers=1)
    run.cancel_requested = True
    db.session.commit()
    run_optimiser(run.id)
    assert _wait_for_run(run.id).status is RunStatus.CANCELLED
    assert _schedules() == []


def test_only_one_active_run_per_event(client, auth, ev):
    auth.login("orga@example.fr")
    db.session.add(ScheduleRun(event=ev.event, status=RunStatus.RUNNING))
    db.session.commit()
    assert "Une exécution est déjà en cours" in _launch_refused(client, ev)
    assert _run_count() == 1


def test_no_run_once_every_slot_has_started_or_is_blocked(client, auth, ev):
    # Late on the day a run would only copy the published schedule: refused, with the reason.
    auth.login("orga@example.fr")
    slots = sorted(ev.event.slots, key=lambda s: s.starts_at)
    shift = slots[-1].starts_at - utcnow() + timedelta(minutes=1)
    for slot in slots[:-1]:
        slot.starts_at -= shift
        slot.ends_at -= shift
    slots[-1].blocked = True  # the last slot is still to come, but blocked
    db.session.commit()
    page = _launch_refused(client, ev)
    assert "Tous les créneaux de l&#39;événement ont commencé ou sont bloqués" in page
    assert _run_count() == 0
    slots[-1].blocked = False  # one slot to come: the run starts
    db.session.commit()
    assert _launch(client, ev).status is RunStatus.SUCCEEDED


def test_crashing_run_is_marked_failed_and_keeps_schedules(app, ev):
    from app.jobs import run_optimiser

    run = ScheduleRun(event=ev.event, status=RunStatus.QUEUED, parameters={"time_limit_s": "soon"})
    db.session.add(run)
    db.session.commit()
    run_optimiser(run.id)
    run = _wait_for_run(run.id)
    assert run.status is RunStatus.FAILED
    assert "soon" in run.error or "TypeError" in run.error or "ValueError" in run.error
    assert _schedules() == []


def test_publishing_refusals(client, auth, factory, ev):
    auth.login("orga@example.fr")
    failed = ScheduleRun(event=ev.event, status=RunStatus.FAILED)
    empty = Schedule(event=ev.event, version=1, run=failed)
    db.session.add_all([failed, empty])
    db.session.commit()
    page = client.post(
        f"/organisateur/evenements/{ev.event.slug}/planning/versions/{empty.id}/publier",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "exécution qui n&#39;a pas abouti" in page or "n'a pas abouti" in page
    assert _schedules()[0].status is ScheduleStatus.DRAFT
    auth.logout()
    auth.login("company0@example.fr")
    assert client.get(f"/organisateur/evenements/{ev.event.slug}/planning/").status_code == 403
    assert (
        client.post(
            f"/organisateur/evenements/{ev.event.slug}/planning/lancer", data={"time_limit_s": 5}
        ).status_code
        == 403
    )


def test_problem_export_is_valid_interchange_format(app, ev):
    built = build_problem(ev.event)
    data = scheduling.problem_to_dict(built.problem)
    again = scheduling.problem_from_dict(data)
    assert len(again.requests) == 6 and len(again.participants) == 5
    assert {p.home_table for p in again.participants if p.kind == "provider"} == {
        f"t{ev.event.tables[0].id}",
        f"t{ev.event.tables[1].id}",
    }


def test_run_through_rq_with_a_real_worker(database_url, ev):
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing(f"Redis at {url} is unreachable: {exc}")
    app = make_app(database_url, REDIS_URL=url)
    with app.app_context():
        from app.jobs import enqueue_run
        from app.services.optimiser import start_run

        run = start_run(
            event=db.session.merge(ev.event),
            actor=db.session.merge(ev.event.organisers[0]),
            time_limit_s=5,
            workers=1,
        )
        db.session.commit()
        enqueue_run(run)
        run_id = run.id
        assert run.job_id
    env = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": database_url,
        "REDIS_URL": url,
        "FLASK_APP": "wsgi",
    }
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    run = _wait_for_run(run_id, timeout=10)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 6


def _draft_meeting(ev, provider_index: int = 0) -> Meeting:
    draft = _schedules()[-1]
    return next(m for m in draft.meetings if m.registration_b_id == ev.providers[provider_index].id)


def test_move_meeting_validated_and_stale_edit_detected(client, auth, ev):
    auth.login("orga@example.fr")
    _launch(client, ev)
    meeting = _draft_meeting(ev)
    url = f"/organisateur/evenements/{ev.event.slug}/planning/rendez-vous/{meeting.id}"
    seen = {"seen_slot": meeting.slot_id, "seen_table": meeting.table_id}
    sequence = meeting.sequence
    busy = next(
        m
        for m in _schedules()[-1].meetings
        if m.registration_b_id == meeting.registration_b_id and m.id != meeting.id
    )
    refused = client.post(
        url,
        data={"slot_id": busy.slot_id, "table_id": meeting.table_id, **seen},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert (
        "a déjà un rendez-vous sur ce créneau" in refused
        or "déjà utilisée sur ce créneau" in refused
    )
    taken = {
        m.slot_id
        for m in _schedules()[-1].meetings
        if {m.registration_a_id, m.registration_b_id}
        & {meeting.registration_a_id, meeting.registration_b_id}
    }
    free = next(s for s in ev.event.slots if s.id not in taken)
    assert (
        client.post(
            url, data={"slot_id": free.id, "table_id": meeting.table_id, **seen}
        ).status_code
        == 302
    )
    moved = db.session.get(Meeting, meeting.id)
    db.session.refresh(moved)
    assert (moved.slot_id, moved.sequence) == (free.id, sequence + 1)
    other = next(s for s in ev.event.slots if s.id not in taken and s.id != free.id)
    stale = client.post(
        url, data={"slot_id": other.id, "table_id": meeting.table_id, **seen}, follow_redirects=True
    ).get_data(as_text=True)
    assert "a modifié ce rendez-vous entre-temps" in stale
    db.session.refresh(moved)
    assert moved.slot_id == free.id


def test_locked_meeting_stays_on_rerun_and_home_table_enforced(client, auth, ev):
    auth.login("orga@example.fr")
    _launch(client, ev)
    meeting = _draft_meeting(ev, 1)
    base = f"/organisateur/evenements/{ev.event.slug}/planning/rendez-vous/{meeting.id}"
    wrong_table = next(t for t in ev.event.tables if t.id != meeting.table_id)
    page = client.post(
        base,
        data={
            "slot_id": meeting.slot_id,
            "table_id": wrong_table.id,
            "seen_slot": meeting.slot_id,
            "seen_table": meeting.table_id,
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "à leur propre table" in page
    client.post(f"{base}/verrouiller")
    slot_id, pair = meeting.slot_id, {meeting.registration_a_id, meeting.registration_b_id}
    _launch(client, ev)
    newest = _schedules()[-1]
    again = next(m for m in newest.meetings if {m.registration_a_id, m.registration_b_id} == pair)
    assert (again.slot_id, again.locked) == (slot_id, True)


def test_problem_and_solution_exports_check_with_the_engine(client, auth, ev):
    auth.login("orga@example.fr")
    _launch(client, ev)
    draft = _schedules()[-1]
    base = f"/organisateur/evenements/{ev.event.slug}/planning"
    problem = scheduling.problem_from_dict(client.get(f"{base}/probleme.json").get_json())
    solution = scheduling.solution_from_dict(
        client.get(f"{base}/versions/{draft.id}/solution.json").get_json()
    )
    assert len(solution.meetings) == 6
    assert [v for v in scheduling.check(problem, solution) if "stats" not in v] == []


# --- Swap, version comparison, publication refusals, agenda changes --------------------------


def _hand_draft(ev, places, *, version: int = 1, run=None) -> Schedule:
    """A draft built by hand: places = [(company index, provider index, slot index, table)]."""
    run = run or ScheduleRun(event=ev.event, status=RunStatus.SUCCEEDED)
    draft = Schedule(event=ev.event, run=run, version=version, stats={"upper_bound_weight": 40})
    for c, p, s, table in places:
        draft.meetings.append(
            Meeting(
                registration_a=ev.companies[c],
                registration_b=ev.providers[p],
                slot=ev.event.slots[s],
                table=table,
            )
        )
    db.session.add(draft)
    db.session.commit()
    return draft


def _swap(client, ev, one: Meeting, two: Meeting, **overrides):
    def value(m):
        return f"{m.id}:{m.slot_id}:{m.table_id or ''}"

    data = {"first": value(one), "second": value(two), **overrides}
    return client.post(
        f"/organisateur/evenements/{ev.event.slug}/planning/echanger",
        data=data,
        follow_redirects=True,
    )


def _place(meeting_id: int) -> tuple[int, int | None, int]:
    db.session.expire_all()
    m = db.session.get(Meeting, meeting_id)
    return m.slot_id, m.table_id, m.sequence


def test_swap_two_meetings_exchanges_slot_and_table(client, auth, ev):
    auth.login("orga@example.fr")
    t1 = ev.event.tables[0]
    draft = _hand_draft(ev, [(0, 0, 0, t1), (1, 0, 1, t1)])
    a, b = draft.meetings
    page = _swap(client, ev, a, b).get_data(as_text=True)
    assert "Les deux rendez-vous sont échangés." in page
    assert _place(a.id) == (ev.event.slots[1].id, t1.id, 1)
    assert _place(b.id) == (ev.event.slots[0].id, t1.id, 1)


def test_swap_across_tables_in_a_free_table_event(client, auth, ev):
    from app.models.enums import EventFormat

    ev.event.format = EventFormat.FREE_TABLES
    db.session.commit()
    auth.login("orga@example.fr")
    t1, t3 = ev.event.tables[0], ev.event.tables[2]
    draft = _hand_draft(ev, [(0, 0, 0, t1), (1, 1, 2, t3)])
    a, b = draft.meetings
    assert "Les deux rendez-vous sont échangés." in _swap(client, ev, a, b).get_data(as_text=True)
    assert _place(a.id)[:2] == (ev.event.slots[2].id, t3.id)
    assert _place(b.id)[:2] == (ev.event.slots[0].id, t1.id)


@pytest.mark.parametrize(
    "case", ["double-booked", "unavailable", "home-table", "locked", "same"], ids=str
)
def test_swap_refused_with_reason_and_choices_kept(client, auth, ev, case):
    auth.login("orga@example.fr")
    t1, t2 = ev.event.tables[0], ev.event.tables[1]
    # Company 0 meets provider 0 at slot 0 and provider 1 at slot 1; company 1 meets
    # provider 0 at slot 1: swapping the two meetings of provider 0 double-books company 0.
    draft = _hand_draft(ev, [(0, 0, 0, t1), (1, 0, 1, t1), (0, 1, 1, t2), (2, 1, 3, t2)])
    a, b, c, d = draft.meetings
    expected = {
        "double-booked": "Entreprise 0 a déjà un rendez-vous sur ce créneau",
        "unavailable": "Entreprise 2 n&#39;est pas disponible sur ce créneau",
        "home-table": "à leur propre table",
        "locked": "est verrouillé",
        "same": "Choisissez deux rendez-vous différents",
    }[case]
    first, second = (a, b)
    if case == "unavailable":  # company 2 would take slot 0 with provider 0
        ev.companies[2].unavailable_slots.append(ev.event.slots[0])
        d.registration_b, d.table = ev.providers[0], t1
        first, second = a, d
    elif case == "home-table":  # provider 1 would receive at provider 0's table
        first, second = a, d
    elif case == "locked":
        b.locked = True
    elif case == "same":
        second = a
    db.session.commit()
    before = {m.id: _place(m.id) for m in (a, b, c, d)}
    response = _swap(client, ev, first, second)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert expected in page, page[:3000]
    assert {m.id: _place(m.id) for m in (a, b, c, d)} == before  # nothing written
    # The organiser's two choices are still selected in the form.
    assert f'<option selected value="{first.id}:' in page
    assert f'value="{second.id}:' in page


def test_swap_of_a_meeting_moved_meanwhile_is_stale(client, auth, ev):
    auth.login("orga@example.fr")
    t1 = ev.event.tables[0]
    draft = _hand_draft(ev, [(0, 0, 0, t1), (1, 0, 1, t1)])
    a, b = draft.meetings
    seen = {"first": f"{a.id}:{a.slot_id}:{t1.id}", "second": f"{b.id}:{b.slot_id}:{t1.id}"}
    # Another organiser moves meeting A to slot 5 before this swap is sent.
    client.post(
        f"/organisateur/evenements/{ev.event.slug}/planning/rendez-vous/{a.id}",
        data={
            "slot_id": ev.event.slots[5].id,
            "table_id": t1.id,
            "seen_slot": a.slot_id,
            "seen_table": t1.id,
        },
    )
    page = client.post(
        f"/organisateur/evenements/{ev.event.slug}/planning/echanger",
        data=seen,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "a modifié un de ces rendez-vous entre-temps" in page
    assert _place(a.id)[0] == ev.event.slots[5].id  # the other organiser's move is kept
    assert _place(b.id)[0] == ev.event.slots[1].id
    # The form now offers meeting A at its current place.
    assert f'<option selected value="{a.id}:{ev.event.slots[5].id}:{t1.id}"' in page


def test_swap_needs_an_organiser_and_a_choice(client, auth, ev):
    t1 = ev.event.tables[0]
    draft = _hand_draft(ev, [(0, 0, 0, t1), (1, 0, 1, t1)])
    a, b = draft.meetings
    auth.login("company0@example.fr")
    assert _swap(client, ev, a, b).status_code == 403
    auth.logout()
    auth.login("orga@example.fr")
    page = _swap(client, ev, a, b, second="").get_data(as_text=True)
    assert "Choisissez un rendez-vous." in page
    assert _place(a.id)[0] == ev.event.slots[0].id


def test_review_compares_current_draft_previous_draft_and_published(client, auth, ev):
    auth.login("orga@example.fr")
    t1, t2 = ev.event.tables[0], ev.event.tables[1]
    published = _hand_draft(ev, [(0, 0, 0, t1), (1, 0, 1, t1), (0, 1, 2, t2), (1, 1, 3, t2)])
    published.status = ScheduleStatus.PUBLISHED
    db.session.commit()
    _hand_draft(ev, [(0, 0, 0, t1)], version=2, run=published.run)
    current = _hand_draft(
        ev, [(0, 0, 0, t1), (1, 0, 4, t1), (0, 1, 2, t2)], version=3, run=published.run
    )
    # The current draft keeps the identity of the published meetings: one moved, one dropped.
    old = {(m.registration_a_id, m.registration_b_id): m for m in published.meetings}
    for m in current.meetings:
        m.uid = old[(m.registration_a_id, m.registration_b_id)].uid
    db.session.commit()
    page = client.get(f"/organisateur/evenements/{ev.event.slug}/planning/").get_data(as_text=True)
    table = page[
        page.index('class="table comparison"') : page.index("</table>", page.index("comparison"))
    ]
    headers = ["Brouillon 3 (actuel)", "Brouillon précédent 2", "Publiée 1"]
    assert [table.index(h) for h in headers] == sorted(table.index(h) for h in headers)

    def row(label):
        start = table.index(label)
        cells = table[start : table.index("</tr>", start)].split("<td>")[1:]
        return [c.split("</td>")[0].strip() for c in cells]

    assert row("Rendez-vous") == ["3", "1", "4"]
    # Meetings made by hand, without a request, weigh like the organiser's; bound stored: 40.
    weight = ev.event.request_weights["organiser"]
    assert row("Valeur") == [
        f"{3 * weight} ({100 * 3 * weight / 40:.1f} %)",
        f"{weight} ({100 * weight / 40:.1f} %)",
        f"{4 * weight} ({100 * 4 * weight / 40:.1f} %)",
    ]
    # Company 2 has accepted requests and no meeting anywhere; in draft 2 company 1 and
    # provider 1 have none either.
    assert row("Participants sans rendez-vous") == ["1", "3", "1"]
    # Company 0: slots 0 and 2 of the morning session, one idle run between = 1 break.
    assert row("Temps morts") == ["2", "0", "2"]
    # Draft 2 was made without the published identities: all four published meetings differ.
    assert row("Changements par rapport") == ["2", "4", "—"]


def test_recomputed_figures_match_the_run_and_rerun_keeps_published_places(client, auth, ev):
    """A re-run with nothing changed moves no published meeting; the review figures agree
    with the optimiser's own statistics."""
    from app.services.schedules import version_stats

    auth.login("orga@example.fr")
    run = _launch(client, ev)
    [draft] = _schedules()
    [stats] = version_stats([draft], None)
    assert (stats.meetings, stats.weight, stats.breaks, stats.participants_without_meeting) == (
        run.stats["meetings"],
        run.stats["weight"],
        run.stats["breaks"],
        run.stats["participants_without_meeting"],
    )
    client.post(f"/organisateur/evenements/{ev.event.slug}/planning/versions/{draft.id}/publier")
    rerun = _launch(client, ev)
    published, second = _schedules()
    assert rerun.stats["changed_from_previous"] == 0
    assert {m.uid: (m.slot_id, m.table_id, m.sequence) for m in second.meetings} == {
        m.uid: (m.slot_id, m.table_id, m.sequence) for m in published.meetings
    }
    assert version_stats([second], published)[0].changes == 0


def test_agenda_shows_a_meeting_moved_since_the_last_version(client, auth, ev):
    auth.login("orga@example.fr")
    t1, t2 = ev.event.tables[0], ev.event.tables[1]
    v1 = _hand_draft(ev, [(0, 0, 0, t1), (0, 1, 2, t2)])
    base = f"/organisateur/evenements/{ev.event.slug}/planning"
    client.post(f"{base}/versions/{v1.id}/publier")
    client.post(f"{base}/brouillon")  # a draft copy of the published version
    draft = _schedules()[-1]
    moved = next(m for m in draft.meetings if m.registration_b_id == ev.providers[0].id)
    client.post(
        f"{base}/rendez-vous/{moved.id}",
        data={
            "slot_id": ev.event.slots[5].id,
            "table_id": t1.id,
            "seen_slot": moved.slot_id,
            "seen_table": t1.id,
        },
    )
    client.post(f"{base}/versions/{draft.id}/publier")
    assert [s.status for s in _schedules()] == [
        ScheduleStatus.SUPERSEDED,
        ScheduleStatus.PUBLISHED,
    ]
    auth.logout()
    auth.login("company0@example.fr")
    page = client.get(f"/evenements/{ev.event.slug}/agenda").get_data(as_text=True)
    rows = [r for r in page.split("<tr")[2:] if "note-row" not in r]
    [moved_row] = [r for r in rows if "Fournisseur 0" in r]
    [kept_row] = [r for r in rows if "Fournisseur 1" in r]
    assert "change-moved" in moved_row and "Déplacé" in moved_row
    assert "Déplacé" not in kept_row and "change-" not in kept_row


def test_an_obsolete_draft_is_not_offered_and_cannot_be_published(client, auth, ev):
    """Runs made drafts 1 and 2; draft 2 is published: draft 1 is no longer offered, and a
    stale page that still posts it is refused with a message."""
    auth.login("orga@example.fr")
    t1 = ev.event.tables[0]
    old = _hand_draft(ev, [(0, 0, 0, t1)])
    newer = _hand_draft(ev, [(0, 0, 1, t1)], version=2, run=old.run)
    base = f"/organisateur/evenements/{ev.event.slug}/planning"
    page = client.post(f"{base}/versions/{old.id}/publier", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Un brouillon plus récent existe" in page
    client.post(f"{base}/versions/{newer.id}/publier")
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Publier le brouillon" not in page and "Brouillon 1" not in page
    again = client.post(f"{base}/versions/{newer.id}/publier", follow_redirects=True)
    assert "déjà publiée ou remplacée" in again.get_data(as_text=True)
    assert [s.status for s in _schedules()] == [ScheduleStatus.DRAFT, ScheduleStatus.PUBLISHED]


def test_unscheduled_requests_listed_with_the_engines_reason(client, auth, ev):
    auth.login("orga@example.fr")
    draft = _hand_draft(ev, [(0, 0, 0, ev.event.tables[0])])
    request = db.session.scalar(
        sa.select(MeetingRequest).where(
            MeetingRequest.from_registration_id == ev.companies[2].id,
            MeetingRequest.to_registration_id == ev.providers[1].id,
        )
    )
    other = db.session.scalar(
        sa.select(MeetingRequest).where(
            MeetingRequest.from_registration_id == ev.companies[0].id,
            MeetingRequest.to_registration_id == ev.providers[0].id,
        )
    )
    ev.providers[1].organisation.name = "Fournisseur <1>"
    draft.stats = {
        **draft.stats,
        "unscheduled": [
            # The engine's own sentences, with its participant id for the provider.
            {
                "request": f"q{request.id}",
                "reason": f"r{ev.providers[1].id} fully booked by higher-priority requests",
            },
            {"request": f"q{other.id}", "reason": "no slot where both are free"},
            # A sentence the engine does not list is shown as it is (escaped).
            {"request": f"q{other.id}", "reason": "Fournisseur 1 <is> away"},
            {"request": "m999", "reason": "a locked meeting without request"},
            {"request": "qx", "reason": "malformed"},
        ],
    }
    db.session.commit()
    url = f"/organisateur/evenements/{ev.event.slug}/planning/"
    page = client.get(url).get_data(as_text=True)
    assert (
        "<td>Entreprise 2</td><td>Fournisseur &lt;1&gt;</td>"
        "<td>Fournisseur &lt;1&gt; est complet avec des demandes plus prioritaires</td>"
    ) in page
    assert "<td>aucun créneau où les deux sont libres</td>" in page
    assert "<td>Fournisseur 1 &lt;is&gt; away</td>" in page
    assert "fully booked" not in page
    assert "malformed" not in page and "without request" not in page

    client.post("/langue", data={"lang": "en", "next": url})
    page = client.get(url).get_data(as_text=True)
    assert "<td>Fournisseur &lt;1&gt; is fully booked by higher-priority requests</td>" in page
    assert "<td>no slot where both are free</td>" in page


def test_swap_form_carries_a_csrf_token_and_a_post_without_it_is_refused(database_url, ev):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/compte/connexion").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/compte/connexion",
        data={"email": "orga@example.fr", "password": "correct horse battery", "csrf_token": token},
    )
    t1 = ev.event.tables[0]
    draft = _hand_draft(ev, [(0, 0, 0, t1), (1, 0, 1, t1)])
    a, b = draft.meetings
    review = client.get(f"/organisateur/evenements/{ev.event.slug}/planning/")
    html = review.get_data(as_text=True)
    form = html[html.index('id="swap"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token" type="hidden" value="' in form
    assert '<label for="first">' in form and '<label for="second">' in form
    assert _swap(client, ev, a, b).status_code == 400
    assert _place(a.id)[0] == ev.event.slots[0].id


def test_run_of_a_dead_process_shows_why_in_the_pages_language(client, auth, ev):
    # A run left "running" by a killed process (no thread of this process runs it, quiet
    # for 10 minutes) is marked failed when the planning page opens; the stored reason is
    # English, the page shows it in French, then in English.
    run = ScheduleRun(event=ev.event, status=RunStatus.RUNNING, parameters={"time_limit_s": 5})
    db.session.add(run)
    db.session.commit()
    db.session.execute(
        sa.update(ScheduleRun)
        .where(ScheduleRun.id == run.id)
        .values(updated_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()
    auth.login("orga@example.fr")
    url = f"/organisateur/evenements/{ev.event.slug}/planning/"
    page = client.get(url).get_data(as_text=True)
    db.session.refresh(run)
    assert run.status is RunStatus.FAILED
    assert run.error.startswith("the server stopped during the run")
    assert "le serveur s&#39;est arrêté pendant le calcul" in page
    client.post("/langue", data={"lang": "en", "next": url})
    page = client.get(url).get_data(as_text=True)
    assert "the server stopped during the run" in page


def test_a_run_that_cannot_hold_the_locked_meetings_says_why_in_french_with_names(client, auth, ev):
    from app.jobs import run_optimiser

    # Two locked meetings of Fournisseur 0 in the same slot: the engine refuses the problem.
    draft = _hand_draft(ev, [(0, 0, 0, ev.event.tables[0]), (1, 0, 0, ev.event.tables[1])])
    for meeting in draft.meetings:
        meeting.locked = True
    ev.providers[0].organisation.name = "Fournisseur <0>"
    run = ScheduleRun(event=ev.event, status=RunStatus.QUEUED, parameters={"time_limit_s": 5})
    db.session.add(run)
    db.session.commit()
    run_optimiser(run.id)
    run = _wait_for_run(run.id)
    assert run.status is RunStatus.FAILED
    # Stored as the engine wrote it (logs, API), with its ids; its home table is locked twice
    # in that slot too.
    slot, table = ev.event.slots[0], ev.event.tables[0]
    assert run.error == (
        f'participant "r{ev.providers[0].id}" has 2 meetings fixed in slot "s{slot.id}"; '
        f'table "t{table.id}" has 2 meetings fixed in slot "s{slot.id}"'
    )
    slot.label, table.label = "Matin 1", "T<1>"
    db.session.commit()

    auth.login("orga@example.fr")
    url = f"/organisateur/evenements/{ev.event.slug}/planning/"
    status = client.get(f"{url}runs/{run.id}.json").get_json()
    assert status["error"] == (
        "Fournisseur <0> a 2 rendez-vous verrouillés sur le créneau Matin 1; "
        "la table T<1> a 2 rendez-vous verrouillés sur le créneau Matin 1"
    )
    page = client.get(url).get_data(as_text=True)
    assert "Fournisseur &lt;0&gt; a 2 rendez-vous verrouillés sur le créneau Matin 1" in page

    client.post("/langue", data={"lang": "en", "next": url})
    status = client.get(f"{url}runs/{run.id}.json").get_json()
    assert status["error"] == (
        "Fournisseur <0> has 2 meetings locked in the Matin 1 slot; "
        "table T<1> has 2 meetings locked in the Matin 1 slot"
    )


def test_run_errors_name_only_what_belongs_to_the_event(client, auth, factory, ev):
    # An id of another event's registration stays an id; a sentence the engine does not list
    # is shown as it is.
    elsewhere = factory.registration(event=factory.event(), organisation=factory.organisation())
    meeting = _hand_draft(ev, [(1, 1, 0, None)]).meetings[0]
    request = db.session.scalar(
        sa.select(MeetingRequest).where(
            MeetingRequest.from_registration_id == ev.companies[2].id,
            MeetingRequest.to_registration_id == ev.providers[0].id,
        )
    )
    ids = f"r{meeting.registration_a_id}-r{meeting.registration_b_id}"
    errors = [
        "these required meetings cannot all be scheduled together: "
        f'"q{request.id}" (r{ev.companies[2].id}-r{ev.providers[0].id}), "m{meeting.id}" ({ids})',
        f'participant "r{elsewhere.id}" has 3 required meetings but max_meetings 2',
        "a sentence from another version",
        "unknown",
    ]
    runs = [ScheduleRun(event=ev.event, status=RunStatus.FAILED, error=e) for e in errors]
    db.session.add_all(runs)
    db.session.commit()
    auth.login("orga@example.fr")
    url = f"/organisateur/evenements/{ev.event.slug}/planning/runs"
    shown = [client.get(f"{url}/{run.id}.json").get_json()["error"] for run in runs]
    assert shown == [
        "ces rendez-vous verrouillés ne peuvent pas tous avoir lieu ensemble : "
        "« Entreprise 2 – Fournisseur 0 », « Entreprise 1 – Fournisseur 1 »",
        f"r{elsewhere.id} a 3 rendez-vous verrouillés pour un maximum de 2",
        "a sentence from another version",
        "aucun planning trouvé dans le temps imparti",
    ]


def test_a_slot_without_label_is_named_by_its_local_start_time(client, auth, ev):
    from zoneinfo import ZoneInfo

    slot = ev.event.slots[1]
    slot.label = ""
    provider = ev.providers[0]
    run = ScheduleRun(
        event=ev.event,
        status=RunStatus.FAILED,
        error=f'participant "r{provider.id}" has 2 meetings fixed in slot "s{slot.id}"',
    )
    db.session.add(run)
    db.session.commit()
    local = slot.starts_at.replace(tzinfo=UTC).astimezone(ZoneInfo(ev.event.timezone))
    assert local.utcoffset()  # the event's time zone is not UTC: the test tells them apart

    auth.login("orga@example.fr")
    url = f"/organisateur/evenements/{ev.event.slug}/planning/runs/{run.id}.json"
    assert client.get(url).get_json()["error"] == (
        f"{provider.organisation.name} a 2 rendez-vous verrouillés sur le créneau {local:%H:%M}"
    )
