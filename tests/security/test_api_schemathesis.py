"""schemathesis against /api/v1/openapi.json, on the WSGI app, with a real API token.

Every operation gets generated requests (valid and invalid): no 500, and every answer
conforms to the document (status code, content type, headers, response schema). The event is
real (factory-built) and the token's: the slug is pinned to it, so requests reach the views.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.api.openapi import openapi_document
from app.models import ScheduleRun, db
from app.models.enums import RunStatus
from tests.security.world import module_world

MAX_EXAMPLES = 60


@pytest.fixture(scope="module")
def world(database_url):
    for world in module_world(database_url, roles=()):
        with world.app.app_context():
            # A run in progress: starting another is a 409, so no solver thread is started
            # by generated requests; GET /runs/{id} still answers with a real run.
            db.session.add(ScheduleRun(event_id=1, status=RunStatus.RUNNING))
            db.session.commit()
        yield world


@pytest.fixture(scope="module")
def api_schema(world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)


# (path, method) of every operation of the document (read without an app: no I/O).
OPERATIONS = [
    (path, method.upper())
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method != "parameters"
]
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_conforms_to_its_document(world, api_schema, path, method):
    operation = api_schema[path][method]

    @SETTINGS
    @given(case=operation.as_strategy())
    def check(case):
        if "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = world.values["slug"]
        case.call_and_validate(headers={"Authorization": f"Bearer {world.api_token}"})

    check()


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_without_token_conforms_too(world, api_schema, path, method):
    operation = api_schema[path][method]

    @settings(SETTINGS, max_examples=5)
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate()

    check()
