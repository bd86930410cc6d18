"""Capacity-aware recommendations: spread companies over providers that can meet them.

The plain top-k per company sends most companies to the few star providers covering popular
use cases, while a provider can hold only `capacity` meetings. `recommend` solves a b-matching
with OR-Tools min-cost flow instead: maximise the total score (plus a decreasing bonus per
recommendation of the same company, so nobody is left out) with each company getting at most
`per_company` providers and each provider suggested to at most ceil(alpha x capacity) companies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.matches import row_matches
from matching.model import CompanyProfile, Match, OrgId, ProviderProfile
from matching.scoring import ScoreMatrix, score_matrix
from matching.text import DEFAULT_ANALYZER

Recommendations = dict[OrgId, list[Match]]

DEFAULT_ALPHA = 1.5
DEFAULT_MIN_SCORE = 0.1
DEFAULT_FAIRNESS = 0.5
# Scores are in [0, 1]; min-cost flow needs integer costs.
COST_SCALE = 1_000_000


def provider_caps(
    providers: Sequence[ProviderProfile], alpha: float, per_provider: int | None
) -> list[int]:
    """How many companies each provider may be suggested to."""
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    caps = [math.ceil(alpha * p.capacity) for p in providers]
    if per_provider is not None:
        if per_provider < 0:
            raise ValueError(f"per_provider must be >= 0, got {per_provider}")
        caps = [min(cap, per_provider) for cap in caps]
    return caps


def _candidates(
    matrix: ScoreMatrix, caps: list[int], count: int, min_score: float, topical: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of each company's `count` best usable providers, best first."""
    scores = matrix.scores
    usable = (np.array(caps) > 0)[None, :] & (scores >= min_score) & (scores > 0)
    if topical:
        usable &= matrix.on_topic
    order = np.argsort(-scores, axis=1, kind="stable")
    ranked = np.take_along_axis(usable, order, axis=1)
    keep = ranked & (np.cumsum(ranked, axis=1) <= count)
    rows, positions = np.nonzero(keep)
    return rows, order[rows, positions]


def _solve_flow(
    matrix: ScoreMatrix, caps: list[int], per_company: int, pairs, fairness: float
) -> list[tuple[int, int]]:
    """Pairs (company row, provider column) of a max-value b-matching, arcs added in bulk."""
    n, m = matrix.scores.shape
    source, sink = n + m, n + m + 1
    rows, cols = pairs
    # Decreasing bonus: a company's first suggestion is worth more than its fifth.
    bonus = fairness * (per_company - np.arange(per_company)) / per_company
    open_providers = np.flatnonzero(np.array(caps) > 0)
    total = n * per_company
    tails = [np.full(total, source), rows, n + open_providers, [source]]
    heads = [np.repeat(np.arange(n), per_company), n + cols, np.full(len(open_providers), sink)]
    # The last arc lets unused demand drain, so the solver picks only pairs worth taking.
    heads.append([sink])
    capacities = [np.ones(total), np.ones(len(rows)), np.array(caps)[open_providers], [total]]
    costs = [-np.tile(bonus, n), -matrix.scores[rows, cols], np.zeros(len(open_providers)), [0]]
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int64),
        np.concatenate(heads).astype(np.int64),
        np.concatenate(capacities).astype(np.int64),
        np.rint(np.concatenate(costs) * COST_SCALE).astype(np.int64),
    )
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    chosen = flow.flows(np.arange(total, total + len(rows))) > 0
    return list(zip(rows[chosen].tolist(), cols[chosen].tolist(), strict=True))


def _group(matrix: ScoreMatrix, pairs: Iterable[tuple[int, int]]) -> Recommendations:
    """Matches per company id (every company present), best score first."""
    rows: dict[int, list[tuple[float, int]]] = {i: [] for i in range(len(matrix.companies))}
    for i, j in pairs:
        rows[i].append((-float(matrix.scores[i, j]), j))
    result: Recommendations = {}
    for i, keyed in rows.items():
        columns = [j for _, j in sorted(keyed)]
        result[matrix.companies[i].id] = row_matches(matrix, i, columns)
    return result


