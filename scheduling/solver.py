"""Lexicographic CP-SAT solve: one model, a sequence of objectives, each fixed before the next.

Order: required meetings (hard) > total weight > participants without meeting > minimum
meeting count > breaks > changes from `previous`. Each level gets a share of the remaining
time; its best value is then added as a constraint and the solution is the next level's hint.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model, cp_model_helper

from . import cpmodel, maxsat
from .bounds import upper_bound_index
from .explain import DIAGNOSTICS, explain_infeasible, precheck, unscheduled_reasons
from .greedy import greedy_meetings
from .hints import LARGE, hint_start, light_presolve, release_memory
from .holders import likely_holders
from .index import Index, build_index, count_breaks
from .local import improve_breaks
from .metrics import compute_stats
from .model import Problem, ProgressInfo, Solution
from .split import split_one_break, window_starts
from .tables import assign_tables

# Relative time shares of the levels (a level that finishes early hands its time on).
_LARGE = LARGE  # meeting-slot variables above which the decomposition is used
_PROBE_GAP = 10  # probe only when the first search ends this close to its bound
_ONE_WORKER_VARS = 150_000  # meeting-slot variables above which CP-SAT gets one worker
_PROBE_SHARE = 0.7  # share of the time left for one bottom-up probe
_FALLBACK_SHARE = 0.15  # kept for a plain search when no probe finds a schedule
_SAT_SUBSOLVERS = ["no_lp", "quick_restart_no_lp", "default_lp", "quick_restart", "pseudo_costs"]
# Small models: an LP-free CDCL worker (with feasibility jump from a start schedule, two
# such workers without one: `_find_subsolvers`) finds schedules; the short
# `refute` run pairs it with a full-LP worker, which refutes bounds (tic-13crafc "<= 3 breaks":
# refuted in 1.8 s instead of no answer in 30 s).
_SMALL_SUBSOLVERS = ["no_lp", "max_lp", "quick_restart_no_lp", "default_lp", "pseudo_costs"]
_REFUTE_SHARE, _REFUTE_S = 0.25, 3.0  # the quick full-LP run before each small probe
_REFUTE_FULL = 0.8  # a refutation that took more of its run ends the refutation runs
_QUICK_REFUTE_S, _QUICK_STREAK = 0.5, 3  # then check once that any schedule exists
_MAXSAT_SHARE = 0.6  # of the "one break" probe for the core-guided run, before the split
_HOLDERS_S, _HOLDERS_SHARE = 3.0, 0.2  # the core run naming the likely holders (holders.py)
# The search with breaks among those holders only: its share of a finding probe, and a cap
# (a bound only the LP refutes can keep it busy: tic-13crafc.prec25 "<= 3", 30.9 s).
_AMONG_SHARE, _AMONG_S = 0.85, 12.0
_CORE_SHARE, _CORE_S = 0.3, 6.0  # then a short run with the core-based worker if refuted
_TIMETABLE_CHECK_S = 5.0  # timetable-only check when the greedy start misses a required one
_SHARES = {"weight": 4.0, "coverage": 1.0, "min_count": 1.0, "breaks": 4.0, "stability": 4.0}


@dataclass(frozen=True)
class Level:
    """One lexicographic objective."""

    name: str
    expr: object
    maximize: bool


class _Progress(cp_model.CpSolverSolutionCallback):
    """Forwards improving solutions to the caller's `on_progress`."""

    def __init__(self, callback, started: float, phase: str, held) -> None:
        super().__init__()
        self._callback, self._started, self._phase, self._held = callback, started, phase, held

    def on_solution_callback(self) -> None:
        info = ProgressInfo(
            elapsed_s=time.monotonic() - self._started,
            objective=self.objective_value,
            bound=self.best_objective_bound,
            meetings=int(self.value(self._held)),
            phase=self._phase,
        )
        self._callback(info)


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 30,
    workers: int = 0,
    seed: int = 0,
    on_progress: Callable[[ProgressInfo], None] | None = None,
) -> Solution:
    """Schedule `problem` with CP-SAT; never prints; always returns a Solution."""
    # Keep time for tables, reasons and stats after the last CP-SAT call (~1 s per 5,000
    # requests measured), so that the whole call ends near the limit.
    reserve = min(0.05 * time_limit_s, len(problem.requests) / 5000)
    index = build_index(problem)
    workers = workers or os.cpu_count() or 1
    if sum(len(a) for a in index.allowed) > _ONE_WORKER_VARS:
        # Each CP-SAT worker holds its own copy of the search state: at 3,600 participants
        # (235,000 variables) two workers peaked at 1.75-2.4 GB, one at 1.27 GB.
        workers = 1
    ctx = _Context(time.monotonic(), time_limit_s - reserve, workers, seed, on_progress)
    bound = upper_bound_index(index)
    problems = precheck(index)
    if problems:
        return _finish(index, "infeasible", {}, ctx.started, bound, problems)
    start = greedy_meetings(index, start=problem.previous, compact=True)
    if not _decompose(index) and not _timetable_possible(index, start, ctx):
        notes = explain_infeasible(index, time_limit_s=max(1.0, time_limit_s / 4))
        return _finish(index, "infeasible", {}, ctx.started, bound, notes)
    if _decompose(index):
        slots, status = _solve_decomposed(index, start, ctx)
    else:
        v = cpmodel.build_model(index)
        run = _optimise(v, _levels(index, v), start, ctx.deadline, ctx, bottom_up=True)
        slots, status = _slots(v, run.values), _status(run)
    if status == "infeasible":
        notes = explain_infeasible(index, time_limit_s=max(1.0, time_limit_s / 4))
        return _finish(index, status, {}, ctx.started, bound, notes)
    if status == "unknown":
        notes = (DIAGNOSTICS["time_limit"],)
        return _finish(index, status, {}, ctx.started, bound, notes)
    return _finish(index, status, slots, ctx.started, bound, ())


