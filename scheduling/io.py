"""JSON reading, validation and writing of the schedule-problem/1 interchange format."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._fields import (
    as_list,
    as_object,
    check_ref,
    fail,
    get_bool,
    get_ids,
    get_int,
    get_str,
    unique_id,
)
from .model import (
    PROBLEM_FORMAT,
    SOLUTION_FORMAT,
    STATUSES,
    Assignment,
    Objective,
    Participant,
    Problem,
    ProblemError,
    Request,
    Slot,
    Solution,
    Stats,
    Table,
    Unscheduled,
)

_PROBLEM_KEYS = {"format", "name", "slots", "tables", "participants", "requests"}
_PROBLEM_KEYS |= {"objective", "previous"}
_PARTICIPANT_KEYS = {"id", "kind", "capacity", "max_meetings", "unavailable", "home_table"}
_REQUEST_KEYS = {"id", "a", "b", "weight", "required", "slots", "fixed_slot", "after"}
_STATS_KEYS = set(Stats.__dataclass_fields__)


def problem_from_dict(data: Any) -> Problem:
    """Validate a decoded JSON document and build a Problem; raise ProblemError if malformed."""
    as_object(data, "", _PROBLEM_KEYS, {"slots", "participants", "requests"})
    _check_format(data, PROBLEM_FORMAT)
    slots = _read_slots(data["slots"])
    slot_ids = {s.id for s in slots}
    tables = _read_tables(data.get("tables", 0))
    table_ids = set() if isinstance(tables, int) else {t.id for t in tables}
    participants = _read_participants(data["participants"], slot_ids, table_ids)
    requests = _read_requests(data["requests"], slot_ids, {p.id for p in participants})
    objective = _read_objective(data.get("objective"))
    previous = _read_previous(data.get("previous"), {r.id for r in requests}, slot_ids, table_ids)
    name = get_str(data, "name", "", None)
    return Problem(slots, participants, requests, tables, name, objective, previous)


def _check_format(data: dict, expected: str) -> None:
    if "format" in data and data["format"] != expected:
        raise fail("format", f'expected "{expected}", got {json.dumps(data["format"])}')


def _read_slots(value: Any) -> tuple[Slot, ...]:
    seen: set[str] = set()
    slots = []
    for i, item in enumerate(as_list(value, "slots")):
        path = f"slots[{i}]"
        as_object(item, path, {"id", "session", "start", "end"}, {"id"})
        ident = unique_id(item, path, seen, "slot")
        session = get_str(item, "session", path, "main")
        start, end = get_str(item, "start", path, None), get_str(item, "end", path, None)
        slots.append(Slot(ident, session, start, end))
    return tuple(slots)


def _read_tables(value: Any) -> int | tuple[Table, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise fail("tables", f"must be at least 0, got {value}")
        return value
    if not isinstance(value, list):
        raise fail("tables", "expected a list of tables or an integer count")
    seen: set[str] = set()
    tables = []
    for i, item in enumerate(value):
        path = f"tables[{i}]"
        as_object(item, path, {"id", "zone"}, {"id"})
        tables.append(
            Table(unique_id(item, path, seen, "table"), get_str(item, "zone", path, None))
        )
    return tuple(tables)


def _read_participants(value: Any, slot_ids: set, table_ids: set) -> tuple[Participant, ...]:
    seen: set[str] = set()
    result = []
    for i, item in enumerate(as_list(value, "participants")):
        path = f"participants[{i}]"
        as_object(item, path, _PARTICIPANT_KEYS, {"id"})
        ident = unique_id(item, path, seen, "participant")
        home = item.get("home_table")
        if home is not None:
            check_ref(home, f"{path}.home_table", table_ids, "table")
        result.append(
            Participant(
                id=ident,
                kind=get_str(item, "kind", path, None),
                capacity=get_int(item, "capacity", path, 1, 1),
                max_meetings=get_int(item, "max_meetings", path, None, 0),
                unavailable=get_ids(item, "unavailable", path, slot_ids, "slot") or (),
                home_table=home,
            )
        )
    return tuple(result)


def _read_requests(value: Any, slot_ids: set, participant_ids: set) -> tuple[Request, ...]:
    items = as_list(value, "requests")
    seen: set[str] = set()
    for i, item in enumerate(items):
        as_object(item, f"requests[{i}]", _REQUEST_KEYS, {"id", "a", "b"})
        unique_id(item, f"requests[{i}]", seen, "request")
    return tuple(
        _read_request(item, i, slot_ids, participant_ids, seen) for i, item in enumerate(items)
    )


def _read_request(
    item: dict, i: int, slot_ids: set, participant_ids: set, request_ids: set
) -> Request:
    path = f"requests[{i}]"
    a = check_ref(item["a"], f"{path}.a", participant_ids, "participant")
    b = check_ref(item["b"], f"{path}.b", participant_ids, "participant")
    if a == b:
        raise fail(f"{path}.b", f'a participant cannot meet itself ("{a}")')
    fixed = item.get("fixed_slot")
    if fixed is not None:
        check_ref(fixed, f"{path}.fixed_slot", slot_ids, "slot")
    after = get_ids(item, "after", path, request_ids, "request") or ()
    if item["id"] in after:
        raise fail(f"{path}.after", "a request cannot follow itself")
    return Request(
        id=item["id"],
        a=a,
        b=b,
        weight=get_int(item, "weight", path, 1, 1),
        required=get_bool(item, "required", path, False),
        slots=get_ids(item, "slots", path, slot_ids, "slot"),
        fixed_slot=fixed,
        after=after,
    )


def _read_objective(value: Any) -> Objective:
    if value is None:
        return Objective()
    as_object(value, "objective", {"max_break_difference"}, set())
    return Objective(get_int(value, "max_break_difference", "objective", None, 0))


def _read_previous(value: Any, request_ids: set, slot_ids: set, table_ids: set) -> tuple:
    if value is None:
        return ()
    return _read_assignments(value, "previous", request_ids, slot_ids, table_ids)


def _read_assignments(value: Any, path: str, request_ids: set, slot_ids: set, table_ids: set):
    result = []
    for i, item in enumerate(as_list(value, path)):
        here = f"{path}[{i}]"
        as_object(item, here, {"request", "slot", "table"}, {"request", "slot"})
        request = check_ref(item["request"], f"{here}.request", request_ids, "request")
        slot = check_ref(item["slot"], f"{here}.slot", slot_ids, "slot")
        table = item.get("table")
        if table is not None:
            check_ref(table, f"{here}.table", table_ids, "table")
        result.append(Assignment(request, slot, table))
    return tuple(result)


def problem_to_dict(problem: Problem) -> dict:
    """Encode a Problem as a JSON-ready dict in schedule-problem/1."""
    tables = problem.tables
    return {
        "format": PROBLEM_FORMAT,
        "name": problem.name,
        "slots": [asdict(s) for s in problem.slots],
        "tables": tables if isinstance(tables, int) else [asdict(t) for t in tables],
        "participants": [_participant_dict(p) for p in problem.participants],
        "requests": [_request_dict(r) for r in problem.requests],
        "objective": asdict(problem.objective),
        "previous": [_assignment_dict(a) for a in problem.previous],
    }


def _participant_dict(p: Participant) -> dict:
    data = asdict(p)
    data["unavailable"] = list(p.unavailable)
    return data


def _request_dict(r: Request) -> dict:
    data = asdict(r)
    data["slots"] = None if r.slots is None else list(r.slots)
    data["after"] = list(r.after)
    return data


def _assignment_dict(a: Assignment) -> dict:
    data = {"request": a.request, "slot": a.slot}
    if a.table is not None:
        data["table"] = a.table
    return data


def solution_to_dict(solution: Solution) -> dict:
    """Encode a Solution as a JSON-ready dict in schedule-solution/1."""
    data = {
        "format": SOLUTION_FORMAT,
        "status": solution.status,
        "meetings": [_assignment_dict(a) for a in solution.meetings],
        "unscheduled": [asdict(u) for u in solution.unscheduled],
        "stats": asdict(solution.stats),
    }
    if solution.diagnostics:
        data["diagnostics"] = list(solution.diagnostics)
    return data


def solution_from_dict(data: Any) -> Solution:
    """Validate and decode a schedule-solution/1 document (references are not resolved)."""
    keys = {"format", "status", "meetings", "unscheduled", "stats", "diagnostics"}
    as_object(data, "", keys, {"status"})
    _check_format(data, SOLUTION_FORMAT)
    if data["status"] not in STATUSES:
        raise fail("status", f"expected one of {', '.join(STATUSES)}, got {data['status']!r}")
    anything = _Anything()
    meetings = _read_assignments(data.get("meetings", []), "meetings", anything, anything, anything)
    unscheduled = []
    for i, item in enumerate(as_list(data.get("unscheduled", []), "unscheduled")):
        path = f"unscheduled[{i}]"
        as_object(item, path, {"request", "reason"}, {"request"})
        unscheduled.append(
            Unscheduled(get_str(item, "request", path), get_str(item, "reason", path, ""))
        )
    diagnostics = as_list(data.get("diagnostics", []), "diagnostics")
    for i, text in enumerate(diagnostics):
        if not isinstance(text, str):
            raise fail(f"diagnostics[{i}]", "expected a string")
    stats = _read_stats(data.get("stats", {}))
    return Solution(data["status"], meetings, tuple(unscheduled), stats, tuple(diagnostics))


def _read_stats(value: Any) -> Stats:
    as_object(value, "stats", _STATS_KEYS, set())
    ints = {k: get_int(value, k, "stats", 0, 0) for k in _STATS_KEYS - {"wall_seconds"}}
    ints["upper_bound_weight"] = get_int(value, "upper_bound_weight", "stats", None, 0)
    wall = value.get("wall_seconds", 0.0)
    if isinstance(wall, bool) or not isinstance(wall, int | float):
        raise fail("stats.wall_seconds", "expected a number")
    return Stats(**ints, wall_seconds=float(wall))


class _Anything:
    """Stands for a set of known ids when a solution is read without its problem."""

    def __contains__(self, item: object) -> bool:
        return True


def _load_json(path: str | Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(
            f"{path}: bad JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc


def parse_problem(text: str) -> Problem:
    """Decode and validate a problem from JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(f"bad JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    return problem_from_dict(data)


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file."""
    return problem_from_dict(_load_json(path))


def load_solution(path: str | Path) -> Solution:
    """Read and validate a solution file."""
    return solution_from_dict(_load_json(path))


def dump_problem(problem: Problem, path: str | Path | None = None) -> str:
    """Serialise a problem to JSON text, also writing it to `path` when given."""
    return _dump(problem_to_dict(problem), path)


def dump_solution(solution: Solution, path: str | Path | None = None) -> str:
    """Serialise a solution to JSON text, also writing it to `path` when given."""
    return _dump(solution_to_dict(solution), path)


def _dump(data: dict, path: str | Path | None) -> str:
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
