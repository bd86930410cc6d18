"""Core-guided MaxSAT (PySAT's RC2 on Glucose 4) for the probe "at most k breaks".

The B2B literature proves its optima best with MaxSAT (UWrMaxSat in the JAIR 2022 paper), and
one kind of probe is where CP-SAT falls behind: at one break, once "no break" is refuted, a
schedule has to be found in which exactly one participant has a break. CP-SAT, even split by
who holds the break (split.py), finds it on forum-13crafc.forb0007 in some runs only; the
paper's MaxSAT proves it in 7.6 s. A core-guided solver works on the right question: its first
unsatisfiable core names the "no break here" conditions that cannot all hold, and it then asks
for a schedule that gives up at most one of those, which Glucose answers in seconds
(forum-13crafc.forb0007: core after 1.2 s, schedule after 6.5 s, one core of the machine).

The formula is the timetable of an all-required problem in clauses: one slot per request, one
meeting per participant and slot, at most `tables` meetings per slot, precedences, and, as
implied constraints, each participant busy in exactly as many slots as it has meetings. Each
participant, session and slot t with a meeting gets the soft clause "no break right after t"
(busy at t, idle at t + 1, busy later: one break, counted once, at the slot where its idle run
starts). The cost of an assignment is then its number of breaks. The fairness bound d on
break counts needs no clause for k <= d: with at most k breaks in all, no participant has more
than k, so no two differ by more than d.

Pure: reads an `Index`, returns request slots; `solver.py` completes and checks them with
CP-SAT.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from pysat.card import CardEnc, EncType
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF, IDPool

from .index import Index

FIRST_CORE_S = 3.0  # give up when "no break" is not refuted by then (tic-13crafc: 15 s+)
# Size of the "at most `tables` meetings per slot" counters (meetings possible in a slot times
# tables, summed over slots): 130,372 on the largest B2B file (ticf-14crafa, 0.5 s to build);
# a synthetic day of 160 participants and 65 tables needs 680,000 (1.4 million clauses, 3 s).
MAX_TABLE_TERMS = 250_000


def encodable(index: Index, k: int) -> bool:
    """Whether the clauses below say exactly what the CP-SAT model says for `breaks <= k`:
    every request required, one meeting at a time, no per-participant cap or home table,
    and a fairness bound (if any) that k breaks in all cannot break; and small enough that the
    clauses take well under a second to write."""
    problem = index.problem
    d = problem.objective.max_break_difference
    tables = problem.table_count
    per_slot = _requests_per_slot(index).values()
    return (
        sum(len(rs) * tables for rs in per_slot if len(rs) > tables) <= MAX_TABLE_TERMS
        and all(r.required for r in problem.requests)
        and all(p.capacity == 1 and p.max_meetings is None for p in problem.participants)
        and all(t is None for t in index.forced_table)
        and (d is None or d >= k)
    )


def at_most(index: Index, k: int, *, budget: float) -> tuple[str, dict[int, int] | None]:
    """Probe "at most k breaks" with RC2: ("found", slot of each request) for a schedule with
    at most k breaks, ("refuted", None) once k + 1 breaks are proved necessary, ("unknown",
    None) when `budget` seconds pass first, or FIRST_CORE_S without a first core."""
    if not all(index.allowed):
        return "refuted", None  # a request without a possible slot: no schedule at all
    formula, x = _formula(index)
    rc2 = _Probe(formula, k)
    done, fired = threading.Event(), threading.Event()

    def watch() -> None:
        first = min(FIRST_CORE_S, budget)
        if not done.wait(first) and rc2.cost == 0:
            fired.set()
            rc2.interrupt()
        if not done.wait(budget - first):
            fired.set()
            rc2.interrupt()

    watchdog = threading.Thread(target=watch, daemon=True)
    watchdog.start()
    try:
        model = rc2.compute(expect_interrupt=True)
    finally:
        done.set()
        watchdog.join()  # no interrupt may reach the solver once it is deleted
        rc2.delete()
    # An interrupt from the watchdog can land in one of RC2's inner oracle calls (exhausting a
    # core), which RC2 then reads as "unsatisfiable" and counts in its cost: a refutation is
    # only trusted from a run the watchdog never interrupted. (The probe's own interrupt, in
    # `process_core`, comes after the cost is exact.) A schedule found is checked by CP-SAT.
    if rc2.cost > k and not fired.is_set():
        return "refuted", None
    if model is None:
        return "unknown", None
    true = {lit for lit in model if lit > 0}
    return "found", {r: t for (r, t), lit in x.items() if lit in true}


def _requests_per_slot(index: Index) -> dict[int, list[int]]:
    """The requests that may be held in each slot (the table counters' literals)."""
    per_slot: dict[int, list[int]] = defaultdict(list)
    for r, slots in enumerate(index.allowed):
        for t in slots:
            per_slot[t].append(r)
    return per_slot


class _Probe(RC2):
    """RC2 that stops as soon as its lower bound exceeds k (the probe is then refuted)."""

    def __init__(self, formula: WCNF, k: int) -> None:
        # The options the B2B files were measured with: at-most-one detection among the
        # soft clauses, exhaustion and reduction of each core.
        super().__init__(formula, solver="g4", adapt=True, exhaust=True, minz=True, trim=5)
        self.k = k

    def process_core(self) -> None:
        super().process_core()
        if self.cost > self.k:
            self.interrupt()

    def trim_core(self) -> None:
        """RC2's trimming, except that an interrupted oracle call ends it with the core in
        hand (RC2's own fails on the missing core; its main loop then meets the interrupt)."""
        for _ in range(self.trim):
            self._call_oracle(assumptions=self.core)
            trimmed = self.oracle.get_core()
            if trimmed is None or len(trimmed) == len(self.core):
                break
            self.core = trimmed


def _formula(index: Index) -> tuple[WCNF, dict[tuple[int, int], int]]:
    """The timetable in clauses, with one soft clause per place a break could end."""
    pool, formula = IDPool(), WCNF()

    def card(lits: list[int], bound: int, encode) -> None:
        formula.extend(encode(lits=lits, bound=bound, vpool=pool, encoding=EncType.seqcounter))

    x = {(r, t): pool.id(("x", r, t)) for r, slots in enumerate(index.allowed) for t in slots}
    for r, slots in enumerate(index.allowed):
        card([x[r, t] for t in slots], 1, CardEnc.equals)
        for q in index.preds[r]:
            for t in slots:  # q strictly before r
                formula.append([-x[r, t]] + [x[q, s] for s in index.allowed[q] if s < t])
    busy = _busy(index, x, pool, formula, card)
    tables = index.problem.table_count
    for t, requests in sorted(_requests_per_slot(index).items()):
        if len(requests) > tables:
            card([x[r, t] for r in requests], tables, CardEnc.atmost)
    for p, reqs in enumerate(index.by_participant):
        if len(reqs) >= 2:
            for session in index.sessions:
                _soft_breaks(formula, pool, [busy.get((p, t)) for t in session])
    return formula, x


def _busy(index: Index, x: dict, pool: IDPool, formula: WCNF, card) -> dict[tuple[int, int], int]:
    """busy[p, t] <-> p meets in t; one meeting at a time; busy in as many slots as meetings."""
    busy = {}
    for p, reqs in enumerate(index.by_participant):
        for t in range(index.n_slots):
            held = [x[r, t] for r in reqs if (r, t) in x]
            if not held:
                continue
            b = busy[p, t] = pool.id(("busy", p, t))
            formula.append([-b] + held)
            formula.extend([-lit, b] for lit in held)
            if len(held) > 1:
                card(held, 1, CardEnc.atmost)
        lits = [busy[p, t] for t in range(index.n_slots) if (p, t) in busy]
        if len(lits) > len(reqs) > 0:
            card(lits, len(reqs), CardEnc.equals)
    return busy


def _soft_breaks(formula: WCNF, pool: IDPool, busy: list[int | None]) -> None:
    """Soft "no break right after i" for each slot i of one participant's session (busy at i,
    idle at i + 1, busy at some later slot: `later[j]` says "busy at j or after")."""
    later: dict[int, int] = {}
    for i in range(len(busy) - 1, -1, -1):
        here, after = busy[i], later.get(i + 1)
        if here is None or after is None:
            if here is not None or after is not None:
                later[i] = here if here is not None else after
            continue
        lit = later[i] = pool.id(("later", here, after))
        formula.extend([[-lit, here, after], [-here, lit], [-after, lit]])
    for i, here in enumerate(busy[:-2]):
        if here is not None and i + 2 in later:
            idle_next = [busy[i + 1]] if busy[i + 1] is not None else []
            formula.append([-here, -later[i + 2], *idle_next], weight=1)
