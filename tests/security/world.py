"""A small event world with one user per role, built once per test module.

Roles (the access-control matrix's columns):
- anonymous: no session;
- participant: member (owner) of an organisation registered at the event (the world's
  resources: organisation, solution, registration, membership, request... are theirs);
- other_participant: member of an organisation registered at another event;
- other_organiser: organiser of another event;
- organiser: organiser of the event;
- admin: site administrator (organises nothing).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from app.models import (
    Announcement,
    Attendee,
    Meeting,
    RebookingOffer,
    Schedule,
    ScheduleRun,
    Solution,
    db,
)
from app.models.enums import OrganisationKind, RegistrationRole, RunStatus
from app.services.api_tokens import create_token
from app.services.organisations import store_logo
from tests.conftest import IsolatedClient, _empty_tables, make_app
from tests.factories import Factory

PASSWORD = "correct horse battery"
ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "other_organiser",
    "organiser",
    "admin",
)
EMAILS = {
    "participant": "participant@example.fr",
    "other_participant": "other-participant@example.fr",
    "other_organiser": "other-organiser@example.fr",
    "organiser": "organiser@example.fr",
    "admin": "admin@example.fr",
    "company": "company@example.fr",
}


def tiny_png(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, format="PNG")
    return out.getvalue()


@dataclass
class World:
    app: object
    values: dict = field(default_factory=dict)  # URL parameter name -> test value
    api_token: str = ""
    clients: dict = field(default_factory=dict)  # role -> logged-in test client

    def client(self, role: str) -> IsolatedClient:
        return self.clients[role]


def build_world(app) -> World:
    """Users, two events, an organisation per participant, a run, a schedule, a meeting."""
    world = World(app=app)
    with app.app_context():
        f = Factory(db.session)
        users = {role: f.user(email=email, name=role.title()) for role, email in EMAILS.items()}
        users["admin"].is_admin = True
        event = f.event(slug="salon-ia", title="Salon IA")
        other_event = f.event(slug="autre-salon", title="Autre salon")
        event.organisers.append(users["organiser"])
        other_event.organisers.append(users["other_organiser"])
        db.session.commit()

        org = f.organisation(
            name="Fournisseur IA", kind=OrganisationKind.PROVIDER, catalogue_consent=True
        )
        membership = f.member(users["participant"], org)
        store_logo(organisation=org, data=tiny_png(), upload_dir=Path(app.config["UPLOAD_DIR"]))
        solution = Solution(provider=org, name="Vision", summary="Computer vision", published=True)
        db.session.add(solution)
        registration = f.registration(event=event, organisation=org, role=RegistrationRole.PROVIDER)
        attendee = Attendee(
            registration=registration,
            name="Ada",
            email=EMAILS["participant"],
            user=users["participant"],
        )
        db.session.add(attendee)

        company_org = f.organisation(name="PME Client")
        f.member(users["company"], company_org)
        company = f.registration(event=event, organisation=company_org)
        request = f.meeting_request(src=company, dst=registration)
        own_request = f.meeting_request(src=registration, dst=company)

        other_org = f.organisation(name="Autre PME")
        f.member(users["other_participant"], other_org)
        f.registration(event=other_event, organisation=other_org)

        run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
        schedule = Schedule(event=event, run=run, version=1)
        meeting = Meeting(
            registration_a=company,
            registration_b=registration,
            slot=event.slots[0],
            table=event.tables[0],
        )
        schedule.meetings.append(meeting)
        db.session.flush()
        announcement = Announcement(
            event_id=event.id, message="Bienvenue", created_by=users["organiser"]
        )
        db.session.add_all([run, schedule, announcement])
        db.session.commit()
        offer = RebookingOffer(
            event_id=event.id,
            schedule_id=schedule.id,
            registration_a_id=company.id,
            registration_b_id=registration.id,
            slot_id=event.slots[1].id,
            table_id=event.tables[1].id,
        )
        db.session.add(offer)
        db.session.commit()
        new = create_token(event=event, actor=users["organiser"], name="CRM")
        db.session.commit()
        world.api_token = new.plain
        world.values = {
            "slug": event.slug,
            "org_id": org.id,
            "provider_id": org.id,
            "solution_id": solution.id,
            "reg_id": registration.id,
            "membership_id": membership.id,
            "request_id": request.id,  # received by the participant
            "own_request_id": own_request.id,  # sent by the participant
            "table_id": event.tables[0].id,
            "to_id": company.id,
            "run_id": run.id,
            "schedule_id": schedule.id,
            "meeting_id": meeting.id,
            "token_id": new.token.id,
            "attendee_id": attendee.id,
            "announcement_id": announcement.id,
            "session": event.sessions[0].id,
            "offer_id": offer.id,
            # A calendar-feed token is the feed's authentication: a real one (public route).
            "token": registration.calendar_token,
            "decision": "refuser",
            "action": "verrouiller",
            "filename": "css/site.css",
            "uid": meeting.uid,
            "code": attendee.checkin_code,
        }
    return world


def login(app, role: str) -> IsolatedClient:
    client = app.test_client()
    if role != "anonymous":
        response = client.post(
            "/compte/connexion", data={"email": EMAILS[role], "password": PASSWORD}
        )
        assert response.status_code == 302, f"{role} could not log in"
    return client


def world_app(database_url: str, **overrides):
    """An app of its own for a module's world (rate limits off: many logins and requests)."""
    return make_app(
        database_url,
        RATELIMIT_ENABLED=False,
        MAIL_OUTBOX_DIR=tempfile.mkdtemp(prefix="rdvia-sec-outbox-"),
        **overrides,
    )


def module_world(database_url: str, *, roles=ROLES, **overrides):
    """Generator for a module-scoped fixture: the world, then its rows deleted."""
    app = world_app(database_url, **overrides)
    _empty_tables(app)
    world = build_world(app)
    world.clients = {role: login(app, role) for role in roles}
    yield world
    _empty_tables(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
