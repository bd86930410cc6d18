"""The "one break" probe split by who holds the break (scheduling/split.py)."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from scheduling import check, cpmodel, solve
from scheduling.index import build_index
from scheduling.solver import _evaluate, break_free_blocks
from scheduling.split import split_one_break

FIVE_SLOTS = [{"id": f"m{i}", "session": "day"} for i in range(1, 6)]


def _split(problem, holders=None, windows=False):
    index = build_index(problem)
    v = cpmodel.build_model(index)
    holders = holders if holders is not None else range(len(index.part_pos))
    holders = [p for p in holders if v.breaks[p] is not None]
    blocks = break_free_blocks(v, holders) if windows else None
    status, values = split_one_break(
        v.model, v.breaks, holders, blocks=blocks, budget=10, workers=2, seed=0
    )
    if values is None:
        return status, None
    return status, [0 if e is None else _evaluate(e, values) for e in v.breaks]


@pytest.mark.parametrize("windows", [False, True])
def test_split_finds_the_one_participant_holding_the_break(make, windows):
    # A meets B only in m1 and C only in m3: A has one break, nobody else needs one.
    problem = make(
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True, "slots": ["m1"]},
            {"id": "ac", "a": "A", "b": "C", "required": True, "slots": ["m3"]},
            {"id": "cd", "a": "C", "b": "D", "required": True},
        ]
    )
    status, breaks = _split(problem, windows=windows)
    assert status == cp_model.FEASIBLE
    assert breaks == [1, 0, 0, 0]


@pytest.mark.parametrize("windows", [False, True])
def test_split_refutes_one_break_when_one_participant_needs_two(make, windows):
    problem = make(
        slots=FIVE_SLOTS,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True, "slots": ["m1"]},
            {"id": "ac", "a": "A", "b": "C", "required": True, "slots": ["m3"]},
            {"id": "ad", "a": "A", "b": "D", "required": True, "slots": ["m5"]},
        ],
    )
    status, breaks = _split(problem, windows=windows)
    assert status == cp_model.INFEASIBLE
    assert breaks is None


@pytest.mark.parametrize("windows", [False, True])
def test_split_refutes_one_break_when_two_participants_need_one_each(make, windows):
    # A and D each have one break on their own: one break in total is impossible, although
    # each case alone ("only A", "only D") satisfies its own participant.
    problem = make(
        participants=[{"id": p} for p in "ABCDEF"],
        slots=FIVE_SLOTS,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True, "slots": ["m1"]},
            {"id": "ac", "a": "A", "b": "C", "required": True, "slots": ["m3"]},
            {"id": "de", "a": "D", "b": "E", "required": True, "slots": ["m2"]},
            {"id": "df", "a": "D", "b": "F", "required": True, "slots": ["m5"]},
        ],
    )
    status, _ = _split(problem, windows=windows)
    assert status == cp_model.INFEASIBLE


def test_windows_only_for_participants_with_a_known_meeting_count(make):
    # B hosts two tables at once (capacity 2) and C's meeting with D is optional: neither has
    # a known number of busy slots, so neither gets a one-window constraint.
    problem = make(
        participants=[{"id": "A"}, {"id": "B", "capacity": 2}, {"id": "C"}, {"id": "D"}],
        slots=FIVE_SLOTS,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True},
            {"id": "ac", "a": "A", "b": "C", "required": True},
            {"id": "bd", "a": "B", "b": "D", "required": True},
            {"id": "cd", "a": "C", "b": "D", "required": False},
        ],
    )
    v = cpmodel.build_model(build_index(problem))
    blocks = break_free_blocks(v, [p for p, e in enumerate(v.breaks) if e is not None])
    assert sorted(blocks) == [0]
    count, busy = blocks[0]
    assert count == 2 and len(busy) == 5 and all(b is not None for b in busy)


def test_split_with_windows_keeps_every_other_participant_in_one_block(make):
    # Only A may have the break; with the windows, B, C and D each meet in one block.
    problem = make(
        slots=FIVE_SLOTS,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True, "slots": ["m1"]},
            {"id": "ac", "a": "A", "b": "C", "required": True, "slots": ["m4"]},
            {"id": "bd", "a": "B", "b": "D", "required": True},
            {"id": "cd", "a": "C", "b": "D", "required": True},
        ],
    )
    status, breaks = _split(problem, windows=True)
    assert status == cp_model.FEASIBLE
    assert breaks == [1, 0, 0, 0]


def test_solve_with_two_workers_proves_a_single_break_optimal(make):
    # Two workers take the probe path of small models (a quick full-LP run, then the split
    # of "one break" when that run settles nothing); the bound says >= 1 break.
    problem = make(
        slots=FIVE_SLOTS,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True, "slots": ["m1"]},
            {"id": "ac", "a": "A", "b": "C", "required": True, "slots": ["m3", "m4"]},
            {"id": "cd", "a": "C", "b": "D", "required": True},
            {"id": "bd", "a": "B", "b": "D", "required": True},
        ],
    )
    solution = solve(problem, time_limit_s=10, workers=2, seed=0)
    assert solution.status == "optimal"
    assert solution.stats.breaks == 1
    assert check(problem, solution) == []


def test_windows_are_the_runs_of_consecutive_slots_where_one_can_meet():
    # Busy variables in slots 0, 2, 3, 4 (slot 1 unavailable): two meetings without a break
    # fit in slots 2-3 or 3-4 only; three fit in 2-4; four nowhere.
    from scheduling.split import window_starts

    busy = [10, None, 12, 13, 14]
    assert window_starts(2, busy) == [2, 3]
    assert window_starts(3, busy) == [2]
    assert window_starts(4, busy) == []
    assert window_starts(1, busy) == [0, 2, 3, 4]
