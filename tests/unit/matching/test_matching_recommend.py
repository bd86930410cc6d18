"""Capacity-aware recommendations against the naive top-k."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from matching import (
    CompanyProfile,
    Match,
    ProviderProfile,
    by_provider,
    naive_top_k,
    recommend,
    recommend_from_matrix,
    schedulable_share,
    score_matrix,
)
from matching.synth import make_event

NEED = frozenset({"sales.chatbot"})


def crowd(n: int) -> list[CompanyProfile]:
    return [CompanyProfile(id=f"c{k}", use_cases=NEED, sector="C") for k in range(n)]


def star_and_others(star_capacity: int = 2) -> list[ProviderProfile]:
    star = ProviderProfile(
        id="star", use_cases=NEED, sectors_served=frozenset("C"), capacity=star_capacity
    )
    others = [ProviderProfile(id=f"p{k}", use_cases=NEED) for k in range(3)]
    return [star, *others]


def loads(recs) -> Counter:
    return Counter(m.provider_id for matches in recs.values() for m in matches)


@pytest.fixture(scope="module")
def skewed():
    event = make_event(240, 40, seed=3)
    return event, score_matrix(event.companies, event.providers)


def test_recommend_caps_star_provider():
    recs = recommend(crowd(10), star_and_others(star_capacity=2), per_company=1, alpha=1.5)
    assert loads(recs)["star"] == 3


def test_recommend_every_company_listed_and_sorted():
    recs = recommend(crowd(6), star_and_others(), per_company=3)
    assert list(recs) == [f"c{k}" for k in range(6)]
    for matches in recs.values():
        assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_recommend_per_provider_caps_further():
    recs = recommend(crowd(10), star_and_others(star_capacity=14), per_company=2, per_provider=4)
    assert max(loads(recs).values()) == 4


def test_recommend_capacity_zero_is_never_recommended():
    recs = recommend(crowd(5), star_and_others(star_capacity=0), per_company=4)
    assert loads(recs)["star"] == 0


def test_recommend_min_score_excludes_weak_pairs():
    providers = [ProviderProfile(id="off-topic", use_cases=frozenset({"hr.training"}))]
    assert recommend(crowd(2), providers, min_score=0.1) == {"c0": [], "c1": []}


@pytest.mark.parametrize(
    ("companies", "providers"),
    [([], []), (crowd(2), []), ([], star_and_others())],
    ids=["empty", "no-providers", "no-companies"],
)
def test_recommend_empty_event(companies, providers):
    assert recommend(companies, providers) == {c.id: [] for c in companies}


@pytest.mark.parametrize(
    ("use_cases", "on_topic_only", "expected"),
    [(NEED, True, []), (NEED, False, ["filler"]), (frozenset(), True, ["filler"])],
    ids=["gated", "ungated", "no-use-cases"],
)
def test_recommend_on_topic_only_excludes_fillers(use_cases, on_topic_only, expected):
    companies = [CompanyProfile(id="c", use_cases=use_cases, sector="C", size="PME")]
    filler = ProviderProfile(
        id="filler",
        use_cases=frozenset({"hr.training"}),
        sectors_served=frozenset("C"),
        sizes_served=frozenset({"PME"}),
    )
    recs = recommend(companies, [filler], on_topic_only=on_topic_only)
    assert [m.provider_id for m in recs["c"]] == expected


def test_recommend_close_text_is_on_topic_without_shared_use_case():
    company = CompanyProfile(id="c", use_cases=NEED, text="vision industrielle des soudures")
    provider = ProviderProfile(id="p", text="Vision industrielle : contrôle des soudures")
    assert [m.provider_id for m in recommend([company], [provider])["c"]] == ["p"]


def test_recommend_per_company_zero():
    assert recommend(crowd(2), star_and_others(), per_company=0) == {"c0": [], "c1": []}


@pytest.mark.parametrize(
    "options",
    [{"per_company": -1}, {"per_provider": -1}, {"alpha": -0.5}, {"fairness": -1.0}],
    ids=["per_company", "per_provider", "alpha", "fairness"],
)
def test_recommend_negative_options_raise(options):
    with pytest.raises(ValueError, match="must be >= 0"):
        recommend(crowd(1), star_and_others(), **options)


def test_recommend_respects_caps_on_skewed_event(skewed):
    event, matrix = skewed
    recs = recommend_from_matrix(matrix, per_company=5, alpha=1.5)
    load = loads(recs)
    assert all(load[p.id] <= math.ceil(1.5 * p.capacity) for p in event.providers)
    assert all(len(matches) <= 5 for matches in recs.values())


def test_recommend_improves_schedulable_share_over_naive(skewed):
    event, matrix = skewed
    naive = schedulable_share(naive_top_k(matrix, per_company=5), event.providers)
    spread = schedulable_share(recommend_from_matrix(matrix, per_company=5), event.providers)
    assert spread > naive + 0.2


def test_recommend_fairness_leaves_nobody_out(skewed):
    _, matrix = skewed
    unfair = recommend_from_matrix(matrix, per_company=5, fairness=0.0)
    fair = recommend_from_matrix(matrix, per_company=5)
    empty = [sum(not m for m in recs.values()) for recs in (unfair, fair)]
    assert empty[1] <= empty[0]


def test_recommend_is_deterministic(skewed):
    _, matrix = skewed
    assert recommend_from_matrix(matrix) == recommend_from_matrix(matrix)


def test_recommend_naive_is_top_k_when_capacity_is_ample():
    providers = [ProviderProfile(id=f"p{k}", use_cases=NEED, capacity=100) for k in range(4)]
    companies = crowd(3)
    matrix = score_matrix(companies, providers)
    assert recommend(companies, providers, per_company=2) == naive_top_k(matrix, per_company=2)


def match(company: str, provider: str, score: float = 0.5) -> Match:
    return Match(company, provider, score)


def test_by_provider_mirrors_recommendations():
    recs = {"c1": [match("c1", "a", 0.4)], "c2": [match("c2", "b"), match("c2", "a", 0.9)]}
    providers = [ProviderProfile(id=pid) for pid in ("a", "b", "idle")]
    assert by_provider(recs, providers) == {
        "a": [match("c2", "a", 0.9), match("c1", "a", 0.4)],
        "b": [match("c2", "b")],
        "idle": [],
    }


@pytest.mark.parametrize(
    ("recs", "expected"),
    [
        ({}, 1.0),
        ({"c1": [match("c1", "a")], "c2": [match("c2", "a")]}, 0.5),
        ({"c1": [match("c1", "a"), match("c1", "b")]}, 0.5),
        ({"c1": [match("c1", "b"), match("c1", "gone")]}, 0.0),
    ],
    ids=["nothing", "over-capacity", "capacity-zero", "unknown-provider"],
)
def test_schedulable_share(recs, expected):
    providers = [ProviderProfile(id="a", capacity=1), ProviderProfile(id="b", capacity=0)]
    assert schedulable_share(recs, providers) == expected


def test_recommend_all_capacities_zero():
    providers = [ProviderProfile(id=f"p{k}", use_cases=NEED, capacity=0) for k in range(3)]
    assert recommend(crowd(2), providers) == {"c0": [], "c1": []}
