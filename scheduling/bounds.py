"""Upper bound on the scheduled weight, independent of CP-SAT.

Relaxation: forget slots except through degrees. Each participant p may take part in at most
deg(p) = min(max_meetings, usable slots x capacity) meetings, and at most slots x tables
meetings run in total; a request counts only if it has an allowed slot. The best weight of
such a degree-constrained subgraph (a b-matching) is an upper bound. When the request graph
is bipartite (seekers vs providers) it is computed exactly by min-cost flow. Otherwise the
bipartite double cover (every participant on both sides, every request in both directions)
is solved and its value halved: any b-matching gives a double-cover flow of twice its weight.
"""

from __future__ import annotations

from ortools.graph.python import min_cost_flow

from .index import Index, build_index
from .model import Problem


def upper_bound(problem: Problem) -> int:
    """Upper bound on the total weight of any feasible schedule."""
    return upper_bound_index(build_index(problem))


def upper_bound_index(index: Index) -> int:
    """Upper bound on the total weight, from a compiled problem."""
    usable = [r for r, slots in enumerate(index.allowed) if slots]
    if not usable:
        return 0
    degree = _degrees(index, usable)
    sides = _two_colouring(index, usable)
    total_cap = index.n_slots * index.problem.table_count
    if sides is not None:
        return _flow_bound(index, usable, degree, sides, total_cap)
    return _flow_bound(index, usable, degree, None, 2 * total_cap) // 2


def _degrees(index: Index, usable: list[int]) -> list[int]:
    slots_of: list[set[int]] = [set() for _ in index.part_pos]
    for r in usable:
        for p in index.pair(r):
            slots_of[p].update(index.allowed[r])
    degree = []
    for p, slots in enumerate(slots_of):
        cap_m = index.max_meetings(p)
        deg = len(slots) * index.capacity(p)
        degree.append(deg if cap_m is None else min(deg, cap_m))
    return degree


def _two_colouring(index: Index, usable: list[int]) -> list[int] | None:
    """Side (0/1) of every participant if the request graph is bipartite, else None."""
    adj: list[list[int]] = [[] for _ in index.part_pos]
    for r in usable:
        a, b = index.pair(r)
        adj[a].append(b)
        adj[b].append(a)
    side = [-1] * len(adj)
    for root in range(len(adj)):
        if side[root] >= 0:
            continue
        side[root], stack = 0, [root]
        while stack:
            p = stack.pop()
            for q in adj[p]:
                if side[q] < 0:
                    side[q] = 1 - side[p]
                    stack.append(q)
                elif side[q] == side[p]:
                    return None
    return side


def _flow_bound(index, usable, degree, sides, total_cap: int) -> int:
    """Max-weight b-matching as min-cost flow; `sides` None means the double cover."""
    n = len(degree)
    source, gate, sink = 2 * n, 2 * n + 1, 2 * n + 2
    flow = min_cost_flow.SimpleMinCostFlow()
    supply = sum(degree)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)  # unused degree
    flow.add_arc_with_capacity_and_unit_cost(source, gate, total_cap, 0)
    for p in range(n):
        flow.add_arc_with_capacity_and_unit_cost(gate, p, degree[p], 0)
        flow.add_arc_with_capacity_and_unit_cost(n + p, sink, degree[p], 0)
    reqs = index.problem.requests
    for r in usable:
        a, b = index.pair(r)
        if sides is not None and sides[a] == 1:
            a, b = b, a
        flow.add_arc_with_capacity_and_unit_cost(a, n + b, 1, -reqs[r].weight)
        if sides is None:
            flow.add_arc_with_capacity_and_unit_cost(b, n + a, 1, -reqs[r].weight)
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed on the weight bound")
    return -flow.optimal_cost()


def break_lower_bounds(index: Index) -> list[int]:
    """A lower bound on each participant's breaks, from its own meetings alone (0 or 1).

    A participant with capacity 1 whose meetings are all required, and whose allowed slots lie
    in one session, has a break in every schedule when no window of as many consecutive slots
    as it has meetings admits a perfect matching of its meetings to the window's slots (each
    meeting to one of its allowed slots). On the B2B files this names the participants that
    must have a break (e.g. 2 on forum-14, whose optimum is 2), which CP-SAT then need not
    discover by search."""
    return [_break_lower_bound(index, p) for p in range(len(index.part_pos))]


def _break_lower_bound(index: Index, p: int) -> int:
    reqs = index.by_participant[p]
    requests = index.problem.requests
    if len(reqs) < 2 or index.capacity(p) != 1 or not all(requests[r].required for r in reqs):
        return 0
    options = [frozenset(index.allowed[r]) for r in reqs]
    used = frozenset().union(*options)
    session = next((s for s in index.sessions if used <= set(s)), None)
    if session is None or any(not o for o in options):
        return 0
    n = len(reqs)
    for i in range(len(session) - n + 1):
        if _perfect_matching(options, frozenset(session[i : i + n])):
            return 0
    return 1


def _perfect_matching(options: list[frozenset[int]], slots: frozenset[int]) -> bool:
    """Can every item get its own slot among `slots`, each within its options? (Kuhn)"""
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for t in options[i] & slots:
            if t not in seen:
                seen.add(t)
                if t not in owner or augment(owner[t], seen):
                    owner[t] = i
                    return True
        return False

    return all(augment(i, set()) for i in range(len(options)))
