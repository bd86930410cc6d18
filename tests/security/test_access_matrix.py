"""Access-control matrix: every route of the URL map × every role × every method.

The expected outcome of each cell comes from explicit rules (URL conventions, first match
wins) and a short table of exceptions. A route that no rule matches fails the test with a
message asking the developer to classify it, so a new route cannot escape the matrix.

Outcomes: "ok" (allowed: any answer but a refusal or a server error; a POST with an empty
form may be a 400 or a redirect), "login" (302 to the login page), "401", "403", "404".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.routing import AnyConverter

from app.models import Organisation, Registration, Schedule, Solution, db
from app.models.base import utcnow
from app.models.enums import RegistrationStatus, ScheduleStatus
from tests.security.world import ROLES, module_world

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
# Sent with every refused state-changing request: if a check were missing, data would change.
HIJACK = {
    "name": "Hijacked",
    "title": "Hijacked",
    "email": "x@example.com",
    "message": "x",
    "decision": "decline",
}


@dataclass(frozen=True)
class Policy:
    name: str
    expect: dict[str, str]  # role -> expected outcome


def _policy(name: str, default: str, **roles: str) -> Policy:
    return Policy(name, {role: roles.get(role, default) for role in ROLES})


PUBLIC = _policy("public", "ok")
SIGNED_IN = _policy("signed-in", "ok", anonymous="login")
# The JSON API authenticates with a bearer token only: a session cookie is not enough.
TOKEN_API = _policy("API token only", "401")
ORGANISER = _policy("organiser of the event", "403", anonymous="login", organiser="ok", admin="ok")
ADMIN = _policy("administrator", "403", anonymous="login", admin="ok")
# A participant's pages about the event (requests, agenda, badge, on-site, feedback...): the
# registered participant only; organisers use their own pages under /organisateur.
OWN_PARTICIPATION = _policy("own participation", "403", anonymous="login", participant="ok")
# Pages shared by the participants of an event and its organisers (and admins).
PARTICIPANT_OR_ORGANISER = _policy(
    "participant or organiser of the event",
    "403",
    anonymous="login",
    participant="ok",
    organiser="ok",
    admin="ok",
)
# Pages of one organisation (/espace/organisations/<org_id>/...): its members only.
ORGANISATION_MEMBER = _policy(
    "member of the organisation", "403", anonymous="login", participant="ok"
)

# URL conventions, first match wins: (regex on the rule, policy).
RULES: list[tuple[str, Policy]] = [
    (r"^/static/", PUBLIC),
    (r"^/api/v1/openapi\.json$", PUBLIC),
    (r"^/api/", TOKEN_API),
    (r"^/organisateur/configuration/nouveau$", ADMIN),
    (r"^/organisateur/configuration/evenements/<slug>/organisateurs", ADMIN),
    (r"^/organisateur/(configuration/)?evenements/<slug>(/|$)", ORGANISER),
    (r"^/espace/logos/", PUBLIC),  # logos appear on public catalogue pages
    (r"^/espace/organisations/<int:org_id>(/|$)", ORGANISATION_MEMBER),
    (r"^/espace(/|$)", SIGNED_IN),
    (r"^/compte/(parametres|supprimer|mes-donnees)", SIGNED_IN),
    (r"^/compte/", PUBLIC),  # sign-up, login, logout, reset, confirmation links
    (r"^/calendrier/<token>\.ics$", PUBLIC),  # the secret token in the URL authenticates
    (r"^/calendrier/inscriptions/<int:reg_id>/", OWN_PARTICIPATION),
    (r"^/calendrier$", SIGNED_IN),
    (r"^/catalogue/", PUBLIC),
    (r"^/(langue|healthz)?$", PUBLIC),
    (r"^/evenements/<slug>$", PUBLIC),
    (r"^/evenements/<slug>/ecran\b", PUBLIC),  # the now/next screen shown in the hall
    (r"^/evenements/<slug>/inscription$", SIGNED_IN),  # anyone signed in may register
    (r"^/evenements/<slug>/inscription/<int:reg_id>", OWN_PARTICIPATION),
    (r"^/evenements/<slug>/", OWN_PARTICIPATION),
]

# Endpoints whose behaviour differs from their URL's convention, with the reason.
EXCEPTIONS: dict[str, Policy] = {
    # The directory of participants: organisers see it too.
    "registration.participants": PARTICIPANT_OR_ORGANISER,
    # Accepting an invitation to organise: anyone signed in opens it; the token and the
    # invited address decide (tests/web/test_event_setup.py).
    "eventsetup.join": SIGNED_IN,
    # Listing the events one organises: any organiser (of any event) or an admin.
    "eventsetup.index": _policy(
        "organiser of any event",
        "403",
        anonymous="login",
        organiser="ok",
        other_organiser="ok",
        admin="ok",
    ),
}


def policy_for(endpoint: str, rule: str) -> Policy:
    if endpoint in EXCEPTIONS:
        return EXCEPTIONS[endpoint]
    for pattern, policy in RULES:
        if re.search(pattern, rule):
            return policy
    pytest.fail(
        f"{endpoint} ({rule}) matches no access rule: classify it in RULES or EXCEPTIONS of "
        "tests/security/test_access_matrix.py (public, signed-in, participant, organiser...)"
    )


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code == 302 and response.headers["Location"].startswith("/compte/connexion"):
        return "login"
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    return "ok"


@pytest.fixture(scope="module")
def world(database_url):
    yield from module_world(database_url)


# Query strings some pages need to show something (else they answer 404 to everyone).
QUERIES = {"eventsetup.session_edit": "session"}
# URL values specific to one endpoint: {endpoint: {argument: world value name or literal}}.
ENDPOINT_VALUES = {
    "matchmaking.withdraw": {"request_id": "own_request_id"},  # only the sender withdraws
    "onsite.set_absence": {"action": "=present"},
}


def route_values(rule, values: dict) -> dict:
    """The world's value for each argument; for `any(...)`, the world's if allowed, else one."""
    overrides = ENDPOINT_VALUES.get(rule.endpoint, {})
    values = {
        **values,
        **{k: v[1:] if v.startswith("=") else values[v] for k, v in overrides.items()},
    }
    result = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter) and values.get(name) not in converter.items:
            result[name] = sorted(converter.items)[0]
        else:
            result[name] = values[name]
    return result


def routes(app, values) -> Iterator[tuple[str, str, str, str]]:
    """(endpoint, rule, method, url) for every rule and method of the URL map."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        choices = {n for n, c in rule._converters.items() if isinstance(c, AnyConverter)}
        missing = set(rule.arguments) - set(values) - choices
        assert not missing, (
            f"{rule.endpoint}: give test values for {sorted(missing)} in "
            "tests/security/world.py (World.values)"
        )
        url = adapter.build(rule.endpoint, route_values(rule, values))
        if rule.endpoint in QUERIES:
            name = QUERIES[rule.endpoint]
            url += f"?{name}={values[name]}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, rule.rule, method, url


