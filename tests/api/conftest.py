"""Fixtures of the API tests: an event with an organiser and a token, and a client that checks
every JSON answer against the OpenAPI document."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.api.openapi import openapi_document
from app.models import Attendee, db
from app.models.enums import OrganisationKind, RegistrationRole, RequestStatus
from app.services.api_tokens import create_token

DOC_URI = "urn:rdvia:openapi"


def _registry() -> Registry:
    resource = Resource.from_contents(openapi_document(), default_specification=DRAFT202012)
    return Registry().with_resource(DOC_URI, resource)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class ApiClient:
    """Calls the API with a bearer token; validates each JSON answer against the document."""

    def __init__(self, app, client, token: str | None):
        self.app, self.client, self.token = app, client, token
        self.registry = _registry()
        self.checked: set[tuple[str, str, str]] = set()

    def _template(self, path: str, method: str) -> str:
        adapter = self.app.url_map.bind("localhost")
        rule, _ = adapter.match(path.split("?")[0], method=method, return_rule=True)
        template = rule.rule
        for argument in rule.arguments:
            template = template.replace(f"<int:{argument}>", f"{{{argument}}}")
            template = template.replace(f"<{argument}>", f"{{{argument}}}")
        return template

    def validate(self, path: str, method: str, response) -> None:
        template = self._template(path, method)
        status = str(response.status_code)
        operation = openapi_document()["paths"][template][method.lower()]
        assert status in operation["responses"], f"{method} {template}: {status} not documented"
        assert response.mimetype == "application/json", response.mimetype
        ref = _pointer("paths", template, method.lower(), "responses", status)
        schema = {"$ref": f"{DOC_URI}#/{ref}/content/application~1json/schema"}
        Draft202012Validator(schema, registry=self.registry).validate(response.get_json())
        self.checked.add((template, method.upper(), status))

    def open(self, method: str, path: str, *, token: str | None = ..., **kwargs):
        token = self.token if token is ... else token
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.validate(path, method, response)
        return response

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)


@pytest.fixture
def ev(factory):
    """An event with an organiser, two providers, three companies and accepted requests."""
    event = factory.event(tables=4)
    organiser = factory.user(email="orga@example.fr", name="Orga")
    event.organisers.append(organiser)
    db.session.commit()
    providers = [
        factory.registration(
            event=event,
            organisation=factory.organisation(
                name=f"Fournisseur {n}", kind=OrganisationKind.PROVIDER
            ),
            role=RegistrationRole.PROVIDER,
            home_table=event.tables[n],
        )
        for n in range(2)
    ]
    companies = []
    for n in range(3):
        registration = factory.registration(
            event=event, organisation=factory.organisation(name=f"Entreprise {n}")
        )
        registration.attendees.append(Attendee(name=f"Personne {n}", email=f"p{n}@example.fr"))
        db.session.commit()
        companies.append(registration)
    for company in companies:
        for provider in providers:
            factory.meeting_request(src=company, dst=provider, status=RequestStatus.ACCEPTED)
    new = create_token(event=event, actor=organiser, name="CRM")
    db.session.commit()
    return SimpleNamespace(
        event=event,
        organiser=organiser,
        providers=providers,
        companies=companies,
        token=new.plain,
        token_row=new.token,
        base=f"/api/v1/events/{event.slug}",
    )


@pytest.fixture
def api(app, client, ev) -> ApiClient:
    return ApiClient(app, client, ev.token)
