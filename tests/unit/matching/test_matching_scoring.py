"""Compatibility scores: ranking, penalties, reasons and edge cases."""

from __future__ import annotations

import pytest

from matching import (
    LANGUAGE_PENALTY,
    WEIGHTS,
    CompanyProfile,
    ProviderProfile,
    Reason,
    score_all,
    score_matrix,
)
from matching.matches import explain

RARE = frozenset({"production.energy", "rnd.design", "hr.training"})
COMMON = "sales.chatbot"


def company(**fields) -> CompanyProfile:
    defaults = {"id": "c1", "use_cases": RARE | {COMMON}, "sector": "C", "size": "PME"}
    return CompanyProfile(**(defaults | fields))


def provider(pid: str, use_cases=frozenset(), **fields) -> ProviderProfile:
    return ProviderProfile(id=pid, use_cases=frozenset(use_cases), **fields)


def common_crowd(n: int = 5) -> list[ProviderProfile]:
    return [provider(f"crowd{k}", {COMMON}) for k in range(n)]


def scores_by_provider(companies, providers) -> dict:
    return {(m.company_id, m.provider_id): m.score for m in score_all(companies, providers)}


def test_weights_sum_to_one():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_score_three_rare_use_cases_beat_one_common():
    providers = [provider("rare", RARE), provider("common", {COMMON}), *common_crowd()]
    scores = scores_by_provider([company()], providers)
    assert scores[("c1", "rare")] > scores[("c1", "common")]


def test_score_rare_use_case_beats_common_one_at_equal_count():
    needs = frozenset({COMMON, "rnd.design"})
    providers = [provider("rare", {"rnd.design"}), provider("common", {COMMON}), *common_crowd()]
    scores = scores_by_provider([company(use_cases=needs)], providers)
    assert scores[("c1", "rare")] > scores[("c1", "common")]


def test_score_language_mismatch_is_penalised():
    providers = [
        provider("fr", RARE, languages=frozenset({"fr"})),
        provider("en", RARE, languages=frozenset({"en"})),
    ]
    scores = scores_by_provider([company()], providers)
    assert scores[("c1", "en")] == pytest.approx(LANGUAGE_PENALTY * scores[("c1", "fr")])


def test_score_language_unknown_side_is_not_penalised():
    providers = [provider("fr", RARE), provider("unknown", RARE, languages=frozenset())]
    scores = scores_by_provider([company()], providers)
    assert scores[("c1", "unknown")] == scores[("c1", "fr")]


def test_reasons_list_shared_use_cases_rarest_first():
    providers = [provider("p", RARE | {COMMON}), *common_crowd()]
    match = score_all([company()], providers, top_k=1)[0]
    assert match.provider_id == "p"
    assert match.reasons[0].code == "use_cases"
    assert match.reasons[0].items == ("hr.training", "production.energy", "rnd.design", COMMON)


def test_reasons_values_add_up_to_score():
    providers = [
        provider("a", RARE, sectors_served=frozenset("C"), languages=frozenset({"en"})),
        provider("b", {COMMON}, sizes_served=frozenset({"PME"}), region="53"),
    ]
    companies = [company(region="53", text="maintenance prédictive"), company(id="c2")]
    for match in score_all(companies, providers):
        assert sum(r.value for r in match.reasons) == pytest.approx(match.score)


def test_reasons_language_penalty_is_negative():
    match = score_all([company()], [provider("en", RARE, languages=frozenset({"en"}))])[0]
    assert [r.code for r in match.reasons] == ["use_cases", "no_common_language"]
    assert match.reasons[-1].value == pytest.approx(match.score - match.score / LANGUAGE_PENALTY)


def test_reasons_every_contributing_component_is_listed():
    full = company(region="53", hosting_wishes=frozenset({"on_premise"}), text="robots soudure")
    rich = provider(
        "p",
        RARE,
        sectors_served=frozenset("C"),
        sizes_served=frozenset({"PME"}),
        region="53",
        hosting=frozenset({"on_premise", "eu_cloud"}),
        text="robots de soudure",
    )
    match = score_all([full], [rich])[0]
    gains = {r.code: r.items for r in match.reasons if r.value > 0}
    assert gains == {
        "use_cases": tuple(sorted(RARE)),
        "text": (),
        "sector": ("C",),
        "size": ("PME",),
        "region": ("53",),
        "hosting": ("on_premise",),
    }


