"""Feedback after meetings: who may give it, when, what it changes, and the page's form."""

from __future__ import annotations

import smtplib
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.models import Feedback, Meeting, Schedule, Solution, UseCase, db
from app.models.base import utcnow
from app.models.enums import (
    EventStatus,
    FeedbackOutcome,
    MeetingOrigin,
    MeetingStatus,
    OrganisationKind,
    RegistrationRole,
    ScheduleStatus,
)
from app.services import ServiceError
from app.services.feedback import give_feedback, send_feedback_reminders
from tests.conftest import Outbox, make_app

YESTERDAY = date.today() - timedelta(days=1)


def build_world(factory, *, day: date = YESTERDAY, status: EventStatus = EventStatus.LIVE):
    """An event with a published schedule: Usine SAS (sector C) and Commerce SARL (sector G)
    meet the provider Robot IA; one meeting of each status and a walk-in."""
    event = factory.event(status=status, starts_on=day)
    organiser = factory.user(email="orga@example.fr")
    event.organisers.append(organiser)
    alice = factory.user(email="alice@example.fr")
    paul = factory.user(email="paul@example.fr")
    eve = factory.user(email="eve@example.fr")
    chatbot = db.session.get(UseCase, "sales.chatbot")
    scoring = db.session.get(UseCase, "sales.lead_scoring")
    company = factory.organisation(name="Usine SAS", sector_code="C")
    company.needs = [chatbot, scoring]
    shop = factory.organisation(name="Commerce SARL", sector_code="G")
    shop.needs = [scoring]
    provider = factory.organisation(name="Robot IA", kind=OrganisationKind.PROVIDER)
    provider.solutions = [Solution(name="Bot", summary="A chatbot", use_cases=[chatbot])]
    factory.member(alice, company)
    factory.member(paul, provider)
    factory.member(eve, shop)
    reg_c = factory.registration(event=event, organisation=company)
    reg_s = factory.registration(event=event, organisation=shop)
    reg_p = factory.registration(event=event, organisation=provider, role=RegistrationRole.PROVIDER)
    slots, tables = event.slots, event.tables
    schedule = Schedule(
        event=event, version=1, status=ScheduleStatus.PUBLISHED, published_at=utcnow()
    )
    meetings = {
        "held": Meeting(registration_a=reg_c, registration_b=reg_p, slot=slots[0], table=tables[0]),
        "cancelled": Meeting(
            registration_a=reg_s,
            registration_b=reg_p,
            slot=slots[1],
            table=tables[0],
            status=MeetingStatus.CANCELLED,
        ),
        "no_show": Meeting(
            registration_a=reg_s,
            registration_b=reg_p,
            slot=slots[2],
            table=tables[0],
            status=MeetingStatus.NO_SHOW,
            no_show_registration=reg_s,
        ),
        "walk_in": Meeting(
            registration_a=reg_p,
            registration_b=reg_s,
            slot=slots[3],
            table=tables[1],
            origin=MeetingOrigin.WALK_IN,
        ),
        "last": Meeting(
            registration_a=reg_c, registration_b=reg_p, slot=slots[-1], table=tables[0]
        ),
    }
    schedule.meetings.extend(meetings.values())
    db.session.add(schedule)
    db.session.commit()
    return SimpleNamespace(
        event=event,
        schedule=schedule,
        organiser=organiser,
        alice=alice,
        paul=paul,
        eve=eve,
        reg_c=reg_c,
        reg_s=reg_s,
        reg_p=reg_p,
        **meetings,
    )


@pytest.fixture
def world(factory):
    return build_world(factory)


def url(world, meeting=None) -> str:
    base = f"/evenements/{world.event.slug}/retours"
    return base if meeting is None else f"{base}/{meeting.id}"


def post(client, world, meeting, **fields):
    data = {f"m{meeting.id}-{k}": v for k, v in fields.items()}
    return client.post(url(world, meeting), data=data)


def feedback_rows() -> list[Feedback]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Feedback).order_by(Feedback.id)))


def test_feedback_page_lists_my_ended_meetings_with_a_form(client, auth, world):
    auth.login("alice@example.fr")
    page = client.get(url(world)).get_data(as_text=True)
    assert page.count("Robot IA") == 2  # the two meetings of Usine SAS, both ended
    assert f'action="{url(world, world.held)}"' in page
    assert f'for="m{world.held.id}-comment"' in page  # labelled fields
    assert "Commerce SARL" not in page  # other organisations' meetings are not mine


def test_feedback_is_saved_and_marks_the_meeting_held(client, auth, world):
    auth.login("alice@example.fr")
    response = post(client, world, world.held, rating="4", outcome="quote", comment="Très utile")
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    [saved] = feedback_rows()
    assert (saved.rating, saved.outcome, saved.comment) == (4, FeedbackOutcome.QUOTE, "Très utile")
    assert saved.registration_id == world.reg_c.id
    assert db.session.get(Meeting, world.held.id).status is MeetingStatus.HELD


