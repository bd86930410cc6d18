"""The meeting-request lifecycle through the web layer, refusals, organiser tools, notifications."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.models import MeetingRequest, Notification, Solution, UseCase, User, db
from app.models.base import utcnow
from app.models.enums import (
    OrganisationKind,
    RegistrationRole,
    RegistrationStatus,
    RequestOrigin,
    RequestPriority,
    RequestStatus,
)
from app.services import ServiceError
from app.services.notifications import send_digests
from app.services.requests import answer_request, request_weight


@pytest.fixture
def w(factory):
    """An event with a company (A) and two providers (B, C), each with one user."""
    event = factory.event(request_deadline=utcnow() + timedelta(days=5))
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    db.session.commit()
    regs, users = {}, {}
    for key, kind in (
        ("a", OrganisationKind.COMPANY),
        ("b", OrganisationKind.PROVIDER),
        ("c", OrganisationKind.PROVIDER),
    ):
        users[key] = factory.user(email=f"{key}@example.fr", name=key.upper())
        org = factory.organisation(
            name=f"Org {key.upper()}", kind=kind, sector_code="C", directory_consent=True
        )
        factory.member(users[key], org)
        role = (
            RegistrationRole.SEEKER
            if kind is OrganisationKind.COMPANY
            else RegistrationRole.PROVIDER
        )
        regs[key] = factory.registration(event=event, organisation=org, role=role)
    maintenance = db.session.get(UseCase, "production.predictive_maintenance")
    regs["a"].organisation.needs = [maintenance]
    regs["b"].organisation.solutions.append(
        Solution(name="Predict", summary="Maintenance prédictive", use_cases=[maintenance])
    )
    db.session.commit()
    return SimpleNamespace(event=event, regs=regs, users=users)


def _url(w, suffix: str = "/") -> str:
    return f"/evenements/{w.event.slug}/rendez-vous{suffix}"


def _ask(client, w, src: str, dst: str, **data):
    data = {"to_id": w.regs[dst].id, "priority": "would_like", "message": "Bonjour", **data}
    return client.post(
        _url(w, f"/demander/{w.regs[dst].id}?inscription={w.regs[src].id}"),
        data=data,
        follow_redirects=True,
    )


def _requests() -> list[MeetingRequest]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(MeetingRequest).order_by(MeetingRequest.id)))


def test_request_accept_flow_with_notifications(client, auth, w, outbox):
    auth.login("a@example.fr")
    page = _ask(client, w, "a", "b", priority="must_meet").get_data(as_text=True)
    assert "Votre demande a été envoyée à Org B." in page
    [request] = _requests()
    assert (request.status, request.priority) == (RequestStatus.PENDING, RequestPriority.MUST_MEET)
    assert outbox.last("b@example.fr")["Subject"] == "Nouvelle demande de rendez-vous de Org A"
    auth.logout()
    auth.login("b@example.fr")
    inbox = client.get(_url(w)).get_data(as_text=True)
    assert "Org A" in inbox and "Bonjour" in inbox
    client.post(_url(w, f"/demandes/{request.id}/repondre"), data={"decision": "accept"})
    assert _requests()[0].status is RequestStatus.ACCEPTED
    assert outbox.last("a@example.fr")["Subject"] == "Org B a accepté votre demande de rendez-vous"
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == w.users["a"].id, Notification.kind == "request_accepted"
        )
    )
    assert note is not None and note.emailed_at is not None


def test_decline_with_reason_shown_to_sender(client, auth, w):
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    auth.logout()
    auth.login("b@example.fr")
    request_id = _requests()[0].id
    client.post(
        _url(w, f"/demandes/{request_id}/repondre"),
        data={"decision": "decline", "reason": "Hors de notre cible"},
    )
    auth.logout()
    auth.login("a@example.fr")
    page = client.get(_url(w)).get_data(as_text=True)
    assert "Hors de notre cible" in page
    assert _requests()[0].status is RequestStatus.DECLINED
    again = _ask(client, w, "a", "b").get_data(as_text=True)
    assert "a refusé votre demande" in again


def test_requests_both_ways_are_mutual_and_accepted(client, auth, w, outbox):
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    auth.logout()
    auth.login("b@example.fr")
    page = _ask(client, w, "b", "a").get_data(as_text=True)
    assert "vous avait aussi sollicité" in page
    requests = _requests()
    assert [(r.status, r.mutual) for r in requests] == [(RequestStatus.ACCEPTED, True)] * 2
    assert outbox.last("a@example.fr")["Subject"] == "Intérêt mutuel avec Org B"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "vous demander un rendez-vous à vous-même"),
        ("same-role", "entre une entreprise et un fournisseur"),
        ("not-approved", "entre participants confirmés"),
        ("duplicate", "déjà envoyé une demande"),
        ("deadline", "sont closes"),
        ("too-many", "nombre maximal de demandes"),
    ],
    ids=lambda v: (
        v if v in {"self", "same-role", "not-approved", "duplicate", "deadline", "too-many"} else ""
    ),
)
def test_bad_requests_refused_with_clear_message(client, auth, w, case, message):
    auth.login("b@example.fr")
    src, dst = "b", {"self": "b", "same-role": "c"}.get(case, "a")
    if case == "not-approved":
        w.regs["a"].status = RegistrationStatus.PENDING
    if case == "deadline":
        w.event.request_deadline = utcnow() - timedelta(minutes=1)
    if case == "too-many":
        w.event.max_pending_requests = 0
    db.session.commit()
    if case == "duplicate":
        _ask(client, w, src, dst)
    before = len(_requests())
    page = _ask(client, w, src, dst).get_data(as_text=True)
    assert message in page
    assert len(_requests()) == before


def test_request_to_participant_of_another_event_refused(client, auth, factory, w):
    other_event = factory.event()
    outsider = factory.registration(event=other_event, role=RegistrationRole.PROVIDER)
    auth.login("a@example.fr")
    data = {"to_id": outsider.id, "priority": "would_like"}
    page = client.post(_url(w, f"/demander/{outsider.id}"), data=data, follow_redirects=True)
    assert "ne participe pas à cet événement" in page.get_data(as_text=True)
    assert _requests() == []


def test_only_the_addressee_answers_and_only_once(client, auth, w):
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    request_id = _requests()[0].id
    answer = _url(w, f"/demandes/{request_id}/repondre")
    assert client.post(answer, data={"decision": "accept"}).status_code == 403  # the sender
    auth.logout()
    auth.login("c@example.fr")
    assert client.post(answer, data={"decision": "accept"}).status_code == 403  # a stranger
    auth.logout()
    auth.login("b@example.fr")
    client.post(answer, data={"decision": "decline"})
    page = client.post(answer, data={"decision": "accept"}, follow_redirects=True)
    assert "déjà reçu une réponse" in page.get_data(as_text=True)
    assert _requests()[0].status is RequestStatus.DECLINED


def test_concurrent_answers_leave_exactly_one_outcome(app, client, auth, w):
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    stale = _requests()[0]  # loaded while still pending
    auth.logout()
    auth.login("b@example.fr")
    client.post(_url(w, f"/demandes/{stale.id}/repondre"), data={"decision": "accept"})
    with pytest.raises(ServiceError, match="request-answered"):
        answer_request(
            request=stale,
            actor=db.session.get(User, w.users["b"].id),
            accept=False,
            reason="",
            now=utcnow(),
        )
    db.session.rollback()
    assert _requests()[0].status is RequestStatus.ACCEPTED


def test_withdraw_request(client, auth, w):
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    request_id = _requests()[0].id
    client.post(_url(w, f"/demandes/{request_id}/retirer"))
    assert _requests()[0].status is RequestStatus.CANCELLED
    page = _ask(client, w, "a", "b").get_data(as_text=True)  # may ask again
    assert "Votre demande a été envoyée" in page


def test_pending_requests_expire_and_sender_is_told(client, auth, w, outbox):
    w.event.request_expiry_hours = 1
    db.session.commit()
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    request = _requests()[0]
    request.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.get(_url(w))
    assert _requests()[0].status is RequestStatus.EXPIRED
    assert "a expiré" in outbox.last("a@example.fr")["Subject"]


def test_suggestions_with_reasons(client, auth, w):
    auth.login("a@example.fr")
    page = client.get(_url(w)).get_data(as_text=True)
    assert "Suggestions pour vous" in page
    assert "Org B" in page
    assert (
        "1 cas d&#39;usage en commun : Maintenance prédictive" in page
        or "1 cas d'usage en commun : Maintenance prédictive" in page
    )


def test_daily_digest_instead_of_one_email_each(client, auth, w, outbox):
    w.users["b"].daily_digest = True
    db.session.commit()
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    assert [m for m in outbox.messages() if m["To"] == "b@example.fr"] == []
    assert send_digests(now=utcnow()) == 1
    digest = outbox.last("b@example.fr")
    assert "Org A vous sollicite pour un rendez-vous" in digest.get_body().get_content()
    assert send_digests(now=utcnow()) == 0


def test_notifications_page_lists_and_marks_read(client, auth, w):
    auth.login("a@example.fr")
    _ask(client, w, "a", "b")
    auth.logout()
    auth.login("b@example.fr")
    page = client.get("/espace/notifications").get_data(as_text=True)
    assert "Org A vous sollicite pour un rendez-vous" in page
    assert "data-unread>1<" in page
    client.post("/espace/notifications")
    assert "data-unread hidden><" in client.get("/espace/notifications").get_data(as_text=True)


def test_organiser_tools_add_on_behalf_and_fill_gaps(client, auth, w):
    auth.login("orga@example.fr")
    stats = client.get(f"/organisateur/evenements/{w.event.slug}/demandes").get_data(as_text=True)
    assert "Participants sans demande acceptée" in stats
    client.post(
        f"/organisateur/evenements/{w.event.slug}/demandes/ajouter",
        data={"seeker_id": w.regs["a"].id, "provider_id": w.regs["c"].id},
    )
    [added] = _requests()
    assert (added.origin, added.status) == (RequestOrigin.ORGANISER, RequestStatus.ACCEPTED)
    client.post(
        f"/organisateur/evenements/{w.event.slug}/demandes/combler",
        data={"min_accepted": 2, "mode": "suggest"},
    )
    suggested = [r for r in _requests() if r.origin is RequestOrigin.SUGGESTED]
    assert suggested and all(r.status is RequestStatus.PENDING for r in suggested)
    pairs = {frozenset((r.from_registration_id, r.to_registration_id)) for r in _requests()}
    assert len(pairs) == len(_requests())  # never two requests for one pair


def test_organiser_tools_refused_to_participants(client, auth, w):
    auth.login("a@example.fr")
    assert client.get(f"/organisateur/evenements/{w.event.slug}/demandes").status_code == 403
    response = client.post(
        f"/organisateur/evenements/{w.event.slug}/demandes/ajouter",
        data={"seeker_id": w.regs["a"].id, "provider_id": w.regs["b"].id},
    )
    assert response.status_code == 403
    assert _requests() == []


@pytest.mark.parametrize(
    ("origin", "priority", "mutual", "expected"),
    [
        (RequestOrigin.PARTICIPANT, RequestPriority.MUST_MEET, True, 10),
        (RequestOrigin.PARTICIPANT, RequestPriority.MUST_MEET, False, 6),
        (RequestOrigin.PARTICIPANT, RequestPriority.WOULD_LIKE, True, 5),
        (RequestOrigin.PARTICIPANT, RequestPriority.IF_TIME, False, 2),
        (RequestOrigin.SUGGESTED, RequestPriority.IF_TIME, False, 2),
        (RequestOrigin.ORGANISER, RequestPriority.MUST_MEET, False, 1),
    ],
    ids=["mutual-must", "must", "mutual-would", "if-time", "suggested", "organiser"],
)
def test_request_weights_for_optimiser(origin, priority, mutual, expected):
    from app.models.event import DEFAULT_REQUEST_WEIGHTS

    request = MeetingRequest(origin=origin, priority=priority, mutual=mutual)
    assert request_weight(request, DEFAULT_REQUEST_WEIGHTS) == expected


def test_request_matrix_for_organisers_only(client, auth, w, factory):
    factory.meeting_request(src=w.regs["a"], dst=w.regs["b"], status=RequestStatus.ACCEPTED)
    factory.meeting_request(src=w.regs["c"], dst=w.regs["a"], status=RequestStatus.PENDING)
    url = f"/organisateur/evenements/{w.event.slug}/demandes/matrice"
    auth.login("a@example.fr")
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("orga@example.fr")
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="cell-accepted"') == 1
    assert page.count('class="cell-pending"') == 1
    assert "Matrice des demandes" in page
