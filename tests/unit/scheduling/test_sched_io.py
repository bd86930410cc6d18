"""JSON format: round trips and malformed-input messages."""

from __future__ import annotations

import json

import pytest

from scheduling import (
    ProblemError,
    Solution,
    Stats,
    dump_problem,
    load_problem,
    problem_from_dict,
    problem_to_dict,
    solution_from_dict,
    solution_to_dict,
)
from scheduling.generate import generate
from scheduling.io import parse_problem
from scheduling.model import Assignment, Unscheduled


def test_problem_round_trip_equal_on_synthetic_instance(tmp_path):
    problem = generate(40, seed=2)
    path = tmp_path / "p.json"
    dump_problem(problem, path)
    assert load_problem(path) == problem
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(problem)))) == problem


def test_problem_round_trip_with_every_field(raw):
    data = raw(
        tables=[{"id": "T1", "zone": "A"}, {"id": "T2"}],
        participants=[
            {"id": "A", "kind": "seeker", "capacity": 2, "max_meetings": 3, "unavailable": ["m3"]},
            {"id": "B", "home_table": "T1"},
        ],
        requests=[
            {"id": "r1", "a": "A", "b": "B", "weight": 3, "required": True, "slots": ["m1"]},
            {"id": "r2", "a": "A", "b": "B", "fixed_slot": "m2", "after": ["r1"]},
        ],
        objective={"max_break_difference": 1},
        previous=[{"request": "r1", "slot": "m1", "table": "T1"}],
    )
    problem = problem_from_dict(data)
    assert problem_from_dict(problem_to_dict(problem)) == problem
    assert problem.participants[0].unavailable == ("m3",)
    assert problem.requests[1].after == ("r1",)


def test_solution_round_trip_equal():
    solution = Solution(
        "feasible",
        (Assignment("r1", "m1", "T1"), Assignment("r2", "m2")),
        (Unscheduled("r3", "no slot where both are free"),),
        Stats(weight=4, meetings=2, breaks=1, upper_bound_weight=9, wall_seconds=1.5),
        ("a note",),
    )
    assert solution_from_dict(json.loads(json.dumps(solution_to_dict(solution)))) == solution


BAD = [
    (
        {"requests": [{"id": "r1", "a": "A", "b": "P99"}]},
        'requests[0].b: unknown participant "P99"',
    ),
    (
        {"participants": [{"id": "A"}, {"id": "A"}]},
        'participants[1].id: duplicate participant id "A"',
    ),
    ({"slots": [{"id": "m1"}, {"id": "m1"}]}, 'slots[1].id: duplicate slot id "m1"'),
    (
        {"requests": [{"id": "r1", "a": "A", "b": "B", "slots": ["zz"]}]},
        'requests[0].slots[0]: unknown slot "zz"',
    ),
    (
        {"requests": [{"id": "r1", "a": "A", "b": "B", "weight": 0}]},
        "requests[0].weight: must be at least 1, got 0",
    ),
    (
        {"requests": [{"id": "r1", "a": "A", "b": "B", "weight": -2}]},
        "requests[0].weight: must be at least 1, got -2",
    ),
    (
        {"requests": [{"id": "r1", "a": "A", "b": "B", "weight": "3"}]},
        'requests[0].weight: expected an integer, got "3"',
    ),
    (
        {"requests": [{"id": "r1", "a": "A", "b": "A"}]},
        'requests[0].b: a participant cannot meet itself ("A")',
    ),
    (
        {"requests": [{"id": "r1", "a": "A", "b": "B", "after": ["r9"]}]},
        'requests[0].after[0]: unknown request "r9"',
    ),
    ({"participants": [{"id": "A", "capacity": True}]}, "participants[0].capacity: expected an"),
    ({"participants": [{"id": "A", "colour": "red"}]}, "participants[0].colour: unknown key"),
    (
        {"participants": [{"id": "A", "unavailable": ["x"]}]},
        'participants[0].unavailable[0]: unknown slot "x"',
    ),
    (
        {"participants": [{"id": "A", "home_table": "T1"}]},
        'participants[0].home_table: unknown table "T1"',
    ),
    ({"tables": "many"}, "tables: expected a list of tables or an integer count"),
    ({"extra": 1}, "extra: unknown key"),
    ({"format": "other/9"}, 'format: expected "schedule-problem/1"'),
    ({"previous": [{"request": "r0", "slot": "m1"}]}, 'previous[0].request: unknown request "r0"'),
    (
        {"objective": {"max_break_difference": -1}},
        "objective.max_break_difference: must be at least 0",
    ),
    ({"slots": {"id": "m1"}}, "slots: expected a list, got an object"),
]


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m for _c, m in BAD])
def test_problem_from_dict_malformed_names_path(raw, changes, message):
    with pytest.raises(ProblemError) as excinfo:
        problem_from_dict(raw(**changes))
    assert str(excinfo.value).startswith(message)


def test_problem_missing_required_key_is_an_error(raw):
    data = raw()
    del data["requests"]
    with pytest.raises(ProblemError, match="requests: missing"):
        problem_from_dict(data)


def test_parse_problem_bad_json_is_a_problem_error():
    with pytest.raises(ProblemError, match="bad JSON at line 1"):
        parse_problem("{not json")


def test_problem_error_is_a_value_error():
    assert issubclass(ProblemError, ValueError)


def test_solution_from_dict_rejects_unknown_status():
    with pytest.raises(ProblemError, match="status: expected one of"):
        solution_from_dict({"status": "great"})
