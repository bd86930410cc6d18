"""Reader for the B2B benchmark .dzn files (b2bsat, JAIR 2022 and Catalan field names)."""

from __future__ import annotations

import re
from pathlib import Path

from .io import problem_from_dict, problem_to_dict
from .model import Objective, Participant, Problem, ProblemError, Request, Slot

_CATALAN = {
    "nEmpreses": "nBusiness",
    "nReunions": "nMeetings",
    "nTaules": "nTables",
    "nFrangesTotal": "nTotalSlots",
    "nFrangesMati": "nMorningSlots",
    "demanades": "requested",
    "nReunionsEmpresa": "nMeetingsBusiness",
    "fixat": "fixed",
    "prohibides": "forbidden",
}
_NEEDED = ("nBusiness", "nTables", "nTotalSlots", "nMorningSlots", "requested")


def parse_dzn(text: str) -> dict[str, object]:
    """Parse MiniZinc data: ints, 1-D arrays of ints or sets, and 2-D `[| ... |]` arrays."""
    text = re.sub(r"%[^\n]*", "", text)
    fields: dict[str, object] = {}
    for statement in text.split(";"):
        if not statement.strip():
            continue
        name, sep, value = statement.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ProblemError(f"dzn: cannot parse statement {statement.strip()[:40]!r}")
        # First definition wins: forumt-14crafe repeats nMorningSlots for the meeting counts.
        fields.setdefault(_CATALAN.get(name, name), _value(name, value))
    return fields


def _value(name: str, value: str) -> object:
    if value.startswith("[|"):
        rows = value[2:].rstrip("]").rstrip("|").split("|")
        return [[int(x) for x in re.findall(r"-?\d+", row)] for row in rows if row.strip()]
    if value.startswith("["):
        items = re.findall(r"\{[^}]*\}|-?\d+", value)
        return [
            {int(x) for x in re.findall(r"-?\d+", item)} if item.startswith("{") else int(item)
            for item in items
        ]
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    raise ProblemError(f"dzn: {name}: unsupported value {value[:40]!r}")


def problem_from_dzn(text: str, *, name: str | None = None, max_break_difference: int = 2):
    """Build a Problem: every meeting required, all slots in one session (whole-day breaks)."""
    f = parse_dzn(text)
    for key in _NEEDED:
        if key not in f:
            raise ProblemError(f"dzn: missing field {key}")
    n_slots, morning = int(f["nTotalSlots"]), int(f["nMorningSlots"])
    slots = tuple(Slot(f"s{t}", "day") for t in range(1, n_slots + 1))
    session_slots = {
        1: tuple(f"s{t}" for t in range(1, morning + 1)),
        2: tuple(f"s{t}" for t in range(morning + 1, n_slots + 1)),
    }
    forbidden = f.get("forbidden") or [set()] * int(f["nBusiness"])
    participants = tuple(
        Participant(f"P{p}", unavailable=tuple(f"s{t}" for t in sorted(forbidden[p - 1]) if t))
        for p in range(1, int(f["nBusiness"]) + 1)
    )
    fixed = f.get("fixed") or [0] * len(f["requested"])
    precedences = f.get("precedences") or [set()] * len(f["requested"])
    requests = []
    for m, (a, b, code) in enumerate(f["requested"], start=1):
        fixed_slot = f"s{fixed[m - 1]}" if fixed[m - 1] else None
        after = tuple(f"M{q}" for q in sorted(precedences[m - 1]) if q)
        restrict = session_slots.get(code) if morning < n_slots else None
        requests.append(Request(f"M{m}", f"P{a}", f"P{b}", 1, True, restrict, fixed_slot, after))
    problem = Problem(
        slots=slots,
        participants=participants,
        requests=tuple(requests),
        tables=int(f["nTables"]),
        name=name,
        objective=Objective(max_break_difference),
    )
    return problem_from_dict(problem_to_dict(problem))  # full validation of the references


def load_dzn(path: str | Path, *, max_break_difference: int = 2) -> Problem:
    """Read a .dzn file into a Problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        return problem_from_dzn(text, name=path.stem, max_break_difference=max_break_difference)
    except ProblemError:
        raise
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ProblemError(f"{path}: malformed B2B data ({exc})") from exc
