"""The JSON API: tokens, each endpoint, import, runs and publication, JSON errors, OpenAPI."""

from __future__ import annotations

import hashlib
import time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.openapi import openapi_document
from app.models import ApiToken, Organisation, Registration, Schedule, ScheduleRun, db
from app.models.base import utcnow
from app.models.enums import RegistrationStatus, RunStatus, ScheduleStatus
from app.services.api_tokens import revoke_token
from tests.conftest import make_app


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _wait_for_run(run_id: int, timeout: float = 90) -> ScheduleRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        run = db.session.get(ScheduleRun, run_id)
        if run.status.value in ("succeeded", "failed", "cancelled"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run.status.value} after {timeout} s")


# Tokens


def test_token_stored_as_hash_and_prefix_only(ev):
    row = db.session.get(ApiToken, ev.token_row.id)
    assert row.token_hash == hashlib.sha256(ev.token.encode()).hexdigest()
    assert row.prefix == ev.token[:8]
    with db.engine.connect() as conn:
        dumped = repr(conn.execute(sa.select(ApiToken.__table__)).all())
    assert ev.token not in dumped


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz"],
    ids=["missing", "empty", "wrong", "other-scheme"],
)
def test_bad_token_is_401(api, ev, header):
    headers = {"Authorization": header} if header else {}
    response = api.get(ev.base, token=None, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(api, ev):
    assert api.get(ev.base).status_code == 200
    revoke_token(token=ev.token_row, actor=ev.organiser, now=utcnow())
    db.session.commit()
    assert api.get(ev.base).status_code == 401


def test_token_of_another_event_is_refused_without_hint(api, ev, factory):
    other = factory.event()
    on_other = api.get(f"/api/v1/events/{other.slug}")
    on_missing = api.get("/api/v1/events/no-such-event")
    assert on_other.status_code == on_missing.status_code == 403
    assert on_other.get_json() == on_missing.get_json()
    assert api.get(f"/api/v1/events/{other.slug}/registrations").status_code == 403


def test_token_stops_working_when_its_creator_is_no_longer_organiser(api, ev):
    ev.event.organisers.remove(ev.organiser)
    db.session.commit()
    assert api.get(ev.base).status_code == 401


def test_last_use_is_recorded(api, ev):
    assert ev.token_row.last_used_at is None
    api.get(ev.base)
    db.session.expire_all()
    assert db.session.get(ApiToken, ev.token_row.id).last_used_at is not None


# Reading


def test_event_detail(api, ev):
    data = api.get(ev.base).get_json()
    assert data["slug"] == ev.event.slug
    assert [s["name"] for s in data["sessions"]] == ["Matin", "Après-midi"]
    assert data["table_count"] == 4
    assert data["published_schedule"] is None


def test_registrations_are_paginated(api, ev):
    first = api.get(f"{ev.base}/registrations?per_page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"])) == (5, 3, 2)
    assert [r["organisation"]["name"] for r in first["items"]] == ["Entreprise 0", "Entreprise 1"]
    last = api.get(f"{ev.base}/registrations?per_page=2&page=3").get_json()
    assert [r["organisation"]["name"] for r in last["items"]] == ["Fournisseur 1"]
    beyond = api.get(f"{ev.base}/registrations?per_page=2&page=9").get_json()
    assert beyond["items"] == []
    providers = api.get(f"{ev.base}/registrations?role=provider").get_json()
    assert providers["total"] == 2
    company = first["items"][0]
    assert company["attendees"][0]["email"] == "p0@example.fr"


