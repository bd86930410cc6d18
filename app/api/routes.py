"""The JSON API /api/v1: events, registrations (read, bulk import), meetings, runs, publish.

Every view is authenticated by `token_required`, which passes the token's event; the acting
user is the organiser who created the token. Errors are `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, request, url_for
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app import realtime
from app.api.auth import error_response, http_error_response, token_required
from app.api.openapi import openapi_document
from app.api.serializers import (
    event_json,
    meeting_json,
    registration_json,
    run_json,
    schedule_json,
)
from app.extensions import csrf, limiter
from app.jobs import enqueue_run, send_publication_emails_later
from app.models import Event, Organisation, Registration, Schedule, ScheduleRun, db
from app.models.enums import RegistrationRole, RegistrationStatus
from app.services import ServiceError
from app.services.imports import MAX_ROWS, import_registrations
from app.services.optimiser import publish_schedule, start_run
from app.services.schedules import published_schedule, schedule_meetings

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated, no cookies: cross-site forgery does not apply
# Per client address (a per-token budget would let a guesser try tokens without limit);
# enough for a client polling a run every second. Over the limit: a JSON 429.
API_LIMITS = "120 per minute;3000 per hour"
limiter.limit(API_LIMITS)(bp)

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S, DEFAULT_TIME_LIMIT_S = 5, 1800, 60

# ServiceError codes -> (HTTP status, message) for machine clients.
SERVICE_ERRORS = {
    "forbidden": (403, "The token's creator is not an organiser of this event."),
    "run-active": (409, "A run is already queued or running for this event."),
    "no-slots": (409, "The event has no meeting slots yet."),
    "no-slot-left": (409, "Every slot of the event has started or is blocked."),
    "not-draft": (409, "Only a draft schedule can be published."),
    "not-newest": (409, "A newer draft exists: only the newest draft can be published."),
    "run-not-succeeded": (409, "This draft comes from a run that did not succeed."),
    "empty-schedule": (409, "This draft has no meeting: there is nothing to publish."),
    "published-meanwhile": (409, "Another schedule was published at the same moment."),
    "too-many-rows": (422, f"At most {MAX_ROWS} rows per import."),
}


def _service_error(error: ServiceError):
    db.session.rollback()
    status, message = SERVICE_ERRORS.get(str(error), (409, "This action is not possible."))
    return error_response(status, message, code=str(error).replace("-", "_"))


@bp.before_app_request
def _routing_errors():
    """Unknown /api/v1 URLs and wrong methods answer in JSON, not the site's HTML pages."""
    error = request.routing_exception
    if isinstance(error, RequestRedirect):
        return None
    if error is not None and (request.path + "/").startswith(bp.url_prefix + "/"):
        return http_error_response(error)
    return None


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return http_error_response(error)


@bp.errorhandler(500)
def _server_error(_error):
    db.session.rollback()
    return error_response(500, "Internal error.")


def _json_body() -> dict[str, Any]:
    """The request body as a JSON object (malformed JSON is a 400, another type a 422)."""
    body = request.get_json(silent=False) if request.content_length else {}
    if not isinstance(body, dict):
        raise _Invalid("The request body must be a JSON object.")
    return body


class _Invalid(Exception):
    """A request that is well-formed JSON but not what the endpoint expects (422)."""


@bp.errorhandler(_Invalid)
def _invalid(error: _Invalid):
    return error_response(422, str(error))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
        raise _Invalid(f"{name} must be an integer from {low} to {high}.")
    return int(raw)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/events/<slug>")
@token_required
def event_detail(event: Event):
    return jsonify(event_json(event, published=published_schedule(event)))


@bp.get("/events/<slug>/registrations")
@token_required
def registrations(event: Event):
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    query = (
        sa.select(Registration)
        .join(Organisation)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.attendees), selectinload(Registration.organisation))
        .order_by(Organisation.name_key, Registration.id)
    )
    for name, enum in (("status", RegistrationStatus), ("role", RegistrationRole)):
        value = request.args.get(name)
        if value is not None:
            if value not in {m.value for m in enum}:
                raise _Invalid(f"Unknown {name} {value!r}.")
            query = query.where(getattr(Registration, name) == enum(value))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return jsonify(
        items=[registration_json(r) for r in pagination.items],
        page=page,
        per_page=per_page,
        total=pagination.total,
        pages=pagination.pages,
    )


@bp.post("/events/<slug>/registrations/import")
@token_required
def import_rows(event: Event):
    rows = _json_body().get("rows")
    if not isinstance(rows, list):
        raise _Invalid('The body must be {"rows": [...]}.')
    try:
        results = import_registrations(event=event, actor=g.api_actor, rows=rows)
        db.session.commit()
    except ServiceError as exc:
        return _service_error(exc)
    summary = {key: 0 for key in ("created", "updated", "unchanged", "error")}
    for result in results:
        summary[result.status] += 1
    return jsonify(
        summary=summary,
        rows=[
            {
                "row": r.row,
                "status": r.status,
                "errors": r.errors,
                "registration_id": r.registration_id,
            }
            for r in results
        ],
    )


@bp.get("/events/<slug>/meetings")
@token_required
def meetings(event: Event):
    schedule = published_schedule(event)
    items = schedule_meetings(schedule) if schedule is not None else []
    return jsonify(schedule=schedule_json(schedule), meetings=[meeting_json(m) for m in items])


def _run_response(run: ScheduleRun, status: int = 200):
    schedule = db.session.scalar(sa.select(Schedule).where(Schedule.run_id == run.id))
    response = jsonify(run_json(run, schedule=schedule))
    response.status_code = status
    return response


@bp.post("/events/<slug>/runs")
@token_required
def start(event: Event):
    body = _json_body()
    time_limit = body.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
    if isinstance(time_limit, float) and time_limit.is_integer():
        time_limit = int(time_limit)  # JSON has one number type: 16.0 is the integer 16
    if (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, int)
        or not MIN_TIME_LIMIT_S <= time_limit <= MAX_TIME_LIMIT_S
    ):
        raise _Invalid(
            f"time_limit_s must be an integer from {MIN_TIME_LIMIT_S} to {MAX_TIME_LIMIT_S}."
        )
    try:
        run = start_run(
            event=event,
            actor=g.api_actor,
            time_limit_s=time_limit,
            workers=current_app.config["SOLVER_WORKERS"],
        )
        db.session.commit()
    except ServiceError as exc:
        return _service_error(exc)
    enqueue_run(run)
    response = _run_response(run, 202)
    response.headers["Location"] = url_for(".run_detail", slug=event.slug, run_id=run.id)
    return response


@bp.get("/events/<slug>/runs/<int:run_id>")
@token_required
def run_detail(event: Event, run_id: int):
    run = db.session.get(ScheduleRun, run_id)
    if run is None or run.event_id != event.id:
        return error_response(404, "No such run in this event.")
    return _run_response(run)


@bp.post("/events/<slug>/schedules/<int:schedule_id>/publish")
@token_required
def publish(event: Event, schedule_id: int):
    schedule = db.session.get(Schedule, schedule_id)
    if schedule is None or schedule.event_id != event.id:
        return error_response(404, "No such schedule in this event.")
    try:
        publish_schedule(schedule=schedule, actor=g.api_actor)
        db.session.commit()
    except ServiceError as exc:
        return _service_error(exc)
    realtime.schedule_published(event, schedule.version)  # open agendas update, as in the UI
    send_publication_emails_later(schedule)
    return jsonify(schedule_json(schedule))
