"""check() catches every kind of violation and wrong stats."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduling import check, solve
from scheduling.index import build_index
from scheduling.metrics import compute_stats
from scheduling.model import Assignment, Solution, Stats


def _solution(problem, meetings, status="feasible"):
    meetings = tuple(Assignment(*m) for m in meetings)
    try:
        stats = compute_stats(build_index(problem), meetings)
    except KeyError:  # unknown ids: stats cannot be computed
        stats = Stats()
    return Solution(status, meetings, (), stats)


@pytest.fixture
def problem(make):
    return make(
        tables=[{"id": "T1"}, {"id": "T2"}],
        participants=[
            {"id": "A", "unavailable": ["m3"], "max_meetings": 1},
            {"id": "B", "home_table": "T1"},
            {"id": "C", "capacity": 2},
            {"id": "D"},
        ],
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True},
            {"id": "cd", "a": "C", "b": "D", "slots": ["m1", "m2"]},
            {"id": "ac", "a": "A", "b": "C", "fixed_slot": "m2"},
            {"id": "cb", "a": "C", "b": "B", "after": ["cd"]},
        ],
        objective={"max_break_difference": 0},
    )


def test_check_accepts_valid_solution(problem):
    assert check(problem, _solution(problem, [("ab", "m1", "T1"), ("cd", "m1", "T2")])) == []


CASES = [
    ([("zz", "m1", "T1")], 'meetings[0]: unknown request "zz"'),
    ([("ab", "m1", "T1"), ("ab", "m2", "T1")], 'meetings[1]: request "ab" scheduled twice'),
    ([("ab", "m9", "T1")], 'meetings[0]: unknown slot "m9"'),
    ([("ab", "m1", None)], "meetings[0]: missing or unknown table None"),
    ([("ab", "m3", "T1")], '"ab": A is unavailable in slot "m3"'),
    ([("ab", "m1", "T1"), ("cd", "m3", "T2")], '"cd": slot "m3" is not among its allowed slots'),
    ([("ab", "m1", "T1"), ("ac", "m1", "T2")], '"ac": fixed to "m2", scheduled in "m1"'),
    ([("ab", "m1", "T1"), ("cb", "m1", "T2")], 'B has 2 meetings in slot "m1" (capacity 1)'),
    ([("ab", "m1", "T2")], '"ab": must be at home table "T1"'),
    ([("ab", "m1", "T1"), ("cd", "m1", "T1")], 'table "T1" has 2 meetings in slot "m1"'),
    ([("ab", "m1", "T1"), ("ac", "m2", "T2")], "A has 2 meetings, over its max 1"),
    ([("ab", "m1", "T1"), ("cd", "m2", "T2"), ("cb", "m1", "T1")], '"cb" must come after "cd"'),
    ([("cd", "m1", "T2")], 'required request "ab" is not scheduled'),
    (
        [("ab", "m1", "T1"), ("cb", "m3", "T1")],
        "break counts range from 0 to 1, over the bound 0",
    ),
]


@pytest.mark.parametrize(("meetings", "message"), CASES, ids=[m for _x, m in CASES])
def test_check_reports_violation(problem, meetings, message):
    assert message in check(problem, _solution(problem, meetings))


def test_check_reports_too_many_meetings_per_slot(make):
    problem = make(
        tables=1, requests=[{"id": "r1", "a": "A", "b": "B"}, {"id": "r2", "a": "C", "b": "D"}]
    )
    errors = check(problem, _solution(problem, [("r1", "m1"), ("r2", "m1")]))
    assert errors == ['slot "m1" has 2 meetings but 1 tables']


def test_check_reports_table_given_for_count(make):
    problem = make(requests=[{"id": "r1", "a": "A", "b": "B"}])
    errors = check(problem, _solution(problem, [("r1", "m1", "T1")]))
    assert errors == ["meetings[0]: table given but the problem only counts tables"]


def test_check_reports_wrong_stats(problem):
    good = _solution(problem, [("ab", "m1", "T1")])
    bad = replace(good, stats=replace(good.stats, weight=7, breaks=3, upper_bound_weight=0))
    errors = check(problem, bad)
    assert "stats.weight is 7, recomputed 1" in errors
    assert "stats.breaks is 3, recomputed 0" in errors
    assert "weight 1 exceeds the upper bound 0" in errors


def test_check_accepts_solver_output(problem):
    assert check(problem, solve(problem, time_limit_s=5, workers=1)) == []
