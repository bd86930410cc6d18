"""Start solutions for CP-SAT: complete hints from a greedy schedule, presolve settings."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from . import cpmodel

LARGE = 20_000  # meeting-slot variables above which presolve is lightened


def hint_start(v: cpmodel.Vars, start: dict[int, int], deadline: float) -> list[int] | None:
    """Hint a start schedule (greedy, seeded with `previous`) to get a first solution fast.

    CP-SAT uses a hint best when it is complete, so the auxiliary variables are filled in by
    a quick solve of the model with the meetings fixed; if that fails, only meetings are hinted.
    A complete hint is a feasible solution, returned to be kept if CP-SAT finds nothing better.
    """
    if not start:
        return None  # the greedy start misses required meetings: a partial hint misleads
    wanted = {var.index: int(start.get(r) == t) for (r, t), var in v.x.items()}
    full = complete(v.model, wanted, max(0.5, (deadline - time.monotonic()) / 10))
    m = v.model
    for i, val in (full or wanted).items():
        m.add_hint(m.get_int_var_from_proto_index(i), val)
    return [full[i] for i in range(len(full))] if full else None


def complete(model: cp_model.CpModel, fixed: dict[int, int], budget: float):
    """Values of every variable extending `fixed`, or None if none is found quickly."""
    clone = model.clone()
    clone.clear_objective()
    for i, val in fixed.items():
        clone.add(clone.get_int_var_from_proto_index(i) == val)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = budget
    solver.parameters.num_workers = 1
    light_presolve(solver.parameters, len(fixed))
    if solver.solve(clone) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return dict(enumerate(solver.response_proto.solution))


def light_presolve(params, n_vars: int) -> None:
    """On large models full presolve (probing above all) costs more than it gives."""
    if n_vars > LARGE:
        params.cp_model_probing_level = 0
        params.max_presolve_iterations = 1
