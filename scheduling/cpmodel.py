"""CP-SAT model of the timetable: variables, hard constraints and soft-goal helpers.

Each soft goal is a helper returning its linear expression; `solver.py` decides the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .bounds import break_lower_bounds
from .index import Index

Lit = cp_model.IntVar


@dataclass
class Vars:
    """The CP-SAT model and the variables the goals and the extraction need."""

    model: cp_model.CpModel
    index: Index
    x: dict[tuple[int, int], Lit] = field(default_factory=dict)
    busy: dict[tuple[int, int], Lit] = field(default_factory=dict)
    breaks: list = field(default_factory=list)
    required_lits: dict[int, Lit] = field(default_factory=dict)
    assume: bool = False  # required meetings hang on assumptions: no implied constraints
    break_ub: int = 0  # largest possible total break count
    break_lb: int = 0  # sum of the per-participant lower bounds added as constraints
    must_break: set[int] = field(default_factory=set)  # the participants with such a bound
    break_bound_lit: Lit | None = None

    def held(self, index: Index, r: int) -> list[Lit]:
        """The slot literals of request r."""
        return [self.x[r, t] for t in index.allowed[r]]


def build_model(index: Index, *, assume: bool = False, breaks: bool = True) -> Vars:
    """Build the timetable model; with `assume`, required meetings hang on assumption literals."""
    v = Vars(cp_model.CpModel(), index, assume=assume)
    for r, slots in enumerate(index.allowed):
        for t in slots:
            v.x[r, t] = v.model.new_bool_var(f"x{r}_{t}")
    _add_request_constraints(index, v, assume)
    _add_participant_constraints(index, v)
    _add_slot_constraints(index, v)
    _add_precedences(index, v)
    if not breaks:  # selection phase of the decomposition: no break machinery
        v.breaks = [None] * len(index.part_pos)
        return v
    v.breaks = [_participant_breaks(index, v, p) for p in range(len(index.part_pos))]
    if len(index.sessions) == 1 and not assume:
        for p in range(len(index.part_pos)):
            _add_window(index, v, p)
    if not assume:
        _add_break_lower_bounds(index, v)
    _add_break_difference(index, v, assume)
    return v


def _add_request_constraints(index: Index, v: Vars, assume: bool) -> None:
    for r, req in enumerate(index.problem.requests):
        lits = v.held(index, r)
        if not lits:
            continue
        if req.required and assume:
            lit = v.model.new_bool_var(f"req{r}")
            v.required_lits[r] = lit
            v.model.add(sum(lits) == 1).only_enforce_if(lit)
            v.model.add_at_most_one(lits)
        elif req.required:
            v.model.add_exactly_one(lits)
        else:
            v.model.add_at_most_one(lits)


def _add_participant_constraints(index: Index, v: Vars) -> None:
    """Capacity per slot, busy literals, max meetings and the implied busy-count constraint."""
    m = v.model
    for p, reqs in enumerate(index.by_participant):
        cap = index.capacity(p)
        for t in range(index.n_slots):
            terms = [v.x[r, t] for r in reqs if (r, t) in v.x]
            if len(terms) == 1:
                v.busy[p, t] = terms[0]
            elif terms:
                busy = m.new_bool_var(f"b{p}_{t}")
                v.busy[p, t] = busy
                if cap == 1:
                    m.add(sum(terms) == busy)
                else:
                    m.add(sum(terms) <= cap * busy)
                    m.add_bool_or(terms).only_enforce_if(busy)
        count = [lit for r in reqs for lit in v.held(index, r)]
        cap_m = index.max_meetings(p)
        if cap_m is not None and cap_m < len(reqs):
            m.add(sum(count) <= cap_m)
        busy_lits = [v.busy[p, t] for t in range(index.n_slots) if (p, t) in v.busy]
        requests = index.problem.requests
        if cap == 1 and reqs and not v.assume and all(requests[r].required for r in reqs):
            # Implied: a participant whose meetings are all required is busy in exactly
            # as many slots as it has meetings (a pure cardinality on the busy literals).
            m.add(sum(busy_lits) == len(reqs))


def _add_slot_constraints(index: Index, v: Vars) -> None:
    """Tables per slot, one meeting per forced table, and at most 2 x tables busy people."""
    m = v.model
    tables = index.problem.table_count
    all_cap1 = all(p.capacity == 1 for p in index.problem.participants)
    for t in range(index.n_slots):
        lits = [v.x[r, t] for r in range(len(index.allowed)) if (r, t) in v.x]
        if not lits:
            continue
        busy = [v.busy[p, t] for p in range(len(index.part_pos)) if (p, t) in v.busy]
        if len(lits) > tables:
            m.add(sum(lits) <= tables)
            m.add(sum(busy) <= 2 * tables)
        if all_cap1:
            m.add(sum(busy) == 2 * sum(lits))
        by_table: dict[int, list[Lit]] = {}
        for r in range(len(index.allowed)):
            k = index.forced_table[r]
            if k is not None and (r, t) in v.x:
                by_table.setdefault(k, []).append(v.x[r, t])
        for group in by_table.values():
            if len(group) > 1:
                m.add_at_most_one(group)


def _add_precedences(index: Index, v: Vars) -> None:
    """Request q in `after` of r: if both are held, q's slot is strictly earlier."""
    m = v.model
    held_lit: dict[int, Lit] = {}
    requests = index.problem.requests

    def held(r: int):
        if requests[r].required and not v.assume:
            return None
        if r not in held_lit:
            held_lit[r] = m.new_bool_var(f"h{r}")
            m.add(sum(v.held(index, r)) == held_lit[r])
        return held_lit[r]

    for r, preds in enumerate(index.preds):
        for q in preds:
            if not index.allowed[r] or not index.allowed[q]:
                continue
            pos_r = sum(t * v.x[r, t] for t in index.allowed[r])
            pos_q = sum(t * v.x[q, t] for t in index.allowed[q])
            enforce = [lit for lit in (held(r), held(q)) if lit is not None]
            m.add(pos_q + 1 <= pos_r).only_enforce_if(enforce)


