"""Properties: scores stay in [0, 1], recommendations never exceed caps."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import CompanyProfile, ProviderProfile, recommend, score_all

CODES = st.frozensets(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=4)
LANGUAGES = st.frozensets(st.sampled_from(["fr", "en", "de"]), max_size=2)
OPTIONAL = st.one_of(st.none(), st.sampled_from(["x", "y"]))
TEXT = st.one_of(
    st.sampled_from(["", "maintenance prédictive", "vision qualité", "de la", "能源 🚀"]),
    st.text(max_size=30),
)


@st.composite
def companies(draw):
    n = draw(st.integers(0, 6))
    return [
        CompanyProfile(
            id=k,
            use_cases=draw(CODES),
            sector=draw(OPTIONAL),
            size=draw(OPTIONAL),
            region=draw(OPTIONAL),
            languages=draw(LANGUAGES),
            hosting_wishes=draw(CODES),
            text=draw(TEXT),
        )
        for k in range(n)
    ]


@st.composite
def providers(draw):
    n = draw(st.integers(0, 5))
    return [
        ProviderProfile(
            id=f"p{k}",
            use_cases=draw(CODES),
            sectors_served=draw(st.frozensets(st.sampled_from(["x", "y"]))),
            sizes_served=draw(st.frozensets(st.sampled_from(["x", "y"]))),
            region=draw(OPTIONAL),
            languages=draw(LANGUAGES),
            hosting=draw(CODES),
            text=draw(TEXT),
            capacity=draw(st.integers(0, 4)),
        )
        for k in range(n)
    ]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(companies(), providers())
def test_property_scores_in_unit_interval(cs, ps):
    matches = score_all(cs, ps)
    assert len(matches) == len(cs) * len(ps)
    assert all(0.0 <= m.score <= 1.0 for m in matches)


@SETTINGS
@given(
    companies(),
    providers(),
    st.integers(0, 4),
    st.one_of(st.none(), st.integers(0, 3)),
    st.floats(0.0, 3.0),
)
def test_property_recommend_never_exceeds_caps(cs, ps, k, per_provider, alpha):
    recs = recommend(cs, ps, per_company=k, per_provider=per_provider, alpha=alpha)
    load = Counter(m.provider_id for matches in recs.values() for m in matches)
    for p in ps:
        cap = math.ceil(alpha * p.capacity)
        assert load[p.id] <= (cap if per_provider is None else min(cap, per_provider))
    assert all(len(matches) <= k for matches in recs.values())
    assert all(len({m.provider_id for m in ms}) == len(ms) for ms in recs.values())


@SETTINGS
@given(companies(), providers())
def test_property_reason_values_add_up_to_score(cs, ps):
    for match in score_all(cs, ps):
        assert abs(sum(r.value for r in match.reasons) - match.score) <= 1e-9


@SETTINGS
@given(companies(), providers(), st.integers(1, 4))
def test_property_recommend_lists_sorted_and_repeatable(cs, ps, k):
    recs = recommend(cs, ps, per_company=k)
    for matches in recs.values():
        scores = [m.score for m in matches]
        assert scores == sorted(scores, reverse=True)
    assert recommend(cs, ps, per_company=k) == recs
