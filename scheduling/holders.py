"""Who is likely to hold the breaks: the participants a schedule at few breaks leaves them to.

On the hardest B2B files, finding a schedule at the optimum is slow because CP-SAT has to
discover which few participants take the breaks (ticf-13crafb: 3 of 57; forum-13crafb: 6, three
of which `bounds` names). Told who they are, it finds the schedule in under 2 s (ticf-13crafb);
told 11-20 candidates that include them (at most one break each), in 5-11 s instead of
13-41 s (docs/scheduling.md).

The candidates come from an unsatisfiable core: with "no break" assumed for every participant
that may have one, CP-SAT names a subset of those assumptions that cannot all hold together
(participants who all need the last morning and the first afternoon slot, say). The core is
not minimal (forum-13crafb: 17 participants; asked again with only those assumed, CP-SAT
names 8), but trimming it costs a run and did not speed up the search (forum-13crafb "<= 6" with the 20 candidates: 4.9-11.3 s;
with the 11 left after trimming: 4.8-8.7 s).

Pure: reads a `cpmodel.Vars` (its model is cloned, not changed), returns participant positions.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from . import cpmodel
from .hints import light_presolve
from .split import expr_terms


def likely_holders(v: cpmodel.Vars, *, budget: float, workers: int, seed: int) -> set[int]:
    """The participants who must have a break (`bounds`, kept by `cpmodel` as `must_break`)
    and those of a core of "no break" assumptions; empty when no core is found within
    `budget` seconds (or none exists: then those named by `bounds` are the only ones that
    need a break)."""
    end = time.monotonic() + budget
    m, forced = v.model, v.must_break
    free = {p: e for p, e in enumerate(v.breaks) if e is not None and p not in forced}
    if not free:
        return set()
    case = m.clone()
    case.clear_objective()
    case.clear_hints()
    no_break = {}
    for p, e in free.items():
        terms, offset = expr_terms(e)
        no_break[p] = case.new_bool_var(f"no_break_{p}")
        total = sum(c * case.get_int_var_from_proto_index(i) for i, c in terms)
        case.add(total == -offset).only_enforce_if(no_break[p])
    owner = {lit.index: p for p, lit in no_break.items()}
    found = _core(case, list(no_break.values()), end, workers, seed, len(v.x))
    if found is None or len(found) == len(free):
        return set()  # no core (or all of them): no guidance
    return forced | {owner[i] for i in found}


def _core(m: cp_model.CpModel, assumed: list, end: float, workers: int, seed: int, n_vars: int):
    """The indexes of a subset of `assumed` that cannot all hold, or None (none found)."""
    budget = end - time.monotonic()
    if budget < 0.05 or not assumed:
        return None
    m.clear_assumptions()
    m.add_assumptions(assumed)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = budget
    params.num_workers = min(workers, 2)
    params.random_seed = seed
    light_presolve(params, n_vars)
    if workers == 1:
        params.linearization_level = 0
    else:
        # An LP-free worker and a full-LP one, as in the refutation runs (solver.py).
        params.subsolvers.extend(["no_lp", "max_lp"][:workers])
        params.num_full_subsolvers = params.num_workers
    status = solver.solve(m)
    m.clear_assumptions()
    if status != cp_model.INFEASIBLE:
        return None
    return list(solver.sufficient_assumptions_for_infeasibility())