@dataclass(frozen=True)
class _Context:
    started: float
    time_limit_s: float
    workers: int
    seed: int
    on_progress: Callable[[ProgressInfo], None] | None

    @property
    def deadline(self) -> float:
        return self.started + self.time_limit_s


def _timetable_possible(index: Index, start: dict[int, int], ctx: _Context) -> bool:
    """False when the required meetings cannot all be timetabled, breaks aside.

    Checked when the greedy start misses a required meeting: the break variables and probes
    hide such a proof (the JAIR `prec` variants reported unsatisfiable: no answer in 51 s
    with them, refuted in 0.1 s without)."""
    reqs = index.problem.requests
    if all(r in start for r, req in enumerate(reqs) if req.required):
        return True
    v = cpmodel.build_model(index, breaks=False)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = min(_TIMETABLE_CHECK_S, 0.1 * ctx.time_limit_s)
    params.num_workers = ctx.workers
    params.random_seed = ctx.seed
    _lp_free(params)
    return solver.solve(v.model) != cp_model.INFEASIBLE


def _lp_free(params) -> None:
    """LP-free CDCL workers only: on the B2B files they find a timetable (and refute one with
    precedences) far sooner than the default LP portfolio: 3.8 s for the 20 originals'
    checks against 9.1 s, forumt-14.prec25 0.15 s against 4.1 s, same verdicts on all 80
    prec and fixed variants."""
    if params.num_workers == 1:
        params.linearization_level = 0
    else:
        params.subsolvers.extend(_SAT_SUBSOLVERS[: params.num_workers])
        params.num_full_subsolvers = params.num_workers


def _decompose(index: Index) -> bool:
    """Large problems without a break bound are solved in two phases (see docs/scheduling.md)."""
    n_vars = sum(len(a) for a in index.allowed)
    return n_vars > _LARGE and index.problem.objective.max_break_difference is None


def _optimise(
    v: cpmodel.Vars, levels: list[Level], start: dict, deadline: float, ctx, bottom_up=False
) -> _Run:
    """`bottom_up`: a small model whose only goal is breaks (every request required, no
    previous schedule) probes from its lower bound even with a start schedule, as without one
    (B2B files): from the greedy start, a first search wasted its 15 % (ticf-13crafa: 4.5 s
    of 30 with 1 break left, against 0 breaks found in 0.6 s by the first probe)."""
    reqs = v.index.problem.requests
    if any(req.required and r not in start for r, req in enumerate(reqs)):
        start = {}
    run = _Run(v, ctx, deadline)
    only_breaks = [lv.name for lv in levels] == ["breaks"]
    run.bottom_up = bottom_up and only_breaks and len(v.x) <= _LARGE
    run.values = hint_start(v, start, deadline)
    run.solve_levels(levels)
    return run