def test_every_route_is_classified(world):
    unclassified = []
    for endpoint, rule, _method, _url in routes(world.app, world.values):
        try:
            policy_for(endpoint, rule)
        except pytest.fail.Exception as exc:
            unclassified.append(str(exc))
    assert unclassified == []


def _check(world, role: str, methods: tuple[str, ...]) -> list[str]:
    client = world.client(role)
    failures = []
    for endpoint, rule, method, url in routes(world.app, world.values):
        if method not in methods:
            continue
        expected = policy_for(endpoint, rule).expect[role]
        if method != "GET" and expected == "ok":
            continue  # allowed state changes are exercised by the feature tests
        response = client.open(url, method=method, data=HIJACK if method != "GET" else None)
        got = outcome(response)
        response.close()
        if got != expected:
            failures.append(f"{role} {method} {url} ({endpoint}): expected {expected}, got {got}")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(world, role):
    failures = _check(world, role, ("GET",))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_state_changing_matrix(world, role):
    """Every refused POST/PUT/PATCH/DELETE is refused before anything changes."""
    failures = _check(world, role, STATE_CHANGING)
    assert not failures, "\n".join(failures)
    with world.app.app_context():
        names = set(db.session.scalars(db.select(Organisation.name)))
        assert "Hijacked" not in names
        assert db.session.scalar(db.select(db.func.count()).select_from(Solution)) == 1
        statuses = set(db.session.scalars(db.select(Registration.status)))
        assert RegistrationStatus.CANCELLED not in statuses


def test_ids_beyond_the_database_integers_are_refused(world):
    """Found by schemathesis: /…/<int:id> with 2**63 overflowed the driver (500). In a path:
    no such page (404); in a query string (?session=…): a bad request (400)."""
    marker = 987654321
    values = {
        k: (marker if isinstance(v, int) and not isinstance(v, bool) else v)
        for k, v in world.values.items()
    }
    client = world.client("admin")
    failures = []
    for endpoint, _rule, method, url in routes(world.app, values):
        if str(marker) not in url:
            continue
        for huge in (2**31, 2**63, 10**30):
            response = client.open(url.replace(str(marker), str(huge)), method=method)
            # In a query string: not found, or too big for the database (400).
            expected = (400, 404) if endpoint in QUERIES else (404,)
            if response.status_code not in expected:
                failures.append(f"{method} {url} ({endpoint}) with {huge}: {response.status_code}")
    assert not failures, "\n".join(failures)


# Allowed state changes run last, on a world of their own (they change it): the ones that end
# the session or remove the actor's access come at the very end.
LAST = ("registration.cancel", "eventsetup.organiser_remove", "auth.delete_account", "auth.logout")
# Form data without which an allowed POST is (rightly) refused: the item it acts on.
POST_DATA = {
    "agenda.note": {"registration_id": "reg_id", "meeting_uid": "uid", "text": "=Note"},
    "eventsetup.table_edit": {"item_id": "table_id", "label": "=T9"},
}


@pytest.fixture(scope="module")
def allowed_world(database_url, world):
    # After the tests of `world` (this module runs in file order): its rows are replaced.
    for allowed in module_world(database_url):
        with allowed.app.app_context():  # published, so meetings take notes
            schedule = db.session.get(Schedule, allowed.values["schedule_id"])
            schedule.status, schedule.published_at = ScheduleStatus.PUBLISHED, utcnow()
            db.session.commit()
        yield allowed


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_allowed_state_changes_are_not_refused(allowed_world, role):
    """Where the matrix says "ok", a POST (empty form) is answered, never refused or a 500."""
    client = allowed_world.client(role)
    cells = [
        (endpoint, method, url)
        for endpoint, rule, method, url in routes(allowed_world.app, allowed_world.values)
        if method in STATE_CHANGING and policy_for(endpoint, rule).expect[role] == "ok"
    ]
    cells.sort(key=lambda cell: LAST.index(cell[0]) if cell[0] in LAST else -1)
    failures = []
    for endpoint, method, url in cells:
        data = {
            k: v[1:] if v.startswith("=") else allowed_world.values[v]
            for k, v in POST_DATA.get(endpoint, {}).items()
        }
        response = client.open(url, method=method, data=data)
        got = outcome(response)
        response.close()
        if got != "ok":
            failures.append(f"{role} {method} {url} ({endpoint}): expected ok, got {got}")
    assert not failures, "\n".join(failures)
