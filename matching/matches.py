"""Explained `Match` objects from a `ScoreMatrix`, and `score_all` for a whole event.

Building Python objects dominates the cost of a large event, so reasons are built one company
row at a time and shared between providers whenever they are equal.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from matching.model import CompanyProfile, Match, ProviderProfile, Reason
from matching.scoring import COMPONENTS, ScoreMatrix, score_matrix
from matching.text import DEFAULT_ANALYZER

_USE_CASES, _TEXT, _SECTOR, _HOSTING, _SIZE, _REGION = range(len(COMPONENTS))
_LANGUAGE = -1  # not a scored component: a multiplier, explained by a note


def _points(reason: Reason) -> float:
    return reason.value


class RowExplainer:
    """Builds the explained matches of one company with some providers (matrix columns).

    Methods take `j`, a position in `columns`, not a column of the matrix.
    """

    def __init__(self, matrix: ScoreMatrix, i: int, columns: Sequence[int]) -> None:
        self.company = company = matrix.companies[i]
        self.providers = [matrix.providers[j] for j in columns]
        self.idf = matrix.idf
        picked = np.asarray(columns, dtype=np.intp)
        # One tuple of component points per provider, built by C loops rather than per pair.
        parts = (matrix.parts[k][i, picked].tolist() for k in COMPONENTS)
        self.values = list(zip(*parts, strict=True))
        self.scores = matrix.scores[i, picked].tolist()
        self.factor = matrix.language_factor[i, picked].tolist()
        self.cache: dict[tuple, Reason] = {}
        fixed = {_SECTOR: company.sector, _SIZE: company.size, _REGION: company.region}
        # Sector, size and region are all-or-nothing: one Reason per company serves every pair.
        self.fixed = {n: (code,) for n, code in fixed.items()}
        self.note: Reason | None = None
        if not company.use_cases:
            self.note = Reason("no_use_cases" if matrix.gave_text[i] else "no_needs")

    def _shared(self, component: int, codes: frozenset[str], value: float) -> Reason:
        """A Reason for a set of shared codes, built once per distinct set."""
        key = (component, codes)
        reason = self.cache.get(key)
        if reason is None:
            if component == _USE_CASES:
                items = tuple(sorted(codes, key=lambda code: (-self.idf.get(code, 0.0), code)))
            else:
                items = tuple(sorted(codes))
            name = COMPONENTS[component] if component >= 0 else "language"
            reason = self.cache[key] = Reason(name, items, value)
        return reason

    def _gain(self, n: int, provider: ProviderProfile, value: float) -> Reason:
        if n == _TEXT:
            return Reason("text", (), value)
        if n == _USE_CASES:
            return self._shared(n, self.company.use_cases & provider.use_cases, value)
        if n == _HOSTING:
            return self._shared(n, self.company.hosting_wishes & provider.hosting, value)
        reason = self.cache.get((n,))
        if reason is None:
            reason = self.cache[(n,)] = Reason(COMPONENTS[n], self.fixed[n], value)
        return reason

    def reasons(self, j: int) -> tuple[Reason, ...]:
        """Contributing components by decreasing points, then notes and the language penalty."""
        values, provider = self.values[j], self.providers[j]
        gains = [self._gain(n, provider, v) for n, v in enumerate(values) if v > 0.0]
        # reverse=True keeps equal values in component order, like a stable descending sort.
        gains.sort(key=_points, reverse=True)
        return (*gains, *self._notes(j, values))

    def _notes(self, j: int, values: tuple[float, ...]) -> list[Reason]:
        provider = self.providers[j]
        notes = [self.note] if self.note else []
        if self.note is None and not provider.use_cases:
            notes.append(Reason("provider_no_use_cases"))
        common = self.company.languages & provider.languages
        if common:
            notes.append(self._shared(_LANGUAGE, common, 0.0))
        elif self.factor[j] < 1.0:
            # Negative points, so that the reasons' values add up to the score.
            notes.append(Reason("no_common_language", (), self.scores[j] - sum(values)))
        return notes

    def match(self, j: int) -> Match:
        """The explained match of this company with its `j`-th provider."""
        provider_id = self.providers[j].id
        return Match(self.company.id, provider_id, self.scores[j], self.reasons(j))


def row_matches(matrix: ScoreMatrix, i: int, columns: Sequence[int]) -> list[Match]:
    """Explained matches of company row `i` with the given provider columns, in that order."""
    explainer = RowExplainer(matrix, i, columns)
    return [explainer.match(n) for n in range(len(columns))]


def explain(matrix: ScoreMatrix, i: int, j: int) -> Match:
    """The explained match of company row `i` and provider column `j`."""
    return row_matches(matrix, i, [j])[0]


def score_all(
    companies: Sequence[CompanyProfile],
    providers: Sequence[ProviderProfile],
    *,
    min_score: float = 0.0,
    top_k: int | None = None,
    analyzer: str = DEFAULT_ANALYZER,
) -> list[Match]:
    """Explained matches of an event, per company (input order) by decreasing score.

    Keeps pairs with score >= `min_score` and at most `top_k` per company (all if None).
    """
    matrix = score_matrix(companies, providers, analyzer=analyzer)
    matches: list[Match] = []
    with _gc_paused():
        for i, row in enumerate(matrix.scores):
            # Stable sort: ties keep the providers' input order, so results are deterministic.
            order = np.argsort(-row, kind="stable")[:top_k]
            kept = order[row[order] >= min_score].tolist()
            matches.extend(row_matches(matrix, i, kept))
    return matches


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of acyclic objects.

    The objects hold no reference cycles, yet each collection pass would scan all of them:
    measured 11 s instead of 7 s for 3,000 x 600 pairs.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
