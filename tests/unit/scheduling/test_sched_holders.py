"""Likely holders of the breaks: the participants a core of "no break" names (holders.py)."""

from __future__ import annotations

from scheduling import cpmodel
from scheduling.holders import likely_holders
from scheduling.index import build_index

PEOPLE = [{"id": p} for p in "ABCDEFGH"]


def _holders(problem) -> set[str]:
    index = build_index(problem)
    v = cpmodel.build_model(index)
    found = likely_holders(v, budget=10, workers=1, seed=0)
    names = {pos: pid for pid, pos in index.part_pos.items()}
    return {names[p] for p in found}


def test_names_who_must_break_and_the_trio_that_cannot_all_avoid_it(make):
    # A, B and C meet each other in three slots: one of them idles between two meetings.
    # F meets G only in m1 and H only in m3: F always has a break. D and E never need one.
    problem = make(
        participants=PEOPLE,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True},
            {"id": "bc", "a": "B", "b": "C", "required": True},
            {"id": "ca", "a": "C", "b": "A", "required": True},
            {"id": "de", "a": "D", "b": "E", "required": True},
            {"id": "fg", "a": "F", "b": "G", "required": True, "slots": ["m1"]},
            {"id": "fh", "a": "F", "b": "H", "required": True, "slots": ["m3"]},
        ],
    )
    holders = _holders(problem)
    assert "F" in holders
    assert holders - {"F"}, "the trio's conflict is not named"
    assert holders - {"F"} <= {"A", "B", "C"}


def test_names_nobody_when_everyone_can_meet_without_a_break(make):
    problem = make(
        participants=PEOPLE,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True},
            {"id": "bc", "a": "B", "b": "C", "required": True},
            {"id": "de", "a": "D", "b": "E", "required": True},
        ],
    )
    assert _holders(problem) == set()