def test_feedback_given_twice_updates_the_first(client, auth, world):
    auth.login("alice@example.fr")
    post(client, world, world.held, rating="5", outcome="pilot", comment="")
    response = post(client, world, world.held, rating="2", outcome="not_relevant", comment="Bof")
    assert response.status_code == 302
    page = client.get(url(world)).get_data(as_text=True)
    assert "Retour mis à jour." in page
    assert [(f.rating, f.outcome) for f in feedback_rows()] == [(2, FeedbackOutcome.NOT_RELEVANT)]


def test_each_side_gives_its_own_feedback(client, auth, world):
    auth.login("alice@example.fr")
    post(client, world, world.held, rating="5", outcome="follow_up")
    auth.logout()
    auth.login("paul@example.fr")
    post(client, world, world.held, rating="3", outcome="none")
    ratings = {f.registration_id: f.rating for f in feedback_rows()}
    assert ratings == {world.reg_c.id: 5, world.reg_p.id: 3}


def test_feedback_from_a_non_party_is_forbidden(client, auth, world):
    auth.login("eve@example.fr")  # Commerce SARL is at the event but not in this meeting
    response = post(client, world, world.held, rating="5", outcome="contract")
    assert response.status_code == 403
    assert feedback_rows() == []
    assert db.session.get(Meeting, world.held.id).status is MeetingStatus.SCHEDULED


def test_feedback_page_is_forbidden_to_people_not_at_the_event(client, auth, factory, world):
    factory.user(email="nobody@example.fr")
    auth.login("nobody@example.fr")
    assert client.get(url(world)).status_code == 403


def test_rating_out_of_range_is_refused_with_a_message_and_keeps_the_input(client, auth, world):
    auth.login("alice@example.fr")
    response = post(client, world, world.held, rating="7", outcome="quote", comment="Gardé")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "La note doit être comprise entre 1 et 5." in page
    assert "Gardé</textarea>" in page
    assert 'value="quote" selected' in page or 'selected value="quote"' in page
    assert feedback_rows() == []


def test_feedback_on_a_cancelled_meeting_is_refused(client, auth, world):
    auth.login("eve@example.fr")
    response = post(client, world, world.cancelled, rating="3", outcome="none")
    assert response.status_code == 400
    assert "Ce rendez-vous a été annulé" in response.get_data(as_text=True)
    assert feedback_rows() == []


def test_feedback_before_the_meeting_ends_is_refused(client, auth, factory):
    world = build_world(factory, day=date.today() + timedelta(days=3))
    auth.login("alice@example.fr")
    assert "Aucun de vos rendez-vous" in client.get(url(world)).get_data(as_text=True)
    response = post(client, world, world.held, rating="4", outcome="quote")
    assert response.status_code == 400
    assert "une fois le rendez-vous terminé" in response.get_data(as_text=True)
    assert feedback_rows() == []


def _give(world, meeting, *, now, **kw):
    values = {"rating": 4, "outcome": FeedbackOutcome.FOLLOW_UP, "comment": ""} | kw
    return give_feedback(
        meeting=meeting, registration=world.reg_c, actor=world.alice, now=now, **values
    )


def test_feedback_opens_exactly_when_the_slot_ends(world):
    end = world.held.slot.ends_at
    with pytest.raises(ServiceError, match="feedback-too-early"):
        _give(world, world.held, now=end - timedelta(minutes=1))
    feedback, created = _give(world, world.held, now=end)
    assert created and feedback.rating == 4


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"rating": 0}, "feedback-rating"),
        ({"rating": 6}, "feedback-rating"),
        ({"comment": "x" * 1001}, "feedback-comment"),
    ],
    ids=["zero", "six", "long-comment"],
)
def test_feedback_service_checks_its_input(world, change, code):
    with pytest.raises(ServiceError, match=code):
        _give(world, world.held, now=utcnow(), **change)


def test_feedback_is_frozen_once_the_event_is_closed(world):
    _give(world, world.held, now=utcnow())
    world.event.status = EventStatus.CLOSED
    with pytest.raises(ServiceError, match="feedback-closed"):
        _give(world, world.held, now=utcnow(), rating=1)


def test_no_show_meeting_cannot_be_rated(world):
    with pytest.raises(ServiceError, match="feedback-no-show"):
        give_feedback(
            meeting=world.no_show,
            registration=world.reg_s,
            actor=world.eve,
            rating=1,
            outcome=FeedbackOutcome.NONE,
            comment="",
            now=utcnow(),
        )


