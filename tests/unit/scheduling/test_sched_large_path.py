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


def test_improve_breaks_never_moves_a_meeting_at_its_previous_slot():
    index = build_index(generate(60, seed=5))
    start = greedy_meetings(index)
    frozen = dict(list(start.items())[::2])  # every other meeting "was published here"
    better = improve_breaks(index, start, deadline=float("inf"), frozen=frozen)
    assert all(better[r] == t for r, t in frozen.items())
    assert _breaks(index, better) <= _breaks(index, start)


def test_decomposed_resolve_after_cancellations_keeps_nearly_every_meeting(monkeypatch):
    # Re-solves rank stability above breaks: after two participants leave, the others'
    # published meetings stay where they were (tables included).
    monkeypatch.setattr(solver_module, "_LARGE", 0)  # force the two-phase path
    problem = generate(40, seed=7)
    first = solve(problem, time_limit_s=4, workers=1, seed=0)
    gone = {problem.participants[0].id, problem.participants[-1].id}
    requests = tuple(r for r in problem.requests if r.a not in gone and r.b not in gone)
    ids = {r.id for r in requests}
    previous = tuple(m for m in first.meetings if m.request in ids)
    smaller = replace(
        problem,
        participants=tuple(p for p in problem.participants if p.id not in gone),
        requests=tuple(replace(r, after=tuple(a for a in r.after if a in ids)) for r in requests),
        previous=previous,
    )
    again = solve(smaller, time_limit_s=4, workers=1, seed=0)
    assert check(smaller, again) == []
    now = {(m.request, m.slot, m.table) for m in again.meetings}
    kept = sum((m.request, m.slot, m.table) in now for m in previous)
    assert kept >= 0.9 * len(previous)


def test_hint_completion_leaves_the_model_free_to_improve(make):
    # The start (greedy) fills m1 with the weight-1 meeting; the completion narrows domains
    # in place and must restore them, or the solver could not move it for the weight-5 one.
    problem = make(
        slots=[{"id": "m1"}, {"id": "m2"}],
        requests=[
            {"id": "ab", "a": "A", "b": "B", "weight": 1},
            {"id": "ac", "a": "A", "b": "C", "weight": 5, "slots": ["m1"]},
            {"id": "ad", "a": "A", "b": "D", "weight": 5, "slots": ["m2"]},
        ],
        previous=[{"request": "ab", "slot": "m1"}],
    )
    solution = solve(problem, time_limit_s=4, workers=1, seed=0)
    assert {m.request for m in solution.meetings} == {"ac", "ad"}
    assert solution.stats.weight == 10
