"""Human explanations: why a problem is infeasible, why a request was left out."""

from __future__ import annotations

import re
from collections import Counter

from ortools.sat.python import cp_model

from .index import Index
from .model import Assignment, Unscheduled

# The reasons given for unscheduled requests, by key; `{participant}` is a participant id. An
# application that shows them in another language reads them back with `parse_reason`.
REASONS = {
    "no_common_slot": "no slot where both are free",
    "over_max": "over the max meetings of {participant}",
    "fully_booked": "{participant} fully booked by higher-priority requests",
    "no_table": "no free table in the common slots",
    "precedence": "its precedence order cannot be met in the free slots",
    "break_bound": "left out to respect the bound on break differences",
    "overall": "left out for a better overall schedule (fairness, breaks or time limit)",
}
# The sentences of `Solution.diagnostics` when the required meetings cannot all be held, by key.
DIAGNOSTICS = {
    "required_no_slot": 'required request "{request}" ({a}, {b}): no slot where both are free',
    "over_slots": 'participant "{participant}" has {n} required meetings but only {slots} '
    "available slots x capacity {capacity}",
    "over_max": 'participant "{participant}" has {n} required meetings but max_meetings {max}',
    "slot_overfull": 'slot "{slot}" has {n} fixed meetings but {tables} tables',
    "participant_fixed": 'participant "{participant}" has {n} meetings fixed in slot "{slot}"',
    "table_fixed": 'table "{table}" has {n} meetings fixed in slot "{slot}"',
    "cycle": "required requests {requests} must each come after another: cyclic precedences",
    "core": "these required meetings cannot all be scheduled together: {meetings}",
    "break_bound": "together with the bound max_break_difference = {d}",
    "no_short": "the required meetings cannot all be scheduled (no short explanation found)",
    "no_core": "the required meetings cannot all be scheduled",
    "time_limit": "no solution within the time limit",
}


def _patterns(sentences: dict[str, str]) -> dict[str, re.Pattern]:
    def pattern(text: str) -> re.Pattern:
        parts = re.split(r"\{(\w+)\}", text)  # literal, field, literal, field, ...
        body = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        return re.compile(f"^{body}$")

    return {key: pattern(text) for key, text in sentences.items()}


_REASON_PATTERNS = _patterns(REASONS)
_DIAGNOSTIC_PATTERNS = _patterns(DIAGNOSTICS)


def parse_reason(reason: str) -> tuple[str, dict[str, str]] | None:
    """(key of `REASONS`, its fields) for a reason written by this module, else None."""
    return _parse(_REASON_PATTERNS, reason)


def parse_diagnostic(sentence: str) -> tuple[str, dict[str, str]] | None:
    """(key of `DIAGNOSTICS`, its fields) for a diagnostic written by this module, else None."""
    return _parse(_DIAGNOSTIC_PATTERNS, sentence)


def _parse(patterns: dict[str, re.Pattern], text: str) -> tuple[str, dict[str, str]] | None:
    for key, pattern in patterns.items():
        if match := pattern.match(text):
            return key, match.groupdict()
    return None


def precheck(index: Index) -> tuple[str, ...]:
    """Cheap necessary conditions on the required meetings; each failure is one sentence."""
    return tuple(
        _required_without_slot(index)
        + _overloaded_participants(index)
        + _overfull_fixed_slots(index)
        + _precedence_cycles(index)
    )


def _required(index: Index) -> list[int]:
    return [r for r, req in enumerate(index.problem.requests) if req.required]


def _required_without_slot(index: Index) -> list[str]:
    reqs = index.problem.requests
    return [
        DIAGNOSTICS["required_no_slot"].format(request=reqs[r].id, a=reqs[r].a, b=reqs[r].b)
        for r in _required(index)
        if not index.allowed[r]
    ]


def _overloaded_participants(index: Index) -> list[str]:
    notes = []
    count = Counter(p for r in _required(index) for p in index.pair(r))
    for p, n in sorted(count.items()):
        part = index.problem.participants[p]
        usable = len(index.available[p]) * part.capacity
        if n > usable:
            notes.append(
                DIAGNOSTICS["over_slots"].format(
                    participant=part.id,
                    n=n,
                    slots=len(index.available[p]),
                    capacity=part.capacity,
                )
            )
        if part.max_meetings is not None and n > part.max_meetings:
            notes.append(
                DIAGNOSTICS["over_max"].format(participant=part.id, n=n, max=part.max_meetings)
            )
    return notes


