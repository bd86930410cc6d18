"""The two-phase path for large problems and the local break search, on small instances."""

from __future__ import annotations

from dataclasses import replace

import scheduling.solver as solver_module
from scheduling import check, greedy, solve
from scheduling.generate import generate
from scheduling.greedy import greedy_meetings
from scheduling.index import build_index
from scheduling.local import improve_breaks
from scheduling.solver import _breaks


def test_decomposed_solve_passes_check_and_beats_greedy(monkeypatch):
    monkeypatch.setattr(solver_module, "_LARGE", 0)  # force the two-phase path
    problem = generate(30, seed=4)
    solution = solve(problem, time_limit_s=4, workers=1, seed=0)
    assert solution.status == "feasible"
    assert check(problem, solution) == []
    assert solution.stats.weight >= greedy(problem).stats.weight


def test_improve_breaks_keeps_meetings_and_never_adds_breaks():
    index = build_index(generate(60, seed=5))
    start = greedy_meetings(index)
    better = improve_breaks(index, start, deadline=float("inf"))
    assert set(better) == set(start)
    assert _breaks(index, better) <= _breaks(index, start)


def test_compact_greedy_has_fewer_breaks_than_earliest_slot():
    index = build_index(generate(60, seed=5))
    assert _breaks(index, greedy_meetings(index, compact=True)) < _breaks(
        index, greedy_meetings(index)
    )


def test_solve_with_previous_keeps_most_meetings():
    problem = generate(30, seed=6)
    first = solve(problem, time_limit_s=2, workers=1, seed=0)
    again = solve(replace(problem, previous=first.meetings), time_limit_s=2, workers=1)
    assert again.stats.changed_from_previous <= len(first.meetings) // 10
