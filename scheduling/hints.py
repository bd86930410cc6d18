"""Start solutions for CP-SAT: complete hints from a greedy schedule, presolve settings."""

from __future__ import annotations

import ctypes
import sys
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
    hint = full or wanted
    v.model.proto.solution_hint.vars.extend(hint.keys())
    v.model.proto.solution_hint.values.extend(hint.values())
    return [full[i] for i in range(len(full))] if full else None


def complete(model: cp_model.CpModel, fixed: dict[int, int], budget: float):
    """Values of every variable extending `fixed`, or None if none is found quickly.

    The fixed variables' domains are narrowed in place for one objective-free solve and then
    restored: no copy of the model and no extra constraint (on 18,000 requests a clone with
    one equality per meeting-slot variable cost about 500 MB)."""
    proto = model.proto
    if proto.has_objective() or proto.has_solution_hint():
        return None  # only used on a fresh model, before any objective or hint
    saved = {}
    for i, val in fixed.items():
        dom = proto.variables[i].domain
        saved[i] = list(dom)
        dom.clear()
        dom.extend([val, val])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = budget
    solver.parameters.num_workers = 1
    light_presolve(solver.parameters, len(fixed))
    try:
        status = solver.solve(model)
    finally:
        for i, dom in saved.items():
            proto.variables[i].domain.clear()
            proto.variables[i].domain.extend(dom)
        release_memory()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return dict(enumerate(solver.response_proto.solution))


def release_memory() -> None:
    """Give freed heap memory back to the system (glibc only; a no-op elsewhere).

    CP-SAT's worker threads allocate from their own malloc arenas, so memory freed by an
    earlier solve on another thread is not reused by the next one and the peak RSS adds up;
    `malloc_trim` returns the free pages."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (musl has no malloc_trim)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def light_presolve(params, n_vars: int) -> None:
    """On large models full presolve (probing above all) costs more than it gives."""
    if n_vars > LARGE:
        params.cp_model_probing_level = 0
        params.max_presolve_iterations = 1