def _status(run: _Run) -> str:
    if run.values is None:
        return "infeasible" if run.infeasible else "unknown"
    return "optimal" if run.all_optimal else "feasible"


def _slots(v: cpmodel.Vars, values: list[int] | None) -> dict[int, int]:
    if values is None:
        return {}
    return {r: t for (r, t), var in v.x.items() if values[var.index]}


def _solve_decomposed(index: Index, start: dict, ctx) -> tuple[dict[int, int], str]:
    """Phase 1 chooses the meetings (weight, coverage, minimum count) without break variables;
    phase 2 keeps exactly those meetings and re-times them for breaks, then stability."""
    v1 = cpmodel.build_model(index, breaks=False)
    levels = _levels(index, v1)
    split = ctx.started + ctx.time_limit_s * 0.5
    run1 = _optimise(v1, levels, start, split, ctx)
    chosen = _slots(v1, run1.values) if run1.values is not None else start
    if run1.values is None and run1.infeasible:
        return {}, "infeasible"
    phase1_found = run1.values is not None
    del v1, run1, levels  # free the phase-1 model before building phase 2 (peak memory)
    gc.collect()
    release_memory()
    problem = index.problem
    kept = [problem.requests[r] for r in sorted(chosen)]
    kept_ids = {r.id for r in kept}
    sub = replace(
        problem,
        requests=tuple(replace(r, required=True, after=_kept(r.after, kept_ids)) for r in kept),
        previous=tuple(a for a in problem.previous if a.request in kept_ids),
    )
    sub_index = build_index(sub)
    v2 = cpmodel.build_model(sub_index)
    sub_start = {sub_index.req_pos[problem.requests[r].id]: t for r, t in chosen.items()}
    packed = greedy_meetings(sub_index, start=sub.previous, compact=True)
    if _better(sub_index, packed, sub_start):
        sub_start = packed  # the compact greedy re-timing of the chosen meetings is better
    polish = time.monotonic() + 0.1 * (ctx.deadline - time.monotonic())
    sub_start = improve_breaks(sub_index, sub_start, polish, frozen=_kept_slots(sub_index))
    run2 = _optimise(v2, _levels(sub_index, v2), sub_start, ctx.deadline, ctx)
    if run2.values is None:
        return chosen, "feasible" if phase1_found or chosen else "unknown"
    slots = {index.req_pos[sub.requests[r].id]: t for r, t in _slots(v2, run2.values).items()}
    return slots, "feasible"


def _kept_slots(index: Index) -> dict[int, int]:
    """Request -> slot of the previous meetings (the stability level keeps them)."""
    return {
        index.req_pos[a.request]: index.slot_pos[a.slot]
        for a in index.problem.previous
        if a.request in index.req_pos and a.slot in index.slot_pos
    }


def _better(index: Index, packed: dict[int, int], current: dict[int, int]) -> bool:
    """Same meetings, and (fewer changes from previous, fewer breaks) is lexicographically less."""
    if len(packed) != len(current):
        return False
    kept = _kept_slots(index)

    def key(slots: dict[int, int]) -> tuple[int, int]:
        return sum(slots.get(r) != t for r, t in kept.items()), _breaks(index, slots)

    return key(packed) < key(current)


def _breaks(index: Index, slots: dict[int, int]) -> int:
    busy: list[set[int]] = [set() for _ in index.part_pos]
    for r, t in slots.items():
        for p in index.pair(r):
            busy[p].add(t)
    return sum(count_breaks(b, index.sessions) for b in busy)


def _kept(after: tuple[str, ...], kept_ids: set[str]) -> tuple[str, ...]:
    return tuple(a for a in after if a in kept_ids)


def _levels(index: Index, v: cpmodel.Vars) -> list[Level]:
    """Objectives in lexicographic order, skipping those that are constant for this problem."""
    reqs = index.problem.requests
    all_required = all(r.required for r in reqs)
    levels = []
    if not all_required:
        levels.append(Level("weight", cpmodel.weight_goal(index, v), True))
        levels.append(Level("coverage", cpmodel.coverage_goal(index, v), True))
        levels.append(Level("min_count", cpmodel.min_count_goal(index, v), True))
    breaks = []
    if any(e is not None for e in v.breaks):
        breaks.append(Level("breaks", cpmodel.break_goal(index, v), False))
    if not index.problem.previous:
        return levels + breaks
    # A re-solve of a published schedule: people already hold calendars, so keeping their
    # meetings in place ranks above breaks (weight and fairness still come first).
    return levels + [Level("stability", cpmodel.change_goal(index, v), False)] + breaks


