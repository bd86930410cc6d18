"""Stats recomputed from a list of meetings, independently of any solver."""

from __future__ import annotations

from collections.abc import Iterable

from .index import Index, count_breaks
from .model import Assignment, Stats


def busy_slots(index: Index, meetings: Iterable[Assignment]) -> list[set[int]]:
    """Per participant, the set of slot indices where it has a meeting."""
    busy: list[set[int]] = [set() for _ in index.part_pos]
    for m in meetings:
        a, b = index.pair(index.req_pos[m.request])
        t = index.slot_pos[m.slot]
        busy[a].add(t)
        busy[b].add(t)
    return busy


def breaks_per_participant(index: Index, meetings: Iterable[Assignment]) -> list[int]:
    """Break count of every participant."""
    return [count_breaks(b, index.sessions) for b in busy_slots(index, meetings)]


def changed_from_previous(index: Index, meetings: Iterable[Assignment]) -> int:
    """Previous meetings now dropped, moved to another slot or re-tabled."""
    now = {m.request: m for m in meetings}
    changed = 0
    for old in index.problem.previous:
        new = now.get(old.request)
        if new is None or new.slot != old.slot or old.table is not None and new.table != old.table:
            changed += 1
    return changed


def compute_stats(
    index: Index,
    meetings: tuple[Assignment, ...],
    *,
    upper_bound_weight: int | None = None,
    wall_seconds: float = 0.0,
) -> Stats:
    """All stats of a set of meetings."""
    requests = index.problem.requests
    weight = sum(requests[index.req_pos[m.request]].weight for m in meetings)
    counts = [0] * len(index.part_pos)
    for m in meetings:
        for p in index.pair(index.req_pos[m.request]):
            counts[p] += 1
    without = sum(1 for p, c in enumerate(counts) if c == 0 and index.by_participant[p])
    return Stats(
        weight=weight,
        meetings=len(meetings),
        breaks=sum(breaks_per_participant(index, meetings)),
        upper_bound_weight=upper_bound_weight,
        participants_without_meeting=without,
        changed_from_previous=changed_from_previous(index, meetings),
        wall_seconds=round(wall_seconds, 3),
    )
