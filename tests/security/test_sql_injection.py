"""SQL injection strings in searches and filters: never a server error, never extra rows.

Runs on SQLite (FTS5 MATCH) and, with TEST_DATABASE_URL, on PostgreSQL (websearch_to_tsquery).
"""

from __future__ import annotations

import pytest

from app.models import Organisation, Solution, db
from app.models.enums import OrganisationKind
from app.services.catalogue import search_terms
from tests.security.world import module_world

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "1; DROP TABLE solution; --",
    '\') UNION SELECT id, email, password_hash FROM "user" --',
    "%' OR '%'='",
    "%",
    "_",
    "*",
    "\\",
    '"',
    "NEAR(a b)",
    "a OR b AND NOT c",
    "-x",
    "col:value",
    "\x00",
    "é' OR 'é'='é",
    "x" * 5000,
    "9223372036854775808",  # past the database's integers
    "-99999999999999999999",
]
# Words that appear in the world's solutions: no injection string contains them.
SECRET = "Secretissime"  # an unpublished solution: never listed
PUBLISHED = ("Zorglub", "Quetzal")


@pytest.fixture(scope="module")
def world(database_url):
    for world in module_world(database_url, roles=("anonymous", "participant", "organiser")):
        with world.app.app_context():
            org = db.session.get(Organisation, world.values["org_id"])
            org.directory_consent = True
            db.session.add_all(
                [
                    Solution(provider=org, name="Zorglub vision", summary="A", published=True),
                    Solution(provider=org, name="Quetzal parole", summary="B", published=True),
                    Solution(provider=org, name=SECRET, summary="C", published=False),
                    Organisation(
                        name="Hidden SAS", kind=OrganisationKind.COMPANY, directory_consent=True
                    ),
                ]
            )
            db.session.commit()
        yield world


def _ids(payload):
    return repr(payload[:20])


@pytest.mark.parametrize("payload", INJECTIONS, ids=_ids)
def test_catalogue_search(world, payload):
    client = world.client("anonymous")
    response = client.get("/catalogue/", query_string={"q": payload})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert SECRET not in body
    listed = {name for name in PUBLISHED if name in body}
    if response.status_code != 200:
        return
    if any(len(term) >= 4 and term.isalpha() for term in search_terms(payload)):
        # Real words ("DROP", "UNION", "solution"...) that no solution contains: nothing found.
        assert listed == set(), "an injection string matched solutions without their words"
    else:
        # Only punctuation, digits or stop words: the same as an empty search (all or nothing
        # depending on the engine), never a partial, unexplained set.
        assert listed in (set(), set(PUBLISHED))


def test_catalogue_search_finds_legitimately(world):
    """The control: a real word finds its solution (so the test above can fail)."""
    body = world.client("anonymous").get("/catalogue/?q=zorglub").get_data(as_text=True)
    assert "Zorglub" in body and "Quetzal" not in body


@pytest.mark.parametrize("payload", INJECTIONS, ids=_ids)
@pytest.mark.parametrize(
    "name", ["sector", "size", "use_case", "technology", "hosting", "region", "page"]
)
def test_catalogue_filters(world, payload, name):
    response = world.client("anonymous").get("/catalogue/", query_string={name: payload})
    assert response.status_code == 200
    assert SECRET not in response.get_data(as_text=True)


@pytest.mark.parametrize("payload", INJECTIONS, ids=_ids)
def test_directory_filters(world, payload):
    client = world.client("participant")
    url = f"/evenements/{world.values['slug']}/participants"
    for name in ("role", "sector", "use_case", "size"):
        response = client.get(url, query_string={name: payload})
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        assert "Hidden SAS" not in body and "Autre PME" not in body  # not at this event


@pytest.mark.parametrize("payload", INJECTIONS, ids=_ids)
def test_other_lists_and_filters(world, payload):
    slug = world.values["slug"]
    checks = [
        ("participant", f"/evenements/{slug}/rendez-vous/", {"statut": payload}),
        ("organiser", f"/organisateur/evenements/{slug}/inscriptions", {"q": payload}),
        ("organiser", f"/organisateur/evenements/{slug}/demandes", {"statut": payload}),
        ("organiser", f"/organisateur/evenements/{slug}/planning/", {"echanger": payload}),
        (
            "organiser",
            f"/organisateur/evenements/{slug}/exports/rendez-vous.csv",
            {"version": payload},
        ),
        (
            "organiser",
            f"/organisateur/configuration/evenements/{slug}/sessions/modifier",
            {"session": payload},
        ),
    ]
    for role, url, args in checks:
        response = world.client(role).get(url, query_string=args)
        # 400 only for a number past the database's integers.
        allowed = (200, 400, 404) if payload.lstrip("-").isdigit() else (200, 404)
        assert response.status_code in allowed, (url, response.status_code)


@pytest.mark.parametrize("payload", INJECTIONS, ids=_ids)
def test_api_filters(world, payload):
    client = world.app.test_client()
    headers = {"Authorization": f"Bearer {world.api_token}"}
    url = f"/api/v1/events/{world.values['slug']}/registrations"
    for name in ("status", "role", "page", "per_page"):
        response = client.get(url, query_string={name: payload}, headers=headers)
        assert response.status_code == 422, (name, response.status_code)
    # A token made of injection text is just a wrong token.
    response = client.get(url, headers={"Authorization": f"Bearer {payload[:200]}"})
    assert response.status_code == 401


def test_nul_character_in_a_form_or_path_is_refused(world):
    """Found by this suite: on PostgreSQL a NUL in a form field or a slug was a server error."""
    client = world.client("participant")
    response = client.post(
        f"/espace/organisations/{world.values['org_id']}", data={"name": "A\x00B"}
    )
    assert response.status_code == 400
    assert client.get("/evenements/salon%00ia").status_code == 404
    with world.app.app_context():
        assert db.session.get(Organisation, world.values["org_id"]).name == "Fournisseur IA"