def test_comment_control_characters_are_removed(world):
    feedback, _created = _give(world, world.held, now=utcnow(), comment=" Bien\x00\x1b vu\r\n ")
    assert feedback.comment == "Bien vu"


def test_feedback_follows_the_meeting_into_a_new_version(world):
    _give(world, world.held, now=utcnow(), rating=2)
    world.schedule.status = ScheduleStatus.SUPERSEDED
    db.session.flush()
    v2 = Schedule(event=world.event, version=2, status=ScheduleStatus.PUBLISHED)
    again = Meeting(
        registration_a=world.reg_c,
        registration_b=world.reg_p,
        slot=world.held.slot,
        table=world.held.table,
        uid=world.held.uid,
    )
    v2.meetings.append(again)
    db.session.add(v2)
    db.session.commit()
    feedback, created = _give(world, again, now=utcnow(), rating=5)
    assert not created
    assert [(f.meeting_id, f.rating) for f in feedback_rows()] == [(again.id, 5)]


# Reminders after the event


def _reminder_bodies(app) -> dict[str, str]:
    return {
        m["To"]: m.get_body(preferencelist=("plain",)).get_content()
        for m in Outbox(app).messages()
        if m["Subject"].startswith("Vos rendez-vous à")
    }


def test_feedback_reminders_go_once_when_all_meetings_are_over_to_those_with_unrated_ones(
    app, world
):
    end = world.last.slot.ends_at
    after = timedelta(hours=1)
    # Commerce SARL rated its only meeting that took place (the walk-in); Usine SAS one of two.
    give_feedback(
        meeting=world.walk_in,
        registration=world.reg_s,
        actor=world.eve,
        now=end,
        rating=5,
        outcome=FeedbackOutcome.PILOT,
        comment="",
    )
    _give(world, world.held, now=end)
    db.session.commit()
    with app.test_request_context():
        # The last meeting ended 30 minutes ago: not yet; more than a week ago: no more.
        assert send_feedback_reminders(now=end + timedelta(minutes=30), after=after) == 0
        assert send_feedback_reminders(now=end + timedelta(days=8, hours=2), after=after) == 0
        # A closed event takes no feedback: no reminder.
        world.event.status = EventStatus.CLOSED
        db.session.commit()
        assert send_feedback_reminders(now=end + timedelta(hours=2), after=after) == 0
        world.event.status = EventStatus.LIVE
        db.session.commit()
        assert send_feedback_reminders(now=end + timedelta(hours=2), after=after) == 2
        # Once only.
        assert send_feedback_reminders(now=end + timedelta(hours=3), after=after) == 0
    bodies = _reminder_bodies(app)
    assert sorted(bodies) == ["alice@example.fr", "paul@example.fr"]
    assert "1 rendez-vous de Usine SAS à " in bodies["alice@example.fr"]
    assert "3 rendez-vous de Robot IA à " in bodies["paul@example.fr"]
    assert f"http://localhost/evenements/{world.event.slug}/retours" in bodies["paul@example.fr"]
    assert len(Outbox(app).messages()) == 2


def test_feedback_reminder_command_needs_the_site_name_for_its_links(app, runner, world):
    result = runner.invoke(args=["send-feedback-reminders"])
    assert result.exit_code != 0 and "SERVER_NAME is not set" in result.output
    assert Outbox(app).messages() == []
    # The same site with SERVER_NAME configured (a new app: URL building is set up per context).
    cron_app = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        SERVER_NAME="rdv.example.fr",
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
    )
    with cron_app.app_context():
        result = cron_app.test_cli_runner().invoke(args=["send-feedback-reminders"])
    assert result.exit_code == 0, result.output
    assert "3 participant(s) reminded to give feedback." in result.output
    body = _reminder_bodies(app)["alice@example.fr"]
    assert f"http://rdv.example.fr/evenements/{world.event.slug}/retours" in body


def test_a_reminder_the_mail_server_refuses_does_not_stop_the_others(app, monkeypatch, world):
    from app.services import feedback

    send = feedback.send_email

    def refuse_alice(**kw):
        if kw["to"] == "alice@example.fr":
            raise smtplib.SMTPRecipientsRefused({kw["to"]: (550, b"no such user")})
        return send(**kw)

    monkeypatch.setattr(feedback, "send_email", refuse_alice)
    later = world.last.slot.ends_at + timedelta(hours=2)
    with app.test_request_context():
        assert send_feedback_reminders(now=later, after=timedelta(hours=1)) == 2
        # Claimed before sending: not retried (a reminder is not worth a duplicate).
        assert send_feedback_reminders(now=later, after=timedelta(hours=1)) == 0
    assert sorted(_reminder_bodies(app)) == ["eve@example.fr", "paul@example.fr"]
