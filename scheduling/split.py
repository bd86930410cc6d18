"""The `breaks <= 1` probe split by who holds the break.

Once "no break at all" is refuted, a schedule with one break has exactly one participant with
a break and everyone else without. One CP-SAT problem per participant ("only q may have a
break") is much easier than the joint `breaks <= 1`: with everyone else's meetings in one
block, CP-SAT's presolve refutes most cases alone (forum-13crafc: 57 of 70 cases in about
0.2 s each), and the case that holds the break is found in well under a second, where the
joint probe finds nothing in 30 s. The cases are complete, so refuting all of them proves
`breaks >= 2`.

The cases run `workers` at a time (CP-SAT releases the GIL), one CP-SAT worker each, in
rounds: the first 8 open cases (the likeliest holders come first) get a short time slice; each
round doubles both the slice and the number of cases tried, until one case yields a schedule,
all are refuted or the time is up. The likeliest holders thus get longer slices before the
many unlikely ones are tried at all. Each round runs with a new seed: a case tried again gets
an independent search rather than the same one for longer, which matters because the time to
find the holder varies widely with the seed (forum-13crafc.forb0007's holder P70 alone: 4.1,
6.3 and 6.3 s with seeds 2, 3 and 1, nothing in 15 s with seed 0).

In each case, everyone but q holds their meetings in one window of consecutive slots. Said as
"no break" (the break counts), CP-SAT needs 0.7-6 s to refute 46 of ticf-13crafc's 58 cases
and finds one holder of the break within 10 s; said as a one-hot choice of the window's first
slot (`blocks`), it refutes the same 46 in 0.45-1.2 s and finds five holders, the first in
2.2 s.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from threading import Event, Lock

from ortools.sat.python import cp_model, cp_model_helper

FIRST_SLICE_S = 1.5  # time slice of each case in the first round (doubled each round)
FIRST_WIDTH = 8  # cases tried in the first round, in the holders' order (doubled each round)


def split_one_break(
    model: cp_model.CpModel,
    breaks: list,
    holders: list[int],
    *,
    blocks: dict[int, tuple[int, list[int | None]]] | None = None,
    budget: float,
    workers: int,
    seed: int,
) -> tuple[int, list[int] | None]:
    """Probe `sum(breaks) <= 1` on `model` as one case per possible holder of the break.

    `breaks` holds each participant's break-count expression (non-negative) or None (never a
    break); `holders`, in the order to try, the participants that can have a break (the
    others cannot: their cases are not needed for completeness). `blocks` maps participants
    with a known meeting count n to (n, the index of their busy variable in each slot, None
    where they cannot meet): in every case, those without the break then hold their n
    meetings in one window of n slots, chosen by a one-hot start (see `_Round._case`). Returns
    (status, values): FEASIBLE with the full assignment of `model`'s variables, INFEASIBLE
    when every case is refuted, UNKNOWN when the time ran out first.
    """
    end = time.monotonic() + budget
    terms = {p: expr_terms(e) for p, e in enumerate(breaks) if e is not None}
    base = model.clone()
    base.clear_objective()
    base.clear_hints()
    open_cases, slice_s, width = list(holders), FIRST_SLICE_S, FIRST_WIDTH
    rounds = 0
    while open_cases and time.monotonic() < end - 0.05:
        batch = open_cases[:width]
        # A new seed each round: a case tried again gets an independent search, not the
        # same one longer (finding the holder is heavy-tailed across seeds).
        round_ = _Round(base, terms, blocks or {}, end, seed + rounds)
        rounds += 1
        with ThreadPoolExecutor(max(1, workers)) as pool:
            results = list(pool.map(round_.run, batch, [slice_s] * len(batch)))
        if round_.values is not None:
            return cp_model.FEASIBLE, round_.values
        refuted = {
            q for q, status in zip(batch, results, strict=True) if status == cp_model.INFEASIBLE
        }
        open_cases = [q for q in open_cases if q not in refuted]
        slice_s, width = slice_s * 2, width * 2
    return (cp_model.UNKNOWN if open_cases else cp_model.INFEASIBLE), None


def expr_terms(expr) -> tuple[list[tuple[int, int]], int]:
    """(variable index, coefficient) pairs and the constant of a break-count expression."""
    flat = cp_model_helper.FlatIntExpr(expr)
    return [(v.index, c) for v, c in zip(flat.vars, flat.coeffs, strict=True)], flat.offset


class _Round:
    """One round of cases; the first schedule found stops the others."""

    def __init__(self, base, terms: dict, blocks: dict, end: float, seed: int) -> None:
        self.base, self.terms, self.blocks, self.end, self.seed = base, terms, blocks, end, seed
        self.values: list[int] | None = None
        self.found = Event()
        self._lock = Lock()
        self._running: set[cp_model.CpSolver] = set()

    def run(self, q: int, slice_s: float) -> int:
        budget = min(slice_s, self.end - time.monotonic())
        if self.found.is_set() or budget < 0.05:
            return cp_model.UNKNOWN
        case = self._case(q)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.max_time_in_seconds = budget
        params.random_seed = self.seed
        params.linearization_level = 0  # LP-free CDCL: the fastest on these probes (solver.py)
        # Measured on forum-13crafc's cases that hold the break: symmetry detection off
        # finds them 1.5-4 times faster (0.3-3.3 CPU s instead of 0.5-7.1).
        params.symmetry_level = 0
        with self._lock:
            self._running.add(solver)
        status = solver.solve(case)
        with self._lock:
            self._running.discard(solver)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and self.values is None:
                self.values = list(solver.response_proto.solution)
                self.found.set()
                for other in self._running:
                    other.stop_search()
        return status

    def _case(self, q: int) -> cp_model.CpModel:
        """The base model with: nobody but q has a break, and q at most one."""
        case = self.base.clone()

        def expr(terms: list[tuple[int, int]]):
            return sum(c * case.get_int_var_from_proto_index(i) for i, c in terms)

        others = [t for p, (terms, _) in self.terms.items() if p != q for t in terms]
        offset = sum(off for p, (_, off) in self.terms.items() if p != q)
        if others:
            case.add(expr(others) <= -offset)
        own, own_offset = self.terms[q]
        case.add(expr(own) <= 1 - own_offset)
        for p, (n, busy) in self.blocks.items():
            if p != q:
                _add_block(case, n, busy)
        return case


def _add_block(case: cp_model.CpModel, n: int, busy: list[int | None]) -> None:
    """n meetings without a break: busy exactly in the n slots from a one-hot start.

    Implied by "no break" (the break count and the window constraints of cpmodel say the
    same), but in this form one decision fixes the whole row (figures in the module's
    docstring)."""
    if n < 1:
        return
    starts = {s: case.new_bool_var("") for s in window_starts(n, busy)}
    case.add_exactly_one(starts.values())
    for t, b in enumerate(busy):
        if b is not None:
            cover = [y for s, y in starts.items() if s <= t < s + n]
            case.add(sum(cover) == case.get_bool_var_from_proto_index(b))


def window_starts(n: int, busy: list[int | None]) -> list[int]:
    """The first slots of the windows of n consecutive slots where the participant can meet."""
    return [
        s for s in range(len(busy) - n + 1) if all(busy[t] is not None for t in range(s, s + n))
    ]