class _Run:
    """State of the level-by-level solve."""

    def __init__(self, v: cpmodel.Vars, ctx: _Context, deadline: float) -> None:
        self.v, self.started, self.deadline = v, ctx.started, deadline
        self.workers, self.seed, self.on_progress = ctx.workers, ctx.seed, ctx.on_progress
        self.all_optimal, self.infeasible = True, False
        self.cold = False  # the breaks level probes from the bottom at once (B2B files)
        self.bottom_up = False  # ... even from a start schedule (`_optimise`)
        self.refuting = True  # probes still start with a refutation run (small models)
        self.holders: set[int] | None = None  # likely holders of the breaks, once computed
        self.refuted_among: set[int] = set()  # bounds refuted with breaks among the holders
        self.values: list[int] | None = None

    def solve_levels(self, levels: list[Level]) -> list[int] | None:
        """Solve each level in turn; return the final variable values (None if none found)."""
        if not levels:
            levels = [Level("feasibility", 0, True)]
        for i, level in enumerate(levels):
            remaining = max(0.0, self.deadline - time.monotonic())
            share = _SHARES.get(level.name, 1.0)
            total = sum(_SHARES.get(lv.name, 1.0) for lv in levels[i:])
            budget = remaining * share / total if i < len(levels) - 1 else remaining
            if not self._solve_level(level, max(budget, 0.05)) and self.values is None:
                return None
        return self.values

    def _solve_level(self, level: Level, budget: float) -> bool:
        m = self.v.model
        if level.maximize:
            m.maximize(level.expr)
        else:
            m.minimize(level.expr)
        probing = not level.maximize and level.name == "breaks"
        end = time.monotonic() + budget
        self.cold = probing and (self.values is None or self.bottom_up)
        if self.cold:
            # No start solution (typical of all-required B2B files), or breaks are the only
            # goal of a small model: probe from the lower bound at once.
            status, solver = cp_model.UNKNOWN, None
        else:
            status, solver = self._run(level, budget * (0.15 if probing else 1.0))
        if status == cp_model.INFEASIBLE and self.values is None:
            self.infeasible = True
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        value, optimal = None, False
        if found:
            self.values = list(solver.response_proto.solution)
            value, optimal = round(solver.objective_value), status == cp_model.OPTIMAL
        elif self._keep_start(status, solver, probing):
            # Nothing beyond the start solution within the budget: keep its value as the
            # level's bound (so that later levels cannot trade this one away).
            found, value = True, _evaluate(level.expr, self.values)
        if probing and status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            found, value, optimal = self._probe_level(level, solver, found, budget, end, value)
        if not found:
            self.all_optimal = False
            return False
        self.all_optimal &= optimal
        self._fix_level(level, value)
        return True

    def _keep_start(self, status, solver, probing: bool) -> bool:
        """Whether an UNKNOWN run falls back on the start solution's value. On small models the
        breaks level probes bottom-up instead (as without a start: B2B files)."""
        if status != cp_model.UNKNOWN or self.values is None or solver is None:
            return False
        return not probing or len(self.v.x) > _LARGE

    def _probe_level(self, level: Level, solver, found: bool, budget: float, end: float, value):
        """Probes after the first search; returns (found, value, proved optimal)."""
        lower = max(_finite(solver.best_objective_bound, 0) if solver else 0, self.v.break_lb)
        upper = value if found else self.v.break_ub + 1
        if found and upper - lower > _PROBE_GAP and len(self.v.x) > _LARGE:
            # Large events far from the bound: probes would be hopeless, keep searching.
            self._fix_level(level, upper)
            status, solver = self._run(level, end - time.monotonic())
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                self.values = list(solver.response_proto.solution)
                upper = round(solver.objective_value)
            return True, upper, status == cp_model.OPTIMAL
        # Without any solution yet, keep 15 % of the time for a plain search.
        probe_end = end if found else end - _FALLBACK_SHARE * budget
        value, optimal = self._probe(level, (lower, upper), probe_end, end)
        if not found and value == upper:
            # every probe up to the largest possible break count failed
            self.infeasible = optimal and self.values is None
        found = found or value < upper
        if not found and not self.infeasible:
            status, solver = self._run(level, end - time.monotonic())
            found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            if found:
                self.values = list(solver.response_proto.solution)
                value, optimal = round(solver.objective_value), status == cp_model.OPTIMAL
        return found, value, optimal

    def _probe(self, level: Level, bounds, bottom_end: float, end: float) -> tuple[int, bool]:
        """Feasibility probes `expr <= k`: CP-SAT finds or refutes small break counts much
        faster than it closes the gap by search. Bottom-up from the lower bound until one is
        feasible, then `best - 1` with all the time left to prove (or improve) it. Returns the
        best value (`upper` if no probe succeeds) and whether it is proved optimal."""
        lower, upper = bounds
        lower, best = max(lower, 0), upper
        k, streak = lower, 0
        while k < best and time.monotonic() < bottom_end - 0.05:
            # Most of the time left: refuting the bounds below the optimum is usually quick
            # and the probe at the optimum (finding a schedule) is the long one. All of it
            # (up to the fallback search) when k is just below the best found, or once k - 1
            # is refuted: k is then the likeliest optimum, and later probes would get crumbs.
            last = best - k <= 1 or k == lower > bounds[0]
            share = 1.0 if last else _PROBE_SHARE
            slice_s = (bottom_end - time.monotonic()) * share
            began = time.monotonic()
            status, value = self._feasible(level, k, slice_s, lower, best)
            if value is not None:
                best = value
                break
            if status == cp_model.INFEASIBLE:
                lower = k + 1  # monotone: every smaller bound is infeasible too
                streak = streak + 1 if time.monotonic() - began < _QUICK_REFUTE_S else 0
                if streak == _QUICK_STREAK:
                    status, value = self._any_schedule(level, upper, bottom_end)
                    if status == cp_model.INFEASIBLE:
                        return upper, True  # upper is optimal (no schedule at all if none found)
                    if value is not None:
                        best = value  # a schedule: the fallback, and a better bound to beat
            k += 1
        while lower < best < upper and time.monotonic() < end - 0.05:
            status, value = self._feasible(level, best - 1, end - time.monotonic(), lower, best)
            if value is not None:
                best = value
            elif status == cp_model.INFEASIBLE:
                lower = best
            else:
                break
        return best, lower >= best

    def _any_schedule(self, level: Level, upper: int, end: float):
        """After a streak of quick refutations: whether any schedule exists below `upper` (a
        short refutation run; with no schedule found yet, `upper` is one more than the
        largest possible count, so any schedule at all). With a fairness bound,
        fixed meetings can make every count infeasible: ticf-14crafa.fixed040-Forb was
        refuted 700 times in 0.06 s each (44 s) up to its largest count; this run refutes it
        at once. On the B2B files with schedules it finds one in 0.2-1.7 s (kept as the
        fallback), or settles nothing within its short time."""
        budget = min(_REFUTE_S, _REFUTE_SHARE * (end - time.monotonic()))
        return self._probe_run(level, upper - 1, budget, refute=True)

    def _feasible(self, level: Level, k: int, budget: float, lower: int = 0, best: int = 0):
        """Solve with `expr <= k` and no objective; keep and return the value if feasible.
        Returns (status, value or None); `best` is the best value found so far.

        On small models, a short run with a full-LP worker first: it refutes some bounds in
        a second that the schedule-finding workers never refute (tic-13crafc "<= 3": 1.8 s
        against nothing in 30 s); then "one break" is split by who holds it (split.py), and
        other bounds are searched among the likely holders first (`_among_holders`), then
        get the schedule-finding workers for the time left. When k is refuted among the
        holders and k + 1 would beat `best`, a schedule at k + 1 is searched for among them
        first, and returned if found (a value above k: the caller's last probe is then k)."""
        end = time.monotonic() + budget
        # Only when the level started without a schedule: with a start (events with optional
        # requests), the probes are far from the optimum and the extra runs cost breaks
        # (160 participants: 140 breaks with them against 106-131 without).
        small = self.cold and len(self.v.x) <= _LARGE and self.workers >= 2
        if small and self.refuting:
            quick = min(budget * _REFUTE_SHARE, _REFUTE_S)
            began = time.monotonic()
            status, value = self._probe_run(level, k, quick, refute=True)
            if status == cp_model.INFEASIBLE and time.monotonic() - began > _REFUTE_FULL * quick:
                # Refuted, but only just in time: the next bound's refutation, harder as a
                # rule, would not fit, and a schedule there is the finding run's job
                # (ticf-13crafb "<= 2" refuted in 2.5-2.8 s of 3 on a slow machine, then
                # "<= 3" feasible).
                self.refuting = False
            if status == cp_model.INFEASIBLE or value is not None:
                return status, value
            # Once the refutation run settles nothing, the next probes (closer to the
            # optimum, where a schedule has to be found) get all their time for finding.
            self.refuting = False
        if small and k == 1 and lower >= 1:
            status, value = self._core_guided(level, k, end)
            if status != cp_model.UNKNOWN:
                return status, value
            return self._split(level, end - time.monotonic())
        if small and k >= 1 and self._holders(end):
            status, value = self._among_holders(level, k, end)
            if value is not None:
                return status, value
            if status == cp_model.INFEASIBLE and k + 1 < best:
                # Refuted among the holders: k may be below the optimum, whose schedule is
                # usually found among them in seconds, while refuting k can take most of the
                # time left (forum-13crafb.forb0003 "<= 4": 31-38 s on a slow machine). Look
                # for a schedule at k + 1 first: the refutation of k then gets all the time
                # left with that schedule in hand (`_probe`), instead of k + 1 getting the
                # crumbs; when k + 1 is below the optimum too, its search among the holders is
                # refuted as quickly (and not repeated).
                ahead, value = self._among_holders(level, k + 1, end)
                if value is not None:
                    return ahead, value
            elif status == cp_model.INFEASIBLE and k + 1 == best:
                # A schedule at k + 1 in hand and k refuted among the holders: refuting k is
                # the likeliest outcome. One run with the two LP-free searches and, as a
                # third worker, CP-SAT's core-based one: forum-13crafb "<= 5" refuted in
                # 5.8 s (LP-free alone 10.5 s) and forum-13crafb.forb0003 "<= 4" in
                # 36.5-38.0 s (LP-free alone 34.5-37.8 s), where the short run with the core
                # worker below settles nothing and its 6 s are lost.
                return self._probe_run(level, k, end - time.monotonic(), refute=False, core="find")
            # No schedule among the likely holders: k may be below the optimum. A short run
            # with CP-SAT's core-based worker on the break objective refutes some such bounds
            # sooner than two LP-free searches (forum-13crafb "<= 5": 4.5 s against 10.6 s),
            # but not all (forum-13crafb.forb0003 "<= 4": nothing in 38 s against 30.1 s):
            # the LP-free searches get the time it leaves. Its partner: `no_lp` (which still
            # finds a schedule if there is one) after a refutation; `max_lp` when the search
            # settled nothing, as on bounds that only the LP refutes (tic-13crafc.prec25
            # "<= 3" once its refutation run ran out of time: `max_lp` + `core` 5.4 s).
            quick = min(_CORE_S, _CORE_SHARE * (end - time.monotonic()))
            core = "no_lp" if status == cp_model.INFEASIBLE else "max_lp"
            status, value = self._probe_run(level, k, quick, refute=False, core=core)
            if status != cp_model.UNKNOWN:
                return status, value
        return self._probe_run(level, k, end - time.monotonic(), refute=False)

    def _holders(self, end: float) -> set[int]:
        """The likely holders of the breaks, computed once per solve (holders.py)."""
        if self.holders is None:
            budget = min(_HOLDERS_S, _HOLDERS_SHARE * (end - time.monotonic()))
            self.holders = likely_holders(
                self.v, budget=budget, workers=self.workers, seed=self.seed
            )
        return self.holders

    def _among_holders(self, level: Level, k: int, end: float):
        """`breaks <= k` with breaks allowed only to the likely holders (holders.py), at most
        one each: a schedule found is a schedule, but a refutation proves nothing, so the
        plain probe follows with the time left. Finding who takes the breaks is what makes
        the probe at the optimum slow: with these candidates, forum-13crafb "<= 6" was found in
        4.9-11.3 s and ticf-13crafb "<= 3" in 6.6-9.5 s (4 seeds each), against 13-33 s and
        18-41 s for the plain probe; below the optimum the restricted probe is refuted in
        1.0-2.1 s on the originals (docs/scheduling.md)."""
        if k in self.refuted_among:
            return cp_model.INFEASIBLE, None
        m = self.v.model
        added = [
            m.add(e <= 1 if p in self.holders else e == 0)
            for p, e in enumerate(self.v.breaks)
            if e is not None
        ]
        budget = min(_AMONG_S, _AMONG_SHARE * (end - time.monotonic()))
        status, value = self._probe_run(level, k, budget, refute=False)
        for ct in added:
            m.proto.constraints[ct.index].clear_linear()
        if status == cp_model.INFEASIBLE:
            self.refuted_among.add(k)
        return status, value

    def _core_guided(self, level: Level, k: int, end: float):
        """`breaks <= k` by core-guided MaxSAT (maxsat.py), when its clauses say what the
        model says; a schedule it finds is completed by CP-SAT (the same meetings in the same
        slots, every other variable filled in). UNKNOWN when it settles nothing in time."""
        index = self.v.index
        if not maxsat.encodable(index, k):
            return cp_model.UNKNOWN, None
        budget = (end - time.monotonic()) * _MAXSAT_SHARE
        verdict, slots = maxsat.at_most(index, k, budget=budget)
        if verdict == "refuted":
            return cp_model.INFEASIBLE, None
        if slots is None:
            return cp_model.UNKNOWN, None
        m = self.v.model
        chosen = [self.v.x[r, t] for r, t in slots.items()]
        fixed = m.add(sum(chosen) == len(index.allowed))
        status, value = self._probe_run(level, k, end - time.monotonic(), refute=False)
        m.proto.constraints[fixed.index].clear_linear()
        # Not completed (it would mean the clauses and the model disagree): the split decides.
        return (status, value) if value is not None else (cp_model.UNKNOWN, None)

    def _split(self, level: Level, budget: float):
        """`breaks <= 1` when no schedule is without breaks: one case per holder (split.py)."""
        index, breaks = self.v.index, self.v.breaks
        holders = [p for p, e in enumerate(breaks) if e is not None]
        holders = [p for p in holders if len(index.by_participant[p]) >= 2]
        blocks = break_free_blocks(self.v, holders)

        def likeliest(p: int) -> tuple[int, int]:
            # Who may hold the break: two requests at least; first those with the fewest
            # windows to hold their meetings without a break, then the busiest (the holders
            # of forum-13crafc's break have 6-10 meetings; forum-13crafc.forb0007's holder,
            # with 8 windows, comes 10th instead of about 25th busiest-first).
            windows = len(window_starts(*blocks[p])) if p in blocks else index.n_slots
            return windows, -len(index.by_participant[p])

        holders.sort(key=likeliest)
        status, values = split_one_break(
            self.v.model,
            breaks,
            holders,
            blocks=blocks,
            budget=budget,
            workers=self.workers,
            seed=self.seed,
        )
        if values is None:
            return status, None
        self.values = values
        return status, _evaluate(level.expr, values)

    def _probe_run(self, level: Level, k: int, budget: float, *, refute: bool, core=""):
        """`core` (the name of its partner, or "find" for the two LP-free searches): keep
        the break objective for CP-SAT's core-based worker (see `_run`)."""
        m = self.v.model
        ct = m.add(level.expr <= k)
        if not core:
            m.clear_objective()
        # Without a start schedule (B2B files), a probe that does not refute has to find one.
        find = self.cold and not refute
        status, solver = self._run(level, budget, refute=refute, find=find, core=core)
        m.proto.constraints[ct.index].clear_linear()
        m.minimize(level.expr)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None
        self.values = list(solver.response_proto.solution)
        return status, round(solver.value(level.expr))

    def _run(self, level: Level, budget: float, *, refute=False, find=False, core=""):
        """One CP-SAT run on the current model; returns (status, solver). `refute` and `find`
        choose the workers of a feasibility probe on a small model (see below)."""
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(budget, 0.05)
        params.num_workers = self.workers
        params.random_seed = self.seed
        params.log_search_progress = False
        light_presolve(params, len(self.v.x))
        if level.name == "breaks":
            # Measured on the B2B instances: LP-free CDCL workers find and refute small
            # break counts several times faster than the default LP-based portfolio.
            if params.num_workers == 1:
                params.linearization_level = 0
            else:
                small = len(self.v.x) <= _LARGE
                names = _SMALL_SUBSOLVERS if small else _SAT_SUBSOLVERS
                if small and find:
                    # `core`: the core-based worker joins its partner, or ("find") the
                    # LP-free searches, as one more worker.
                    names = [core] if core not in ("", "find") else _find_subsolvers(params)
                    if core:
                        names.append("core")
                        params.num_workers = max(params.num_workers, len(names))
                params.subsolvers.extend(names[: params.num_workers])
                if refute or (small and find):
                    # Every worker on the full problem (refuting: `no_lp` and `max_lp`;
                    # finding: LP-free workers with their own seeds). Otherwise, with 2
                    # workers, CP-SAT gives one to a first-solution heuristic (feasibility
                    # jump) and runs only `no_lp`: better from a start schedule.
                    params.num_full_subsolvers = params.num_workers
        callback = None
        if self.on_progress is not None:
            held = cp_model.LinearExpr.sum(list(self.v.x.values()))
            callback = _Progress(self.on_progress, self.started, level.name, held)
        return solver.solve(self.v.model, callback), solver

    def _fix_level(self, level: Level, value: int) -> None:
        """Keep the level's best value as a constraint and hint the solution to the next level."""
        m = self.v.model
        if not isinstance(level.expr, int):
            m.add(level.expr >= value if level.maximize else level.expr <= value)
        _set_hint(m, self.values)
        release_memory()


