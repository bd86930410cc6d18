"""Integer-indexed view of a Problem shared by the solver, greedy, bound, check and explain."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Problem


@dataclass(frozen=True)
class Index:
    """Problem compiled to integer indices (slots, participants, requests, tables)."""

    problem: Problem
    slot_pos: dict[str, int]
    part_pos: dict[str, int]
    req_pos: dict[str, int]
    table_pos: dict[str, int]
    sessions: tuple[tuple[int, ...], ...]
    ends: tuple[int, ...]  # for each request: (a, b) flattened as 2*r, 2*r+1
    allowed: tuple[tuple[int, ...], ...]
    available: tuple[frozenset[int], ...]
    by_participant: tuple[tuple[int, ...], ...]
    forced_table: tuple[int | None, ...]
    preds: tuple[tuple[int, ...], ...]

    @property
    def n_slots(self) -> int:
        """Number of slots."""
        return len(self.slot_pos)

    def pair(self, r: int) -> tuple[int, int]:
        """Participant indices (a, b) of request r."""
        return self.ends[2 * r], self.ends[2 * r + 1]

    def capacity(self, p: int) -> int:
        """Meetings participant p can hold at once."""
        return self.problem.participants[p].capacity

    def max_meetings(self, p: int) -> int | None:
        """Optional cap on the meetings of participant p."""
        return self.problem.participants[p].max_meetings


def build_index(problem: Problem) -> Index:
    """Compile a validated problem into integer indices."""
    slot_pos = {s.id: i for i, s in enumerate(problem.slots)}
    part_pos = {p.id: i for i, p in enumerate(problem.participants)}
    req_pos = {r.id: i for i, r in enumerate(problem.requests)}
    tables = () if isinstance(problem.tables, int) else problem.tables
    table_pos = {t.id: i for i, t in enumerate(tables)}
    all_slots = frozenset(range(len(slot_pos)))
    available = tuple(
        all_slots - {slot_pos[s] for s in p.unavailable} for p in problem.participants
    )
    ends: list[int] = []
    allowed, forced, by_part = [], [], [[] for _ in problem.participants]
    for r, req in enumerate(problem.requests):
        a, b = part_pos[req.a], part_pos[req.b]
        ends += [a, b]
        by_part[a].append(r)
        by_part[b].append(r)
        allowed.append(_allowed_slots(req, slot_pos, available[a] & available[b]))
        forced.append(_forced_table(problem, a, b, table_pos))
    preds = tuple(tuple(req_pos[x] for x in req.after) for req in problem.requests)
    return Index(
        problem,
        slot_pos,
        part_pos,
        req_pos,
        table_pos,
        _sessions(problem),
        tuple(ends),
        tuple(allowed),
        available,
        tuple(tuple(x) for x in by_part),
        tuple(forced),
        preds,
    )


def _allowed_slots(req, slot_pos: dict[str, int], common: frozenset[int]) -> tuple[int, ...]:
    slots = set(common)
    if req.slots is not None:
        slots &= {slot_pos[s] for s in req.slots}
    if req.fixed_slot is not None:
        slots &= {slot_pos[req.fixed_slot]}
    return tuple(sorted(slots))


def _forced_table(problem: Problem, a: int, b: int, table_pos: dict[str, int]) -> int | None:
    """Home table policy: b's home table if it has one, else a's, else none (floating)."""
    if not table_pos:
        return None
    for p in (b, a):
        home = problem.participants[p].home_table
        if home is not None:
            return table_pos[home]
    return None


def _sessions(problem: Problem) -> tuple[tuple[int, ...], ...]:
    """Slot indices grouped by session label, in listed (time) order."""
    groups: dict[str, list[int]] = {}
    for i, slot in enumerate(problem.slots):
        groups.setdefault(slot.session, []).append(i)
    return tuple(tuple(g) for g in groups.values())


def count_breaks(busy: set[int] | frozenset[int], sessions: tuple[tuple[int, ...], ...]) -> int:
    """Breaks of one participant: maximal idle runs between two meetings of one session."""
    total = 0
    for session in sessions:
        flags = [t in busy for t in session]
        blocks = sum(1 for i, f in enumerate(flags) if f and (i == 0 or not flags[i - 1]))
        total += max(0, blocks - 1)
    return total
