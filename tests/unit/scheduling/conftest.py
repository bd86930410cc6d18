"""Builders for small scheduling problems used across the scheduling tests."""

from __future__ import annotations

import copy

import pytest

from scheduling import problem_from_dict

BASE = {
    "format": "schedule-problem/1",
    "name": "tiny",
    "slots": [
        {"id": "m1", "session": "morning"},
        {"id": "m2", "session": "morning"},
        {"id": "m3", "session": "morning"},
    ],
    "tables": 5,
    "participants": [{"id": p} for p in ("A", "B", "C", "D")],
    "requests": [],
}


def build(**changes) -> dict:
    """A copy of BASE with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


@pytest.fixture
def make():
    """Build a validated Problem from BASE with top-level keys replaced."""
    return lambda **changes: problem_from_dict(build(**changes))


@pytest.fixture
def raw():
    """Build a problem dict (not validated) from BASE with top-level keys replaced."""
    return build
