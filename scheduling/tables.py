"""Second phase: tables for a fixed timetable, moving participants as little as possible.

Meetings with a home table (see `index._forced_table`) sit at it. The others get a free table
slot by slot, in time order, by a min-cost assignment whose cost counts the participants that
would change table since their previous meeting in the session, plus 3 if the meeting had
another table in `previous` (more than the two participants' moves, so that a re-solve keeps
a meeting at its published table whenever that table is free).
"""

from __future__ import annotations

from ortools.graph.python import min_cost_flow

from .index import Index
from .model import Assignment

_PREVIOUS_TABLE_COST = 3  # > 2, the most a meeting's two participants can add


def assign_tables(index: Index, slots: dict[int, int]) -> tuple[Assignment, ...]:
    """Turn request -> slot into assignments, with tables when the problem lists them."""
    problem = index.problem
    if not problem.has_table_list:
        return tuple(
            Assignment(problem.requests[r].id, problem.slots[t].id) for r, t in slots.items()
        )
    table_ids = [t.id for t in problem.tables]
    previous = {
        index.req_pos[a.request]: (index.slot_pos[a.slot], index.table_pos.get(a.table))
        for a in problem.previous
    }
    chosen: dict[int, int] = {}
    last: dict[int, int] = {}  # participant -> table of its latest meeting in the session
    for session in index.sessions:
        last.clear()
        for t in session:
            here = [r for r, s in slots.items() if s == t]
            chosen.update(_tables_for_slot(index, here, t, last, previous))
            for r in here:
                for p in index.pair(r):
                    last[p] = chosen[r]
    return tuple(
        Assignment(problem.requests[r].id, problem.slots[t].id, table_ids[chosen[r]])
        for r, t in slots.items()
    )


def _tables_for_slot(index: Index, here: list[int], t: int, last: dict, previous: dict) -> dict:
    result = {r: index.forced_table[r] for r in here if index.forced_table[r] is not None}
    free = sorted(set(range(len(index.table_pos))) - set(result.values()))
    floating = [r for r in here if r not in result]
    if not floating:
        return result
    wanted = {}
    for r in floating:
        prefs = {last[p] for p in index.pair(r) if p in last}
        old = previous.get(r)
        if old is not None and old[0] == t and old[1] is not None:
            prefs.add(old[1])
        wanted[r] = {k: _cost(index, r, k, last, previous, t) for k in prefs}
    result.update(
        _min_cost_assign(floating, free, wanted, lambda r: _cost(index, r, -1, last, previous, t))
    )
    return result


def _cost(index: Index, r: int, k: int, last: dict, previous: dict, t: int) -> int:
    cost = sum(1 for p in index.pair(r) if p in last and last[p] != k)
    old = previous.get(r)
    if old is not None and old[0] == t and old[1] is not None and old[1] != k:
        cost += _PREVIOUS_TABLE_COST
    return cost


def _min_cost_assign(floating: list[int], free: list[int], wanted: dict, default) -> dict:
    """Meetings -> tables; each meeting reaches its preferred tables directly, others via a hub."""
    flow = min_cost_flow.SimpleMinCostFlow()
    n, hub = len(floating), len(floating)
    table_node = {k: n + 1 + i for i, k in enumerate(free)}
    sink = n + 1 + len(free)
    arcs = []
    for i, r in enumerate(floating):
        flow.set_node_supply(i, 1)
        for k, cost in wanted[r].items():
            if k in table_node:
                arcs.append(
                    (flow.add_arc_with_capacity_and_unit_cost(i, table_node[k], 1, cost), r, k)
                )
        flow.add_arc_with_capacity_and_unit_cost(i, hub, 1, default(r))
    for node in table_node.values():
        flow.add_arc_with_capacity_and_unit_cost(hub, node, n, 0)
        flow.add_arc_with_capacity_and_unit_cost(node, sink, 1, 0)
    flow.set_node_supply(sink, -n)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("table assignment failed: more meetings than free tables")
    result = {r: k for arc, r, k in arcs if flow.flow(arc)}
    spare = iter(k for k in free if k not in set(result.values()))
    for r in floating:
        if r not in result:
            result[r] = next(spare)
    return result