def _find_subsolvers(params) -> list[str]:
    """One LP-free CDCL worker per thread, each with its own seed, and no first-solution
    heuristic: finding a schedule at a small break bound is heavy-tailed, and independent
    searches cut the tail. Measured on the two hardest B2B originals (the probe at the
    optimum alone, 20-30 s): forum-13crafb "<= 6" found in 9 runs of 9 in 3-13 s (median 9 s)
    against 4 of 10 in 12-14 s with `no_lp` and feasibility jump; ticf-13crafb "<= 3" found
    in 9 of 9 in 5-23 s (median 9 s) against 6 of 9 in 7-18 s (docs/scheduling.md)."""
    names = ["no_lp"]
    for i in range(1, params.num_workers):
        names.append(f"no_lp_{i}")
        # The others without symmetry detection: the searches differ more than by their seed
        # (forum-13crafb "<= 6", 8 seeds: found in 2.5-7.5 s in 7 runs, once in 17.5 s, against
        # 6.7-18.9 s, median 9.4 s, with both alike; ticf-13crafb "<= 3" unchanged: median 8 s).
        params.merge_text_format(
            f'subsolver_params {{ name: "no_lp_{i}" linearization_level: 0 symmetry_level: 0 }}'
        )
    return names


def break_free_blocks(v: cpmodel.Vars, holders: list[int]) -> dict[int, tuple[int, list]]:
    """For split.py's windows: the participants among `holders` whose meeting count is known
    (one session, every request required, one meeting at a time), each with that count and
    the index of its busy variable in each slot (None where it cannot meet)."""
    index = v.index
    if len(index.sessions) != 1:
        return {}
    requests = index.problem.requests
    blocks = {}
    for p in holders:
        reqs = index.by_participant[p]
        if index.capacity(p) != 1 or not all(requests[r].required for r in reqs):
            continue
        busy = [v.busy.get((p, t)) for t in index.sessions[0]]
        blocks[p] = (len(reqs), [b.index if b is not None else None for b in busy])
    return blocks