def _overfull_fixed_slots(index: Index) -> list[str]:
    problem, notes = index.problem, []
    fixed = [r for r in _required(index) if problem.requests[r].fixed_slot is not None]
    per_slot = Counter(problem.requests[r].fixed_slot for r in fixed)
    for slot, n in sorted(per_slot.items()):
        if n > problem.table_count:
            notes.append(
                DIAGNOSTICS["slot_overfull"].format(slot=slot, n=n, tables=problem.table_count)
            )
    per_part = Counter((p, problem.requests[r].fixed_slot) for r in fixed for p in index.pair(r))
    for (p, slot), n in sorted(per_part.items()):
        part = problem.participants[p]
        if n > part.capacity:
            notes.append(
                DIAGNOSTICS["participant_fixed"].format(participant=part.id, n=n, slot=slot)
            )
    per_table = Counter(
        (index.forced_table[r], problem.requests[r].fixed_slot)
        for r in fixed
        if index.forced_table[r] is not None
    )
    tables = problem.tables if problem.has_table_list else ()
    for (k, slot), n in sorted(per_table.items()):
        if n > 1:
            notes.append(DIAGNOSTICS["table_fixed"].format(table=tables[k].id, n=n, slot=slot))
    return notes


def _precedence_cycles(index: Index) -> list[str]:
    """A cycle of `after` among required requests can never be held in order."""
    required = set(_required(index))
    color: dict[int, int] = {}
    reqs = index.problem.requests

    def visit(r: int, path: list[int]) -> list[int] | None:
        color[r] = 1
        path.append(r)
        for q in index.preds[r]:
            if q not in required:
                continue
            if color.get(q) == 1:
                return path[path.index(q) :]
            if q not in color and (cycle := visit(q, path)):
                return cycle
        color[r] = 2
        path.pop()
        return None

    for r in sorted(required):
        if r not in color and (cycle := visit(r, [])):
            names = ", ".join(f'"{reqs[q].id}"' for q in cycle)
            return [DIAGNOSTICS["cycle"].format(requests=names)]
    return []


def explain_infeasible(index: Index, *, time_limit_s: float = 10.0) -> tuple[str, ...]:
    """Name a small set of required requests (and the break bound) that cannot hold together."""
    from .cpmodel import build_model  # local: only needed on this rare path

    v = build_model(index, assume=True)
    lits = list(v.required_lits.values())
    if v.break_bound_lit is not None:
        lits.append(v.break_bound_lit)
    v.model.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    solver.parameters.cp_model_presolve = False  # presolve can hide the core
    status = solver.solve(v.model)
    if status != cp_model.INFEASIBLE:
        return (DIAGNOSTICS["no_short"],)
    core = set(solver.sufficient_assumptions_for_infeasibility())
    reqs = index.problem.requests
    names = [
        f'"{reqs[r].id}" ({reqs[r].a}-{reqs[r].b})'
        for r, lit in v.required_lits.items()
        if lit.index in core
    ]
    notes = []
    if names:
        notes.append(DIAGNOSTICS["core"].format(meetings=", ".join(names)))
    if v.break_bound_lit is not None and v.break_bound_lit.index in core:
        d = index.problem.objective.max_break_difference
        notes.append(DIAGNOSTICS["break_bound"].format(d=d))
    return tuple(notes) or (DIAGNOSTICS["no_core"],)


def unscheduled_reasons(index: Index, meetings: tuple[Assignment, ...]) -> tuple[Unscheduled, ...]:
    """A reason for every request that is not in `meetings`."""
    held = {index.req_pos[m.request]: index.slot_pos[m.slot] for m in meetings}
    load = Counter()
    slot_load = Counter(held.values())
    count = Counter()
    for r, t in held.items():
        for p in index.pair(r):
            load[p, t] += 1
            count[p] += 1
    ctx = (held, load, slot_load, count)
    reqs = index.problem.requests
    return tuple(
        Unscheduled(req.id, _reason(index, r, ctx)) for r, req in enumerate(reqs) if r not in held
    )


def _reason(index: Index, r: int, ctx) -> str:
    held, load, slot_load, count = ctx
    parts = index.problem.participants
    if not index.allowed[r]:
        return REASONS["no_common_slot"]
    for p in index.pair(r):
        cap_m = index.max_meetings(p)
        if cap_m is not None and count[p] >= cap_m:
            return REASONS["over_max"].format(participant=parts[p].id)
    blocked = Counter()
    open_slots = []
    for t in index.allowed[r]:
        full = [p for p in index.pair(r) if load[p, t] >= index.capacity(p)]
        blocked.update(full)
        if not full:
            open_slots.append(t)
    if not open_slots:
        p = max(index.pair(r), key=lambda q: (blocked[q], -q))
        return REASONS["fully_booked"].format(participant=parts[p].id)
    if all(slot_load[t] >= index.problem.table_count for t in open_slots):
        return REASONS["no_table"]
    if index.preds[r] and any(q in held for q in index.preds[r]):
        return REASONS["precedence"]
    if index.problem.objective.max_break_difference is not None:
        return REASONS["break_bound"]
    return REASONS["overall"]