def recommend(
    companies: Sequence[CompanyProfile],
    providers: Sequence[ProviderProfile],
    *,
    per_company: int = 5,
    per_provider: int | None = None,
    alpha: float = DEFAULT_ALPHA,
    min_score: float = DEFAULT_MIN_SCORE,
    fairness: float = DEFAULT_FAIRNESS,
    candidates: int | None = None,
    on_topic_only: bool = True,
    analyzer: str = DEFAULT_ANALYZER,
) -> Recommendations:
    """Up to `per_company` providers per company, spread according to provider capacities.

    A provider is suggested to at most ceil(alpha x capacity) companies, and at most
    `per_provider` if given. Only the `candidates` best providers of each company (default
    10 x per_company) are considered, which keeps large events fast. With `on_topic_only`,
    a company that stated use cases only gets providers sharing one or with a close text
    (see `scoring.on_topic`), never mere sector/size fillers.
    """
    matrix = score_matrix(companies, providers, analyzer=analyzer)
    return recommend_from_matrix(
        matrix,
        per_company=per_company,
        per_provider=per_provider,
        alpha=alpha,
        min_score=min_score,
        fairness=fairness,
        candidates=candidates,
        on_topic_only=on_topic_only,
    )


def recommend_from_matrix(
    matrix: ScoreMatrix,
    *,
    per_company: int = 5,
    per_provider: int | None = None,
    alpha: float = DEFAULT_ALPHA,
    min_score: float = DEFAULT_MIN_SCORE,
    fairness: float = DEFAULT_FAIRNESS,
    candidates: int | None = None,
    on_topic_only: bool = True,
) -> Recommendations:
    """`recommend` on an already computed score matrix."""
    if per_company < 0:
        raise ValueError(f"per_company must be >= 0, got {per_company}")
    if fairness < 0:
        raise ValueError(f"fairness must be >= 0, got {fairness}")
    caps = provider_caps(matrix.providers, alpha, per_provider)
    count = candidates if candidates is not None else 10 * per_company
    pairs: list[tuple[int, int]] = []
    if per_company > 0 and matrix.scores.size:
        options = _candidates(matrix, caps, count, min_score, on_topic_only)
        pairs = _solve_flow(matrix, caps, per_company, options, fairness)
    return _group(matrix, pairs)


def naive_top_k(
    matrix: ScoreMatrix, *, per_company: int = 5, min_score: float = DEFAULT_MIN_SCORE
) -> Recommendations:
    """Plain top-k per company, ignoring capacities: the baseline `recommend` improves on."""
    pairs = []
    for i, row in enumerate(matrix.scores):
        order = np.argsort(-row, kind="stable")[:per_company]
        pairs.extend((i, int(j)) for j in order if row[j] >= min_score and row[j] > 0)
    return _group(matrix, pairs)


def by_provider(
    recommendations: Mapping[OrgId, Sequence[Match]], providers: Sequence[ProviderProfile] = ()
) -> Recommendations:
    """Mirror view: the companies suggested to each provider, best score first."""
    result: Recommendations = {p.id: [] for p in providers}
    for matches in recommendations.values():
        for match in matches:
            result.setdefault(match.provider_id, []).append(match)
    for matches in result.values():
        # sort is stable: equal scores keep the companies' order.
        matches.sort(key=lambda match: -match.score)
    return result


def schedulable_share(
    recommendations: Mapping[OrgId, Sequence[Match]], providers: Sequence[ProviderProfile]
) -> float:
    """Share of recommended pairs that provider capacities could hold (1.0 if none)."""
    capacity = {p.id: p.capacity for p in providers}
    load: dict[OrgId, int] = {}
    for matches in recommendations.values():
        for match in matches:
            load[match.provider_id] = load.get(match.provider_id, 0) + 1
    total = sum(load.values())
    if total == 0:
        return 1.0
    held = sum(min(count, capacity.get(pid, 0)) for pid, count in load.items())
    return held / total
