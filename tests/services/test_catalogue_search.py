"""Catalogue search service: whatever the text typed, the search answers (never raises)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Organisation, Solution, db
from app.models.enums import OrganisationKind
from app.services.catalogue import (
    MAX_TERMS,
    CatalogueFilters,
    _fts5_query,
    ensure_search_index,
    search_solutions,
    search_terms,
)


@pytest.fixture
def provider_with_solution(app):
    ensure_search_index(db.engine)
    org = Organisation(kind=OrganisationKind.PROVIDER, name="Énergie Futée", catalogue_consent=True)
    db.session.add(Solution(provider=org, name="Prévision de charge", summary="Réseaux."))
    db.session.add(org)
    db.session.commit()
    return org


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('" OR 1=1 --', ["OR", "1", "1"]),
        ("AND (", ["AND"]),
        ("*", []),
        ("prédictive-maintenance:x", ["prédictive", "maintenance", "x"]),
        ("a " * 50, ["a"] * MAX_TERMS),
    ],
    ids=["sql", "fts-operator", "star", "punctuation", "too-many"],
)
def test_search_terms_keep_words_only(q, expected):
    assert search_terms(q) == expected


def test_fts5_query_quotes_every_term():
    assert _fts5_query(["OR", "NEAR"]) == '"OR"* "NEAR"*'


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(q=st.text(max_size=80))
def test_search_solutions_never_raises(provider_with_solution, q):
    result = search_solutions(q=q, filters=CatalogueFilters(), page=1, per_page=5)
    assert result.total in (0, 1)
    db.session.rollback()


def test_search_solutions_is_accent_and_case_insensitive(provider_with_solution):
    for q in ("PREVISION", "energie futee", "prévision réseaux"):
        result = search_solutions(q=q, filters=CatalogueFilters(), page=1)
        assert [s.name for s in result.items] == ["Prévision de charge"], q
