"""Local search that moves single meetings to free slots when that removes breaks."""

from __future__ import annotations

import time

from .greedy import _State
from .index import Index, count_breaks


def improve_breaks(
    index: Index, slots: dict[int, int], deadline: float, frozen: dict[int, int] | None = None
) -> dict[int, int]:
    """Hill-climb on total breaks; every move keeps all hard constraints (same meetings).

    Meetings whose slot equals their `frozen` slot (the previous schedule's) are not moved."""
    state = _State(index)
    for r, t in slots.items():
        state.place(r, t)
    frozen = frozen or {}
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for r in list(state.slot_of):
            if frozen.get(r) == state.slot_of[r]:
                continue
            if _best_move(state, r):
                improved = True
            if time.monotonic() >= deadline:
                break
    return dict(state.slot_of)


def _best_move(state: _State, r: int) -> bool:
    index = state.index
    old = state.slot_of[r]
    before = _pair_breaks(state, r)
    state.place(r, old, -1)
    best, best_gain = old, 0
    for t in index.allowed[r]:
        if t != old and state.fits(r, t):
            state.place(r, t)
            gain = before - _pair_breaks(state, r)
            state.place(r, t, -1)
            if gain > best_gain:
                best, best_gain = t, gain
    state.place(r, best)
    return best != old


def _pair_breaks(state: _State, r: int) -> int:
    index = state.index
    total = 0
    for p in index.pair(r):
        row = state.load[p]
        total += count_breaks({t for t in range(index.n_slots) if row[t]}, index.sessions)
    return total
