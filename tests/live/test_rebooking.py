"""Rebooking: freed slots offered from accepted requests; both sides accept; nobody else moves."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Meeting, Solution, UseCase, db
from app.models.enums import MeetingOrigin, MeetingStatus, OfferStatus, RequestStatus
from app.models.schedule import RebookingOffer
from app.services import ServiceError
from app.services.onsite import mark_absent
from app.services.rebooking import answer_offer, expire_offers, propose_offers
from tests.conftest import _empty_tables, make_app
from tests.factories import Factory
from tests.live.test_onsite import World, build_world, login, notifications_of, text

ON_SITE = "/evenements/forum-ia/sur-place"


def rebooking_world(factory) -> World:
    """Alpha can only meet at slot 2 (with Pixel) and also wants to meet Quanta."""
    world = build_world(factory)
    world.alpha.unavailable_slots = [s for i, s in enumerate(world.event.slots) if i != 2]
    factory.meeting_request(src=world.alpha, dst=world.quanta, status=RequestStatus.ACCEPTED)
    db.session.commit()
    return world


@pytest.fixture
def world(factory) -> World:
    return rebooking_world(factory)


def _places() -> dict[int, tuple]:
    db.session.expire_all()
    return {
        m.id: (m.slot_id, m.table_id, m.status, m.sequence)
        for m in db.session.scalars(sa.select(Meeting))
    }


def offers() -> list[RebookingOffer]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(RebookingOffer).order_by(RebookingOffer.id)))


def _absent_then_rebook(world: World) -> RebookingOffer:
    mark_absent(registration=world.pixel, actor=world.organiser, now=world.now)
    db.session.commit()
    before = _places()
    change = propose_offers(event=world.event, actor=world.organiser, now=world.now)
    db.session.commit()
    assert _places() == before  # nobody's meeting moved, none added yet
    assert len(change.offers) == 1
    return change.offers[0]


def test_freed_slot_is_offered_from_an_accepted_request(world):
    offer = _absent_then_rebook(world)
    assert (offer.registration_a_id, offer.registration_b_id) == (world.alpha.id, world.quanta.id)
    assert offer.slot_id == world.slot(2).id
    assert offer.status is OfferStatus.PENDING
    assert offer.request.status is RequestStatus.ACCEPTED
    for email in ("alice@example.fr", "quinn@example.fr"):
        kinds = [n.kind for n in notifications_of(world.user(email))]
        assert kinds.count("onsite_offer") == 1


def test_a_second_run_does_not_offer_the_same_pair_again(world):
    _absent_then_rebook(world)
    change = propose_offers(event=world.event, actor=world.organiser, now=world.now)
    db.session.commit()
    assert change.offers == []
    assert len(offers()) == 1


def test_a_meeting_booked_during_the_solve_keeps_its_place(monkeypatch, world):
    """The engine solves for seconds without the lock: a walk-in committed meanwhile by
    another request takes Alpha's only free slot, so the engine's proposal there is dropped."""
    from app.services import rebooking

    mark_absent(registration=world.pixel, actor=world.organiser, now=world.now)
    db.session.commit()
    solve = rebooking._solve

    def solve_while_a_walk_in_is_booked(problem, time_limit_s):
        proposed = solve(problem, time_limit_s)
        with Session(db.engine) as other:
            other.add(
                Meeting(
                    schedule_id=world.schedule.id,
                    registration_a_id=world.alpha.id,
                    registration_b_id=world.quanta.id,
                    slot_id=world.slot(2).id,
                    table_id=world.event.tables[2].id,
                    origin=MeetingOrigin.WALK_IN,
                    locked=True,
                )
            )
            other.commit()
        return proposed

    monkeypatch.setattr(rebooking, "_solve", solve_while_a_walk_in_is_booked)
    change = propose_offers(event=world.event, actor=world.organiser, now=world.now)
    db.session.commit()
    assert change.offers == [] and offers() == []


def test_only_organisers_start_a_rebooking(world):
    with pytest.raises(ServiceError, match="forbidden"):
        propose_offers(event=world.event, actor=world.user("alice@example.fr"), now=world.now)


def test_both_accept_and_the_meeting_joins_agendas_and_calendars(app, world):
    offer = _absent_then_rebook(world)
    alice, quinn = (
        login(app.test_client(), "alice@example.fr"),
        login(app.test_client(), "quinn@example.fr"),
    )
    assert f"/propositions/{offer.id}/accepter" in text(alice.get(ON_SITE))
    page = text(alice.post(f"{ON_SITE}/propositions/{offer.id}/accepter", follow_redirects=True))
    assert "Accepté : le rendez-vous sera ajouté dès que l'autre partie acceptera." in page
    assert "Vous avez accepté : en attente de Quanta IA." in page
    page = text(quinn.post(f"{ON_SITE}/propositions/{offer.id}/accepter", follow_redirects=True))
    assert "Les deux parties ont accepté : le rendez-vous est dans votre agenda." in page
    [offer] = offers()
    assert offer.status is OfferStatus.ACCEPTED
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.uid == offer.meeting_uid))
    assert (meeting.schedule_id, meeting.slot_id, meeting.origin, meeting.status) == (
        world.schedule.id,
        world.slot(2).id,
        MeetingOrigin.REBOOKING,
        MeetingStatus.SCHEDULED,
    )
    body = alice.get(f"/calendrier/{world.alpha.calendar_token}.ics").data
    events = {
        str(e["uid"]).split("@")[0]: e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }
    added = events[meeting.uid]
    assert (str(added["status"]), int(added["sequence"])) == ("CONFIRMED", 0)
    assert "Quanta IA" in str(added["summary"])
    assert str(events[world.freed.uid]["status"]) == "CANCELLED"
    for email in ("alice@example.fr", "quinn@example.fr"):
        kinds = [n.kind for n in notifications_of(world.user(email))]
        assert kinds.count("onsite_offer_confirmed") == 1


def test_one_side_declines_and_the_other_is_told(world):
    offer = _absent_then_rebook(world)
    change, outcome = answer_offer(
        offer=offer, actor=world.user("quinn@example.fr"), accept=False, now=world.now
    )
    db.session.commit()
    assert outcome == "declined"
    assert offers()[0].status is OfferStatus.DECLINED
    kinds = [n.kind for n in notifications_of(world.user("alice@example.fr"))]
    assert "onsite_offer_declined" in kinds
    with pytest.raises(ServiceError, match="offer-declined"):
        answer_offer(offer=offer, actor=world.user("alice@example.fr"), accept=True, now=world.now)
    rerun = propose_offers(event=world.event, actor=world.organiser, now=world.now)
    assert rerun.offers == []  # a declined pair is not proposed again


def test_stale_offer_is_refused_when_the_slot_was_taken_meanwhile(app, world):
    offer = _absent_then_rebook(world)
    db.session.add(
        Meeting(
            schedule=world.schedule,
            registration_a=world.beta,
            registration_b=world.quanta,
            slot=world.slot(2),
            table=world.event.tables[2],
            origin=MeetingOrigin.ORGANISER,
        )
    )
    db.session.commit()
    alice, quinn = (
        login(app.test_client(), "alice@example.fr"),
        login(app.test_client(), "quinn@example.fr"),
    )
    alice.post(f"{ON_SITE}/propositions/{offer.id}/accepter")
    page = text(quinn.post(f"{ON_SITE}/propositions/{offer.id}/accepter", follow_redirects=True))
    assert (
        "Ce rendez-vous n'est plus possible : Quanta IA a déjà un rendez-vous à cette heure."
        in page
    )
    assert offers()[0].status is OfferStatus.EXPIRED
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Meeting.origin == MeetingOrigin.REBOOKING)
        )
        == 0
    )


def test_offers_expire_when_their_slot_starts(world):
    offer = _absent_then_rebook(world)
    started = world.slot(2).starts_at + timedelta(seconds=1)
    assert expire_offers(event=world.event, now=started) == {world.alpha.id, world.quanta.id}
    db.session.commit()
    with pytest.raises(ServiceError, match="offer-expired"):
        answer_offer(offer=offer, actor=world.user("alice@example.fr"), accept=True, now=started)


def test_marking_absent_on_the_organiser_page_proposes_the_freed_slot(client, world):
    login(client, "orga@example.fr")
    client.post(f"/organisateur/evenements/forum-ia/absences/{world.pixel.id}/absent")
    [offer] = offers()
    assert (offer.registration_a_id, offer.registration_b_id, offer.slot_id) == (
        world.alpha.id,
        world.quanta.id,
        world.slot(2).id,
    )
    page = text(client.get("/organisateur/evenements/forum-ia/absences"))
    assert "Propositions en attente de réponse : 1" in page


def test_only_the_two_sides_answer_an_offer(client, factory, world):
    offer = _absent_then_rebook(world)
    login(client, "bob@example.fr")  # at the event, but not a party of the offer
    assert client.post(f"{ON_SITE}/propositions/{offer.id}/accepter").status_code == 403
    assert client.post(f"{ON_SITE}/propositions/{offer.id}/autre").status_code == 404
    assert offers()[0].accepted_a_at is None and offers()[0].accepted_b_at is None


def test_a_recommended_pair_is_offered_when_no_request_fits(factory):
    world = build_world(factory)
    world.alpha.unavailable_slots = [s for i, s in enumerate(world.event.slots) if i != 2]
    maintenance = db.session.get(UseCase, "production.predictive_maintenance")
    world.alpha.organisation.needs = [maintenance]
    world.quanta.organisation.solutions.append(
        Solution(
            name="Predict",
            summary="Maintenance prédictive",
            use_cases=[maintenance],
            published=True,
        )
    )
    db.session.commit()
    mark_absent(registration=world.pixel, actor=world.organiser, now=world.now)
    change = propose_offers(event=world.event, actor=world.organiser, now=world.now)
    db.session.commit()
    [offer] = change.offers
    assert (offer.registration_a_id, offer.registration_b_id, offer.slot_id) == (
        world.alpha.id,
        world.quanta.id,
        world.slot(2).id,
    )
    assert offer.request_id is None


def test_with_redis_down_the_rebooking_is_done_in_the_request(database_url):
    """REDIS_URL set but nobody answers there: the absence still gets its offers at once."""
    app = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_ENABLED=False)
    try:
        with app.app_context():
            world = rebooking_world(Factory(db.session))
            client = login(app.test_client(), "orga@example.fr")
            client.post(f"/organisateur/evenements/forum-ia/absences/{world.pixel.id}/absent")
            [offer] = offers()
            assert (offer.registration_a_id, offer.registration_b_id) == (
                world.alpha.id,
                world.quanta.id,
            )
            db.session.remove()
    finally:
        _empty_tables(app)
