"""Property: on random small problems every solution passes check, and
greedy weight <= CP-SAT weight <= upper bound."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling import check, greedy, problem_from_dict, solve


@st.composite
def problems(draw):
    n_slots = draw(st.integers(1, 4))
    two_sessions = draw(st.booleans())
    slots = [
        {"id": f"s{i}", "session": "pm" if two_sessions and i >= n_slots // 2 else "am"}
        for i in range(n_slots)
    ]
    slot_ids = [s["id"] for s in slots]
    n_parts = draw(st.integers(2, 6))
    use_list = draw(st.booleans())
    n_tables = draw(st.integers(1, 3))
    tables = [{"id": f"T{i}"} for i in range(n_tables)] if use_list else n_tables
    participants = []
    for i in range(n_parts):
        part = {
            "id": f"P{i}",
            "capacity": draw(st.sampled_from([1, 1, 2])),
            "unavailable": draw(st.lists(st.sampled_from(slot_ids), unique=True, max_size=2)),
        }
        if draw(st.booleans()):
            part["max_meetings"] = draw(st.integers(0, 3))
        if use_list and part["capacity"] == 1 and draw(st.integers(0, 3)) == 0:
            part["home_table"] = f"T{draw(st.integers(0, n_tables - 1))}"
        participants.append(part)
    requests = []
    for i in range(draw(st.integers(0, 8))):
        a, b = draw(st.lists(st.integers(0, n_parts - 1), min_size=2, max_size=2, unique=True))
        req = {"id": f"r{i}", "a": f"P{a}", "b": f"P{b}", "weight": draw(st.integers(1, 3))}
        req["required"] = draw(st.integers(0, 5)) == 0
        if draw(st.integers(0, 3)) == 0:
            req["fixed_slot"] = draw(st.sampled_from(slot_ids))
        if draw(st.integers(0, 3)) == 0:
            req["slots"] = draw(st.lists(st.sampled_from(slot_ids), unique=True, min_size=1))
        if i and draw(st.integers(0, 3)) == 0:
            req["after"] = [f"r{draw(st.integers(0, i - 1))}"]
        requests.append(req)
    objective = {"max_break_difference": draw(st.sampled_from([None, None, 0, 1]))}
    return problem_from_dict(
        {
            "slots": slots,
            "tables": tables,
            "participants": participants,
            "requests": requests,
            "objective": objective,
        }
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_property_solutions_pass_check_and_weights_are_ordered(problem):
    solution = solve(problem, time_limit_s=5, workers=1, seed=0)
    assert check(problem, solution) == []
    baseline = greedy(problem)
    if baseline.status == "feasible":
        assert check(problem, baseline) == []
        assert solution.status in ("optimal", "feasible")
    ub = solution.stats.upper_bound_weight
    if solution.status == "optimal":
        assert solution.stats.weight <= ub
        if baseline.status == "feasible":
            assert baseline.stats.weight <= solution.stats.weight
