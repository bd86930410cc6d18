"""Independent verification of a solution against every hard constraint, and of its stats."""

from __future__ import annotations

from collections import Counter

from .index import Index, build_index
from .metrics import breaks_per_participant, compute_stats
from .model import Problem, Solution


def check(problem: Problem, solution: Solution) -> list[str]:
    """Every violated hard constraint or wrong stat, one sentence each (empty list = valid)."""
    index = build_index(problem)
    errors = _references(index, solution)
    if errors:
        return errors
    for rule in (_slots_allowed, _capacity, _tables, _max_meetings, _precedences, _breaks):
        errors += rule(index, solution)
    if solution.status in ("optimal", "feasible"):
        errors += _required(index, solution)
    return errors + _stats(index, solution)


def _references(index: Index, solution: Solution) -> list[str]:
    errors, seen = [], set()
    for i, m in enumerate(solution.meetings):
        where = f"meetings[{i}]"
        if m.request not in index.req_pos:
            errors.append(f'{where}: unknown request "{m.request}"')
        elif m.request in seen:
            errors.append(f'{where}: request "{m.request}" scheduled twice')
        seen.add(m.request)
        if m.slot not in index.slot_pos:
            errors.append(f'{where}: unknown slot "{m.slot}"')
        if index.problem.has_table_list and m.table not in index.table_pos:
            errors.append(f"{where}: missing or unknown table {m.table!r}")
        if not index.problem.has_table_list and m.table is not None:
            errors.append(f"{where}: table given but the problem only counts tables")
    return errors


def _slots_allowed(index: Index, solution: Solution) -> list[str]:
    errors = []
    for m in solution.meetings:
        req = index.problem.requests[index.req_pos[m.request]]
        for pid in (req.a, req.b):
            part = index.problem.participants[index.part_pos[pid]]
            if m.slot in part.unavailable:
                errors.append(f'"{m.request}": {pid} is unavailable in slot "{m.slot}"')
        if req.slots is not None and m.slot not in req.slots:
            errors.append(f'"{m.request}": slot "{m.slot}" is not among its allowed slots')
        if req.fixed_slot is not None and m.slot != req.fixed_slot:
            errors.append(f'"{m.request}": fixed to "{req.fixed_slot}", scheduled in "{m.slot}"')
    return errors


def _capacity(index: Index, solution: Solution) -> list[str]:
    load = Counter()
    for m in solution.meetings:
        req = index.problem.requests[index.req_pos[m.request]]
        load[req.a, m.slot] += 1
        load[req.b, m.slot] += 1
    errors = []
    for (pid, slot), n in sorted(load.items()):
        cap = index.problem.participants[index.part_pos[pid]].capacity
        if n > cap:
            errors.append(f'{pid} has {n} meetings in slot "{slot}" (capacity {cap})')
    return errors


def _tables(index: Index, solution: Solution) -> list[str]:
    problem, errors = index.problem, []
    per_slot = Counter(m.slot for m in solution.meetings)
    for slot, n in sorted(per_slot.items()):
        if n > problem.table_count:
            errors.append(f'slot "{slot}" has {n} meetings but {problem.table_count} tables')
    if not problem.has_table_list:
        return errors
    per_table = Counter((m.table, m.slot) for m in solution.meetings)
    for (table, slot), n in sorted(per_table.items()):
        if n > 1:
            errors.append(f'table "{table}" has {n} meetings in slot "{slot}"')
    for m in solution.meetings:
        k = index.forced_table[index.req_pos[m.request]]
        if k is not None and m.table != problem.tables[k].id:
            errors.append(f'"{m.request}": must be at home table "{problem.tables[k].id}"')
    return errors


def _max_meetings(index: Index, solution: Solution) -> list[str]:
    count = Counter()
    for m in solution.meetings:
        req = index.problem.requests[index.req_pos[m.request]]
        count[req.a] += 1
        count[req.b] += 1
    errors = []
    for part in index.problem.participants:
        if part.max_meetings is not None and count[part.id] > part.max_meetings:
            errors.append(
                f"{part.id} has {count[part.id]} meetings, over its max {part.max_meetings}"
            )
    return errors


def _precedences(index: Index, solution: Solution) -> list[str]:
    pos = {m.request: index.slot_pos[m.slot] for m in solution.meetings}
    errors = []
    for req in index.problem.requests:
        for before in req.after:
            if req.id in pos and before in pos and pos[before] >= pos[req.id]:
                errors.append(f'"{req.id}" must come after "{before}"')
    return errors


def _breaks(index: Index, solution: Solution) -> list[str]:
    d = index.problem.objective.max_break_difference
    breaks = breaks_per_participant(index, solution.meetings)
    if d is None or not breaks or max(breaks) - min(breaks) <= d:
        return []
    return [f"break counts range from {min(breaks)} to {max(breaks)}, over the bound {d}"]


def _required(index: Index, solution: Solution) -> list[str]:
    held = {m.request for m in solution.meetings}
    return [
        f'required request "{req.id}" is not scheduled'
        for req in index.problem.requests
        if req.required and req.id not in held
    ]


def _stats(index: Index, solution: Solution) -> list[str]:
    real = compute_stats(index, solution.meetings)
    errors = []
    for name in ("weight", "meetings", "breaks", "participants_without_meeting"):
        claimed, actual = getattr(solution.stats, name), getattr(real, name)
        if claimed != actual:
            errors.append(f"stats.{name} is {claimed}, recomputed {actual}")
    if solution.stats.changed_from_previous != real.changed_from_previous:
        errors.append(
            f"stats.changed_from_previous is {solution.stats.changed_from_previous}, "
            f"recomputed {real.changed_from_previous}"
        )
    ub = solution.stats.upper_bound_weight
    if ub is not None and real.weight > ub:
        errors.append(f"weight {real.weight} exceeds the upper bound {ub}")
    return errors
