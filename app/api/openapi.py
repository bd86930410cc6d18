"""The OpenAPI 3.1 document of /api/v1 (its schemas are JSON Schema 2020-12).

Response schemas are strict (`additionalProperties: false`, every field required): a test
validates the API's answers against them, so the document cannot drift from the behaviour.
"""

from __future__ import annotations

from functools import cache

from app.services.imports import MAX_ATTENDEES, MAX_ROWS

STRING, INTEGER = {"type": "string"}, {"type": "integer"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, *, required: list[str] | None = None, strict: bool = True) -> dict:
    """An object schema; all properties required unless `required` says otherwise."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
    if strict:
        schema["additionalProperties"] = False
    return schema


def nullable(name: str) -> dict:
    return {"oneOf": [ref(name), {"type": "null"}]}


def enum(*values: str) -> dict:
    return {"type": "string", "enum": list(values)}


SCHEMAS = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": {**STRING, "description": "Stable machine-readable code."},
                    "message": STRING,
                }
            )
        }
    ),
    "Session": obj({"id": INTEGER, "name": STRING, "starts_at": DATE_TIME, "ends_at": DATE_TIME}),
    "Schedule": obj(
        {
            "id": INTEGER,
            "version": INTEGER,
            "status": enum("draft", "published", "superseded"),
            "run_id": {"type": ["integer", "null"]},
            "published_at": NULLABLE_DATE_TIME,
        }
    ),
    "Event": obj(
        {
            "id": INTEGER,
            "slug": STRING,
            "title": STRING,
            "status": enum(
                "draft",
                "registration_open",
                "matchmaking",
                "scheduling",
                "published",
                "live",
                "closed",
            ),
            "timezone": STRING,
            "starts_on": {"type": "string", "format": "date"},
            "ends_on": {"type": "string", "format": "date"},
            "venue": STRING,
            "city": STRING,
            "format": enum("home_tables", "free_tables"),
            "meeting_minutes": INTEGER,
            "pause_minutes": INTEGER,
            "sessions": {"type": "array", "items": ref("Session")},
            "slot_count": INTEGER,
            "table_count": INTEGER,
            "published_schedule": nullable("Schedule"),
        }
    ),
    "Attendee": obj({"id": INTEGER, "name": STRING, "email": STRING, "job_title": STRING}),
    "Organisation": obj(
        {
            "id": INTEGER,
            "name": STRING,
            "kind": enum("company", "provider"),
            "sector_code": NULLABLE_STRING,
            "size_code": NULLABLE_STRING,
            "region_code": NULLABLE_STRING,
        }
    ),
    "Registration": obj(
        {
            "id": INTEGER,
            "organisation": ref("Organisation"),
            "role": enum("seeker", "provider"),
            "status": enum("pending", "approved", "rejected", "cancelled"),
            "representatives": INTEGER,
            "max_meetings": {"type": ["integer", "null"]},
            "attendees": {"type": "array", "items": ref("Attendee")},
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
        }
    ),
    "RegistrationPage": obj(
        {
            "items": {"type": "array", "items": ref("Registration")},
            "page": INTEGER,
            "per_page": INTEGER,
            "total": INTEGER,
            "pages": INTEGER,
        }
    ),
    "ImportAttendee": obj(
        {
            "name": {**STRING, "maxLength": 120},
            "email": {**STRING, "format": "email", "maxLength": 254},
            "job_title": {**STRING, "maxLength": 120, "description": "Kept if omitted."},
        },
        required=["name", "email"],
    ),
    "ImportRow": obj(
        {
            "name": {
                **STRING,
                "maxLength": 200,
                "description": "Organisation name; an existing organisation with the same "
                "name (ignoring case, accents and spaces) is reused.",
            },
            "kind": enum("company", "provider"),
            "sector_code": {**STRING, "description": "Sector (NAF section) code."},
            "size_code": {**STRING, "description": "Company size code (TPE, PME, ETI, GE)."},
            "region_code": {**STRING, "description": "Region INSEE code."},
            "representatives": {"type": "integer", "minimum": 1, "maximum": 10},
            "max_meetings": {"type": ["integer", "null"], "minimum": 0, "maximum": 200},
            "attendees": {
                "type": "array",
                "maxItems": MAX_ATTENDEES,
                "items": ref("ImportAttendee"),
                "description": "People added or renamed; nobody is removed by an import.",
            },
            "status": {
                **enum("pending", "approved", "rejected", "cancelled"),
                "description": "Default for a new registration: approved.",
            },
        },
        required=["name", "kind"],
    ),
    "ImportRequest": obj(
        {"rows": {"type": "array", "maxItems": MAX_ROWS, "items": ref("ImportRow")}}
    ),
    "RowError": obj({"field": STRING, "message": STRING}),
    "RowResult": obj(
        {
            "row": {**INTEGER, "description": "Index of the row in the request, from 0."},
            "status": enum("created", "updated", "unchanged", "error"),
            "errors": {"type": "array", "items": ref("RowError")},
            "registration_id": {"type": ["integer", "null"]},
        }
    ),
    "ImportResult": obj(
        {
            "summary": obj(
                {"created": INTEGER, "updated": INTEGER, "unchanged": INTEGER, "error": INTEGER}
            ),
            "rows": {"type": "array", "items": ref("RowResult")},
        }
    ),
    "Meeting": obj(
        {
            "id": INTEGER,
            "uid": {**STRING, "description": "Stable across schedule versions."},
            "sequence": INTEGER,
            "status": enum("scheduled", "cancelled", "held", "no_show"),
            "slot": obj({"id": INTEGER, "starts_at": DATE_TIME, "ends_at": DATE_TIME}),
            "table": {
                "oneOf": [obj({"id": INTEGER, "label": STRING, "zone": STRING}), {"type": "null"}]
            },
            "parties": {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": obj(
                    {
                        "registration_id": INTEGER,
                        "organisation": STRING,
                        "role": enum("seeker", "provider"),
                    }
                ),
            },
        }
    ),
    "MeetingList": obj(
        {
            "schedule": nullable("Schedule"),
            "meetings": {"type": "array", "items": ref("Meeting")},
        }
    ),
    "RunRequest": obj(
        {"time_limit_s": {"type": "integer", "minimum": 5, "maximum": 1800, "default": 60}},
        required=[],
    ),
    "Run": obj(
        {
            "id": INTEGER,
            "status": enum("queued", "running", "succeeded", "failed", "cancelled"),
            "parameters": {"type": "object"},
            "progress": {"type": "object", "description": "Live figures while running."},
            "stats": {"type": "object", "description": "Result statistics when finished."},
            "error": STRING,
            "created_at": DATE_TIME,
            "started_at": NULLABLE_DATE_TIME,
            "finished_at": NULLABLE_DATE_TIME,
            "schedule": {
                **nullable("Schedule"),
                "description": "The draft this run produced, once it succeeded.",
            },
        }
    ),
}

SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": STRING,
    "description": "The event of the token.",
}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": INTEGER}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    texts = {
        400: "Malformed JSON.",
        401: "Missing, invalid or revoked token.",
        403: "The token is for another event.",
        404: "Not found.",
        409: "Conflict with the current state.",
        413: "The body is over the size limit (4 MB).",
        415: "The body is not JSON.",
        422: "Invalid parameters or body.",
        429: "Too many requests from this address: wait and retry (see Retry-After).",
        503: "Every database connection is busy; nothing was done: retry (see Retry-After).",
    }
    return {str(code): _json(ref("Error"), texts[code]) for code in codes}


def _operation(summary: str, op_id: str, responses: dict, **extra) -> dict:
    """An operation; every one may answer 429 (rate limit per address) or 503 (busy)."""
    return {
        "summary": summary,
        "operationId": op_id,
        "responses": responses | _errors(429, 503),
        **extra,
    }


PATHS = {
    "/api/v1/openapi.json": {
        "get": _operation(
            "This document",
            "getOpenapi",
            {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {}}}},
            security=[],
        )
    },
    "/api/v1/events/{slug}": {
        "parameters": [SLUG],
        "get": _operation(
            "The event: dates, sessions, published schedule",
            "getEvent",
            {"200": _json(ref("Event"), "The event.")} | _errors(401, 403),
        ),
    },
    "/api/v1/events/{slug}/registrations": {
        "parameters": [SLUG],
        "get": _operation(
            "Registrations, by organisation name, paginated",
            "listRegistrations",
            {"200": _json(ref("RegistrationPage"), "One page.")} | _errors(401, 403, 422),
            parameters=[
                {
                    "name": "page",
                    "in": "query",
                    "schema": {**INTEGER, "minimum": 1, "maximum": 1_000_000, "default": 1},
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {**INTEGER, "minimum": 1, "maximum": 200, "default": 50},
                },
                {
                    "name": "status",
                    "in": "query",
                    "schema": enum("pending", "approved", "rejected", "cancelled"),
                },
                {"name": "role", "in": "query", "schema": enum("seeker", "provider")},
            ],
        ),
    },
    "/api/v1/events/{slug}/registrations/import": {
        "parameters": [SLUG],
        "post": _operation(
            "Create or update registrations in bulk (idempotent, per-row report)",
            "importRegistrations",
            {"200": _json(ref("ImportResult"), "One result per row, in order.")}
            | _errors(400, 401, 403, 413, 415, 422),
            requestBody={
                "required": True,
                "content": {"application/json": {"schema": ref("ImportRequest")}},
            },
        ),
    },
    "/api/v1/events/{slug}/meetings": {
        "parameters": [SLUG],
        "get": _operation(
            "Meetings of the published schedule (cancelled ones included)",
            "listMeetings",
            {"200": _json(ref("MeetingList"), "Empty with a null schedule before publication.")}
            | _errors(401, 403),
        ),
    },
    "/api/v1/events/{slug}/runs": {
        "parameters": [SLUG],
        "post": _operation(
            "Start an optimiser run in the background",
            "startRun",
            {"202": _json(ref("Run"), "The queued run; follow its Location.")}
            | _errors(400, 401, 403, 409, 415, 422),
            requestBody={
                "required": False,
                "content": {"application/json": {"schema": ref("RunRequest")}},
            },
        ),
    },
    "/api/v1/events/{slug}/runs/{run_id}": {
        "parameters": [SLUG, _path_id("run_id")],
        "get": _operation(
            "A run: status, progress, statistics, the draft it produced",
            "getRun",
            {"200": _json(ref("Run"), "The run.")} | _errors(401, 403, 404),
        ),
    },
    "/api/v1/events/{slug}/schedules/{schedule_id}/publish": {
        "parameters": [SLUG, _path_id("schedule_id")],
        "post": _operation(
            "Publish a draft schedule (the previous version is superseded)",
            "publishSchedule",
            {"200": _json(ref("Schedule"), "The published schedule.")}
            | _errors(401, 403, 404, 409),
        ),
    },
}


@cache
def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AI Meetings API",
            "version": "1.0.0",
            "description": "Read an event, its registrations and meetings; import registrations;"
            " run the optimiser and publish. A token is created by an organiser on the event's"
            " API page and works for that event only.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