def _evaluate(expr, values: list[int]) -> int:
    """Value of a linear expression for a full assignment of the model's variables."""
    if isinstance(expr, int):
        return expr
    flat = cp_model_helper.FlatIntExpr(expr)
    return flat.offset + sum(
        c * values[v.index] for v, c in zip(flat.vars, flat.coeffs, strict=True)
    )


def _set_hint(m: cp_model.CpModel, values: list[int] | None) -> None:
    """Hint every variable (written straight into the proto: no per-variable objects)."""
    m.clear_hints()
    if values:
        m.proto.solution_hint.vars.extend(range(len(values)))
        m.proto.solution_hint.values.extend(values)


def _finite(value: float, default: int) -> int:
    return round(value) if abs(value) < 1e12 else default


def _finish(index: Index, status, slots: dict[int, int], started, bound, notes) -> Solution:
    meetings = assign_tables(index, slots)
    meetings = tuple(sorted(meetings, key=lambda a: (index.slot_pos[a.slot], a.request)))
    unscheduled = unscheduled_reasons(index, meetings) if status != "unknown" else ()
    stats = compute_stats(
        index, meetings, upper_bound_weight=bound, wall_seconds=time.monotonic() - started
    )
    return Solution(status, meetings, unscheduled, stats, tuple(notes))