@pytest.mark.parametrize(
    "query",
    ["per_page=201", "per_page=0", "page=0", "page=abc", "status=odd"],
    ids=["per-page-too-big", "per-page-zero", "page-zero", "page-text", "bad-status"],
)
def test_registrations_bad_parameters_are_422(api, ev, query):
    response = api.get(f"{ev.base}/registrations?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


def test_meetings_before_publication_are_empty(api, ev):
    assert api.get(f"{ev.base}/meetings").get_json() == {"schedule": None, "meetings": []}


# Import

ROWS = [
    {
        "name": "Boulangerie Dupont",
        "kind": "company",
        "sector_code": "C",
        "representatives": 2,
        "max_meetings": 6,
        "attendees": [{"name": "Jeanne Dupont", "email": "Jeanne@Dupont.fr", "job_title": "CEO"}],
    },
    {"name": "Vision IA", "kind": "provider", "status": "pending"},
]


def _import(api, ev, rows):
    response = api.post(f"{ev.base}/registrations/import", json={"rows": rows})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_import_creates_then_is_idempotent(api, ev):
    first = _import(api, ev, ROWS)
    assert [r["status"] for r in first["rows"]] == ["created", "created"]
    assert first["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}
    counts = (_count(Organisation), _count(Registration))
    again = _import(api, ev, ROWS)
    assert [r["status"] for r in again["rows"]] == ["unchanged", "unchanged"]
    assert [r["registration_id"] for r in again["rows"]] == [
        r["registration_id"] for r in first["rows"]
    ]
    assert (_count(Organisation), _count(Registration)) == counts
    registration = db.session.get(Registration, first["rows"][0]["registration_id"])
    assert registration.status is RegistrationStatus.APPROVED
    assert registration.role.value == "seeker"
    assert (registration.representatives, registration.max_meetings) == (2, 6)
    assert [a.email for a in registration.attendees] == ["jeanne@dupont.fr"]
    assert registration.organisation.sector_code == "C"
    provider = db.session.get(Registration, first["rows"][1]["registration_id"])
    assert (provider.role.value, provider.status.value) == ("provider", "pending")


def test_import_updates_and_reuses_organisation_by_folded_name(api, ev):
    existing = ev.companies[0]
    row = {
        "name": "  ENTREPRISE   0 ",
        "kind": "company",
        "max_meetings": 3,
        "attendees": [{"name": "Personne Zéro", "email": "p0@example.fr"}],
    }
    result = _import(api, ev, [row])["rows"][0]
    assert (result["status"], result["registration_id"]) == ("updated", existing.id)
    db.session.expire_all()
    registration = db.session.get(Registration, existing.id)
    assert registration.max_meetings == 3
    assert [a.name for a in registration.attendees] == ["Personne Zéro"]
    assert registration.organisation.name == "Entreprise 0"
    assert _import(api, ev, [row])["rows"][0]["status"] == "unchanged"


def test_import_reports_row_errors_and_imports_the_other_rows(api, ev):
    rows = [
        {"name": "Secteur Inconnu", "kind": "company", "sector_code": "ZZ"},
        {"kind": "company"},
        {
            "name": "Mauvais Mail",
            "kind": "company",
            "attendees": [{"name": "X", "email": "not-an-email"}],
        },
        {"name": "Fournisseur 0", "kind": "company"},
        "not an object",
        {"name": "Bonne Ligne", "kind": "provider", "colour": "blue"},
        {"name": "Très Bonne Ligne", "kind": "provider", "representatives": 0},
        {"name": "Correcte", "kind": "provider", "region_code": "11", "size_code": "PME"},
    ]
    result = _import(api, ev, rows)
    fields = [[e["field"] for e in r["errors"]] for r in result["rows"]]
    assert fields == [
        ["sector_code"],
        ["name"],
        ["attendees[0].email"],
        ["kind"],
        ["row"],
        ["colour"],
        ["representatives"],
        [],
    ]
    assert "ZZ" in result["rows"][0]["errors"][0]["message"]
    assert [r["status"] for r in result["rows"]][-1] == "created"
    assert result["summary"]["error"] == 7
    names = set(db.session.scalars(sa.select(Organisation.name)))
    assert "Correcte" in names and "Secteur Inconnu" not in names and "Mauvais Mail" not in names


def test_import_same_organisation_twice_in_one_request(api, ev):
    row = {"name": "Doublon", "kind": "company"}
    result = _import(api, ev, [row, dict(row, name="doublon")])
    assert [r["status"] for r in result["rows"]] == ["created", "unchanged"]


@pytest.mark.parametrize(
    ("body", "status"),
    [({"rows": "x"}, 422), ([], 422), ({"rows": [{}] * 1001}, 422)],
    ids=["rows-not-list", "not-object", "too-many-rows"],
)
def test_import_bad_body(api, ev, body, status):
    response = api.post(f"{ev.base}/registrations/import", json=body)
    assert response.status_code == status


def test_malformed_json_is_400_json(api, ev):
    response = api.post(
        f"{ev.base}/registrations/import", data="{rows: [", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_non_json_body_is_415_json(api, ev):
    response = api.post(f"{ev.base}/registrations/import", data={"rows": "x"})
    assert response.status_code == 415


def test_unknown_url_and_wrong_method_answer_json(client, ev):
    headers = {"Authorization": f"Bearer {ev.token}"}
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete(ev.base, headers=headers)
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]


# Runs and publication


def test_run_through_the_api_then_publish(api, ev, outbox):
    response = api.post(f"{ev.base}/runs", json={"time_limit_s": 5})
    assert response.status_code == 202
    run_id = response.get_json()["id"]
    assert response.headers["Location"] == f"{ev.base}/runs/{run_id}"
    run = _wait_for_run(run_id)
    assert run.status is RunStatus.SUCCEEDED, run.error
    data = api.get(f"{ev.base}/runs/{run_id}").get_json()
    assert data["status"] == "succeeded"
    schedule_id = data["schedule"]["id"]
    published = api.post(f"{ev.base}/schedules/{schedule_id}/publish")
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    meetings = api.get(f"{ev.base}/meetings").get_json()
    assert meetings["schedule"]["id"] == schedule_id
    assert len(meetings["meetings"]) == 6
    assert {p["role"] for p in meetings["meetings"][0]["parties"]} == {"seeker", "provider"}
    assert outbox.last("p0@example.fr")  # participants hear about it, as from the web page
    again = api.post(f"{ev.base}/schedules/{schedule_id}/publish")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "not_draft"
    assert api.get(ev.base).get_json()["published_schedule"]["id"] == schedule_id


def test_publishing_a_draft_older_than_the_newest_is_refused_with_its_reason(api, ev):
    response = api.post(f"{ev.base}/runs", json={"time_limit_s": 5})
    run = _wait_for_run(response.get_json()["id"])
    assert run.status is RunStatus.SUCCEEDED, run.error
    older = db.session.scalar(db.select(Schedule).where(Schedule.run_id == run.id))
    db.session.add(Schedule(event=ev.event, version=older.version + 1))  # a newer draft
    db.session.commit()
    refused = api.post(f"{ev.base}/schedules/{older.id}/publish")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "not_newest"
    assert "newer draft" in error["message"]
    assert db.session.get(Schedule, older.id).status is ScheduleStatus.DRAFT


def test_run_refused_while_another_is_active(api, ev):
    db.session.add(ScheduleRun(event=ev.event, status=RunStatus.RUNNING))
    db.session.commit()
    response = api.post(f"{ev.base}/runs", json={})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "run_active"


@pytest.mark.parametrize("value", [1, 5000, "60", True], ids=["low", "high", "text", "bool"])
def test_run_bad_time_limit_is_422(api, ev, value):
    assert api.post(f"{ev.base}/runs", json={"time_limit_s": value}).status_code == 422
    assert _count(ScheduleRun) == 0


def test_run_and_schedule_of_another_event_are_404(api, ev, factory):
    other = factory.event()
    run = ScheduleRun(event=other, status=RunStatus.SUCCEEDED)
    schedule = Schedule(event=other, run=run, version=1)
    db.session.add_all([run, schedule])
    db.session.commit()
    assert api.get(f"{ev.base}/runs/{run.id}").status_code == 404
    assert api.post(f"{ev.base}/schedules/{schedule.id}/publish").status_code == 404
    assert db.session.get(Schedule, schedule.id).status is ScheduleStatus.DRAFT


def test_publish_of_a_failed_run_draft_is_409(api, ev):
    run = ScheduleRun(event=ev.event, status=RunStatus.FAILED)
    schedule = Schedule(event=ev.event, run=run, version=1)
    db.session.add_all([run, schedule])
    db.session.commit()
    response = api.post(f"{ev.base}/schedules/{schedule.id}/publish")
    assert response.status_code == 409
    assert response.get_json()["error"]["message"]


# CSRF and the OpenAPI document


def test_api_needs_no_csrf_but_token_page_does(database_url, ev):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post(
        f"{ev.base}/registrations/import",
        json={"rows": [{"name": "Sans CSRF", "kind": "company"}]},
        headers={"Authorization": f"Bearer {ev.token}"},
    )
    assert response.status_code == 200
    page = client.post(f"/organisateur/evenements/{ev.event.slug}/api/", data={"name": "x"})
    assert page.status_code == 400
    with app.app_context():
        db.engine.dispose()


def test_openapi_documents_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document == openapi_document()
    assert document["openapi"].startswith("3.1")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (path, method)
    from jsonschema import Draft202012Validator

    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_thousand_rows_import_then_too_large_body_is_413(api, ev):
    rows = [
        {
            "name": f"Entreprise importée {n}",
            "kind": "company",
            "attendees": [{"name": f"Personne {n}", "email": f"p{n}@import.example.fr"}],
        }
        for n in range(1000)
    ]
    started = time.monotonic()
    result = _import(api, ev, rows)
    assert result["summary"]["created"] == 1000
    assert time.monotonic() - started < 60
    assert _import(api, ev, rows)["summary"]["unchanged"] == 1000
    huge = {"rows": [{"name": "x" * 5000, "kind": "company"}] * 1000}
    response = api.post(f"{ev.base}/registrations/import", json=huge)
    assert response.status_code == 413


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
ROW_VALUES = st.fixed_dictionaries(
    {},
    optional={
        key: JSON_VALUES | st.sampled_from(["company", "provider", "C", "PME", "11", "approved"])
        for key in ("name", "kind", "sector_code", "size_code", "region_code", "status")
    }
    | {
        "representatives": JSON_VALUES,
        "max_meetings": JSON_VALUES,
        "attendees": st.lists(
            st.fixed_dictionaries({}, optional={"name": JSON_VALUES, "email": JSON_VALUES}),
            max_size=2,
        )
        | JSON_VALUES,
    },
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW_VALUES | JSON_VALUES, max_size=4), query=st.text(max_size=12))
def test_no_input_gives_a_500_or_html(api, ev, rows, query):
    result = api.post(f"{ev.base}/registrations/import", json={"rows": rows})
    assert result.status_code == 200
    assert len(result.get_json()["rows"]) == len(rows)
    page = api.get(f"{ev.base}/registrations", query_string={"page": query, "per_page": query})
    assert page.status_code in (200, 422)
    run = api.post(f"{ev.base}/runs", json={"time_limit_s": rows})
    assert run.status_code == 422


def test_import_refuses_control_characters(api, ev):
    rows = [
        {"name": "Nul\x00SAS", "kind": "company"},
        {"name": "Ok", "kind": "company", "attendees": [{"name": "A\x07", "email": "a@b.fr"}]},
    ]
    result = _import(api, ev, rows)
    assert [[e["field"] for e in r["errors"]] for r in result["rows"]] == [
        ["name"],
        ["attendees[0].name"],
    ]
