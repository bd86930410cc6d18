"""Greedy baseline: required first, then highest weight first, each at its earliest free slot."""

from __future__ import annotations

import time

from .bounds import upper_bound_index
from .explain import unscheduled_reasons
from .index import Index, build_index, count_breaks
from .metrics import compute_stats
from .model import Problem, Solution
from .tables import assign_tables


class _State:
    """Loads of participants, slots and forced tables while placing meetings."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.load = [[0] * index.n_slots for _ in index.part_pos]
        self.count = [0] * len(index.part_pos)
        self.slot_load = [0] * index.n_slots
        self.table_used: set[tuple[int, int]] = set()
        self.slot_of: dict[int, int] = {}
        self.succs: dict[int, list[int]] = {}
        for r, preds in enumerate(index.preds):
            for q in preds:
                self.succs.setdefault(q, []).append(r)

    def fits(self, r: int, t: int) -> bool:
        """Can request r be placed in slot t given what is already placed?"""
        ix = self.index
        if self.slot_load[t] >= ix.problem.table_count:
            return False
        for p in ix.pair(r):
            cap_m = ix.max_meetings(p)
            if self.load[p][t] >= ix.capacity(p) or (cap_m is not None and self.count[p] >= cap_m):
                return False
        k = ix.forced_table[r]
        if k is not None and (k, t) in self.table_used:
            return False
        if any(self.slot_of.get(q, -1) >= t for q in ix.preds[r]):
            return False
        return all(self.slot_of.get(s, ix.n_slots) > t for s in self.succs.get(r, ()))

    def place(self, r: int, t: int, sign: int = 1) -> None:
        """Add (sign=1) or remove (sign=-1) request r at slot t."""
        for p in self.index.pair(r):
            self.load[p][t] += sign
            self.count[p] += sign
        self.slot_load[t] += sign
        k = self.index.forced_table[r]
        if sign > 0:
            self.slot_of[r] = t
            if k is not None:
                self.table_used.add((k, t))
        else:
            del self.slot_of[r]
            self.table_used.discard((k, t))


def greedy_meetings(index: Index, start=(), *, compact: bool = False) -> dict[int, int]:
    """Request index -> slot index; `start` assignments (e.g. previous) are placed first.

    Each request goes to its earliest feasible slot, or with `compact` to the feasible slot
    that adds the fewest breaks (then next to existing meetings, then earliest)."""
    state = _State(index)
    for a in start:
        r, t = index.req_pos.get(a.request), index.slot_pos.get(a.slot)
        if r is not None and t in index.allowed[r] and r not in state.slot_of and state.fits(r, t):
            state.place(r, t)
    reqs = index.problem.requests
    order = sorted(range(len(reqs)), key=lambda r: (not reqs[r].required, -reqs[r].weight, r))
    for r in order:
        if r in state.slot_of:
            continue
        fits = [t for t in index.allowed[r] if state.fits(r, t)]
        t = min(fits, key=lambda t: _compact_cost(state, r, t)) if compact and fits else None
        t = t if t is not None else next(iter(fits), None)
        if t is not None:
            state.place(r, t)
    _repair_breaks(index, state)
    return dict(state.slot_of)


def _compact_cost(state: _State, r: int, t: int) -> tuple[int, int, int]:
    """(breaks added, minus neighbours already busy, slot) of placing request r in slot t."""
    index = state.index
    session = next(s for s in index.sessions if t in s)
    added = lonely = 0
    for p in index.pair(r):
        row = state.load[p]
        busy = {u for u in session if row[u]}
        added += count_breaks(busy | {t}, (session,)) - count_breaks(busy, (session,))
        i = session.index(t)
        near = (i > 0 and row[session[i - 1]]) or (i + 1 < len(session) and row[session[i + 1]])
        lonely -= bool(near)
    return added, lonely, t


def _repair_breaks(index: Index, state: _State) -> None:
    """Drop optional meetings until max - min breaks <= d (when d is set)."""
    d = index.problem.objective.max_break_difference
    if d is None:
        return
    reqs = index.problem.requests
    while True:
        busy = [{t for t in range(index.n_slots) if row[t]} for row in state.load]
        breaks = [count_breaks(b, index.sessions) for b in busy]
        worst = max(range(len(breaks)), key=breaks.__getitem__, default=None)
        if worst is None or breaks[worst] - min(breaks) <= d:
            return
        mine = [r for r in index.by_participant[worst] if r in state.slot_of]
        optional = [r for r in mine if not reqs[r].required]
        if not optional:
            return
        drop = min(optional, key=lambda r: (reqs[r].weight, -r))
        state.place(drop, state.slot_of[drop], -1)


def greedy(problem: Problem) -> Solution:
    """Greedy schedule; status `feasible` if every hard constraint holds, else `unknown`."""
    started = time.monotonic()
    index = build_index(problem)
    slots = greedy_meetings(index)
    meetings = assign_tables(index, slots)
    meetings = tuple(sorted(meetings, key=lambda a: (index.slot_pos[a.slot], a.request)))
    ok = all(r in slots for r, req in enumerate(problem.requests) if req.required)
    ok = ok and _breaks_ok(index, slots)
    stats = compute_stats(
        index,
        meetings,
        upper_bound_weight=upper_bound_index(index),
        wall_seconds=time.monotonic() - started,
    )
    notes = () if ok else ("greedy could not satisfy every hard constraint",)
    status = "feasible" if ok else "unknown"
    return Solution(status, meetings, unscheduled_reasons(index, meetings), stats, notes)


def _breaks_ok(index: Index, slots: dict[int, int]) -> bool:
    d = index.problem.objective.max_break_difference
    if d is None:
        return True
    busy: list[set[int]] = [set() for _ in index.part_pos]
    for r, t in slots.items():
        for p in index.pair(r):
            busy[p].add(t)
    breaks = [count_breaks(b, index.sessions) for b in busy]
    return not breaks or max(breaks) - min(breaks) <= d