def test_score_all_is_deterministic():
    companies = [company(id=f"c{k}", text=f"besoin {k} é") for k in range(5)]
    providers = [provider(f"p{k}", RARE if k % 2 else {COMMON}, text="offre") for k in range(6)]
    assert score_all(companies, providers) == score_all(companies, providers)


def test_score_all_orders_by_company_then_score():
    providers = [provider("weak", {COMMON}), provider("strong", RARE | {COMMON})]
    matches = score_all([company(), company(id="c2")], providers)
    assert [(m.company_id, m.provider_id) for m in matches] == [
        ("c1", "strong"),
        ("c1", "weak"),
        ("c2", "strong"),
        ("c2", "weak"),
    ]


@pytest.mark.parametrize(
    ("top_k", "min_score", "expected"),
    [(1, 0.0, ["strong"]), (None, 0.5, ["strong"]), (None, 0.0, ["strong", "weak"])],
    ids=["top_k", "min_score", "all"],
)
def test_score_all_filters(top_k, min_score, expected):
    providers = [provider("weak", {COMMON}), provider("strong", RARE | {COMMON})]
    matches = score_all([company()], providers, top_k=top_k, min_score=min_score)
    assert [m.provider_id for m in matches] == expected


def test_edge_company_without_use_cases_or_text_scores_from_profile():
    bare = company(use_cases=frozenset(), text="")
    providers = [provider("served", sectors_served=frozenset("C")), provider("other")]
    matches = {m.provider_id: m for m in score_all([bare], providers)}
    assert matches["served"].score > matches["other"].score
    assert matches["other"].reasons == (Reason("no_needs"), Reason("language", ("fr",)))


def test_edge_company_without_use_cases_but_with_text():
    match = score_all([company(use_cases=frozenset(), text="vision")], [provider("p")])[0]
    assert Reason("no_use_cases") in match.reasons


def test_edge_provider_without_solutions():
    match = score_all([company()], [provider("empty")])[0]
    assert (match.score, match.reasons[0]) == (0.0, Reason("provider_no_use_cases"))


def test_edge_company_with_nothing_scores_zero():
    nothing = CompanyProfile(id="c", languages=frozenset())
    assert [m.score for m in score_all([nothing], [provider("p", RARE)])] == [0.0]


@pytest.mark.parametrize(
    ("companies", "providers"),
    [([], []), ([company()], []), ([], [provider("p")])],
    ids=["empty", "no-providers", "no-companies"],
)
def test_edge_empty_event(companies, providers):
    assert score_all(companies, providers) == []
    assert score_matrix(companies, providers).scores.shape == (len(companies), len(providers))


def test_edge_all_texts_empty():
    companies = [company(text=""), company(id="c2", text="  ... !")]
    providers = [provider("p", RARE, text=""), provider("q", text="le la les")]
    matrix = score_matrix(companies, providers)
    assert matrix.parts["text"].tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_edge_non_ascii_text():
    companies = [company(text="Prévision énergétique 🚀 — 能源 «usine» Œuvre")]
    providers = [provider("p", text="PRÉVISION ENERGETIQUE usine"), provider("q", text="能源")]
    scores = scores_by_provider(companies, providers)
    assert scores[("c1", "p")] > scores[("c1", "q")] > 0.0


@pytest.mark.parametrize(
    ("companies", "providers", "message"),
    [
        ([company(), company()], [], "duplicate company ids: 'c1'"),
        ([], [provider("p"), provider("q"), provider("p")], "duplicate provider ids: 'p'"),
    ],
    ids=["companies", "providers"],
)
def test_edge_duplicate_ids_raise(companies, providers, message):
    with pytest.raises(ValueError) as error:
        score_all(companies, providers)
    assert str(error.value) == message


def test_edge_same_id_for_company_and_provider_is_allowed():
    assert len(score_all([company(id=7)], [provider(7)])) == 1


def test_edge_negative_capacity_raises():
    with pytest.raises(ValueError, match="capacity must be >= 0"):
        provider("p", capacity=-1)


def test_explain_matches_score_all():
    companies, providers = [company()], [provider("a", RARE), provider("b", {COMMON})]
    matrix = score_matrix(companies, providers)
    assert explain(matrix, 0, 1) == score_all(companies, providers)[1]


@pytest.mark.parametrize("analyzer", ["char_wb", "word"], ids=["char_wb", "word"])
def test_score_all_analyzer_option(analyzer):
    companies = [company(text="vision industrielle")]
    providers = [provider("p", text="Vision industrielle"), provider("q", text="recrutement")]
    matches = score_all(companies, providers, analyzer=analyzer)
    assert [m.provider_id for m in matches] == ["p", "q"]