def _participant_breaks(index: Index, v: Vars, p: int):
    """Exact break count of p: blocks of consecutive busy slots minus one, per session."""
    m = v.model
    total: list = []
    single_required = (
        len(index.sessions) == 1
        and not v.assume
        and any(index.problem.requests[r].required for r in index.by_participant[p])
    )
    for session in index.sessions:
        lits = [v.busy.get((p, t)) for t in session]
        starts = []
        for i, busy in enumerate(lits):
            prev = lits[i - 1] if i > 0 else None
            if busy is None:
                continue
            if prev is None:
                starts.append(busy)
                continue
            start = m.new_bool_var(f"s{p}_{session[i]}")
            m.add_implication(start, busy)
            m.add_implication(start, ~prev)
            m.add_bool_or([start, ~busy, prev])
            starts.append(start)
        if len(starts) <= 1:
            continue
        anyb = 1 if single_required else _any_busy(m, lits)
        # Breaks of the session as a non-negative variable: a bound of 0 the LP sees at once.
        brk = m.new_int_var(0, (len(session) - 1) // 2, f"k{p}_{session[0]}")
        v.break_ub += (len(session) - 1) // 2
        m.add(brk == sum(starts) - anyb)
        total.append(brk)
    return sum(total) if total else None


def _add_window(index: Index, v: Vars, p: int) -> None:
    """Implied for a participant with a fixed number n of meetings in one session: its first
    and last busy slots span n + idle slots, and with no break the span is exactly n."""
    reqs = index.by_participant[p]
    n = len(reqs)
    if n < 2 or v.breaks[p] is None or not all(index.problem.requests[r].required for r in reqs):
        return
    m, slots = v.model, index.sessions[0]
    busy = [v.busy.get((p, t)) for t in slots]
    first = [m.new_bool_var("") if b is not None else None for b in busy]
    last = [m.new_bool_var("") if b is not None else None for b in busy]
    m.add_exactly_one(f for f in first if f is not None)
    m.add_exactly_one(f for f in last if f is not None)
    for i, b in enumerate(busy):
        if b is None:
            continue
        m.add_implication(first[i], b)
        m.add_implication(last[i], b)
        for j, other in enumerate(busy):
            if other is not None and j != i:
                m.add_implication(first[i] if j < i else last[i], ~other)
    span = sum(i * f for i, f in enumerate(last) if f is not None) - sum(
        i * f for i, f in enumerate(first) if f is not None
    )
    m.add(span + 1 - n >= v.breaks[p])
    no_break = m.new_bool_var("")
    m.add(v.breaks[p] == 0).only_enforce_if(no_break)
    m.add(v.breaks[p] >= 1).only_enforce_if(~no_break)
    m.add(span + 1 == n).only_enforce_if(no_break)


def _add_break_lower_bounds(index: Index, v: Vars) -> None:
    """Implied: participants that must have a break on their own (see `bounds`)."""
    for p, low in enumerate(break_lower_bounds(index)):
        if low and v.breaks[p] is not None:
            v.model.add(v.breaks[p] >= low)
            v.break_lb += low
            v.must_break.add(p)


def _any_busy(m: cp_model.CpModel, lits: list) -> Lit:
    present = [lit for lit in lits if lit is not None]
    anyb = m.new_bool_var("")
    for lit in present:
        m.add_implication(lit, anyb)
    m.add_bool_or(present).only_enforce_if(anyb)
    return anyb


def _add_break_difference(index: Index, v: Vars, assume: bool) -> None:
    """Hard bound d on max - min break count over all participants."""
    d = index.problem.objective.max_break_difference
    exprs = [e for e in v.breaks if e is not None]
    if d is None or not exprs:
        return
    m = v.model
    enforce = []
    if assume:
        v.break_bound_lit = m.new_bool_var("break_bound")
        enforce = [v.break_bound_lit]
    if len(exprs) < len(v.breaks):
        # Some participant can never have a break, so the minimum is 0.
        for e in exprs:
            m.add(e <= d).only_enforce_if(enforce)
        return
    low = m.new_int_var(0, index.n_slots, "min_breaks")
    for e in exprs:
        m.add(low <= e)
        m.add(e <= low + d).only_enforce_if(enforce)


# ---- soft goals: each returns the linear expression the solver optimises -------------


def weight_goal(index: Index, v: Vars):
    """Total weight of held requests (maximise)."""
    reqs = index.problem.requests
    return cp_model.LinearExpr.weighted_sum(list(v.x.values()), [reqs[r].weight for r, _t in v.x])


def coverage_goal(index: Index, v: Vars):
    """Participants with at least one meeting, among those with a possible one (maximise)."""
    terms = []
    for p in _eligible(index):
        has = v.model.new_bool_var(f"has{p}")
        lits = [lit for r in index.by_participant[p] for lit in v.held(index, r)]
        v.model.add_bool_or(lits).only_enforce_if(has)
        for lit in lits:  # exact, so that a completed hint already counts these participants
            v.model.add_implication(lit, has)
        terms.append(has)
    return cp_model.LinearExpr.sum(terms)


def min_count_goal(index: Index, v: Vars):
    """Smallest meeting count over participants with a possible meeting (maximise)."""
    eligible = _eligible(index)
    low = v.model.new_int_var(0, index.n_slots * 4, "min_count")
    for p in eligible:
        lits = [lit for r in index.by_participant[p] for lit in v.held(index, r)]
        v.model.add(low <= cp_model.LinearExpr.sum(lits))
    return low


def break_goal(index: Index, v: Vars):
    """Total breaks (minimise)."""
    return cp_model.LinearExpr.sum([e for e in v.breaks if e is not None])


def change_goal(index: Index, v: Vars):
    """Previous meetings not kept in their slot (minimise); tables are handled afterwards."""
    terms, missing = [], 0
    for old in index.problem.previous:
        key = (index.req_pos[old.request], index.slot_pos[old.slot])
        if key in v.x:
            terms.append(1 - v.x[key])
        else:
            missing += 1
    return sum(terms) + missing


def _eligible(index: Index) -> list[int]:
    return [p for p, reqs in enumerate(index.by_participant) if any(index.allowed[r] for r in reqs)]
