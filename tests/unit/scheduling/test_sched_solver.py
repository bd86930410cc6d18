"""CP-SAT solver on small hand-made problems with known optima."""

from __future__ import annotations

from scheduling import (
    DIAGNOSTICS,
    REASONS,
    check,
    parse_diagnostic,
    parse_reason,
    solve,
    solver,
    upper_bound,
)
from scheduling.bounds import break_lower_bounds
from scheduling.index import build_index

FAST = {"time_limit_s": 10, "workers": 1, "seed": 0}


def _slot_of(solution, request: str) -> str | None:
    return next((m.slot for m in solution.meetings if m.request == request), None)


def test_solve_capacity_two_host_holds_two_meetings_at_once(make):
    problem = make(
        slots=[{"id": "m1"}],
        participants=[{"id": "H", "capacity": 2}, {"id": "A"}, {"id": "B"}, {"id": "C"}],
        requests=[{"id": f"r{i}", "a": p, "b": "H"} for i, p in enumerate("ABC")],
    )
    solution = solve(problem, **FAST)
    assert solution.status == "optimal"
    assert solution.stats.weight == 2
    assert solution.stats.upper_bound_weight == 2
    assert check(problem, solution) == []
    assert [u.reason for u in solution.unscheduled] == [
        "H fully booked by higher-priority requests"
    ]
    # An application reads the sentence back to show it in its own language.
    assert parse_reason(solution.unscheduled[0].reason) == ("fully_booked", {"participant": "H"})


def test_every_reason_reads_back_with_its_participant():
    for key, text in REASONS.items():
        assert parse_reason(text.format(participant="S 12 (x)")) == (
            key,
            {"participant": "S 12 (x)"} if "{participant}" in text else {},
        )
    assert parse_reason("a sentence of another version") is None


def test_every_diagnostic_reads_back_with_its_fields():
    for key, text in DIAGNOSTICS.items():
        fields = {"request": "q7", "a": "r1", "b": "r 2", "participant": "S12", "n": "5"}
        fields |= {"slots": "3", "capacity": "2", "max": "3", "slot": "s9", "tables": "4"}
        fields |= {"table": "t1", "requests": '"q1", "q2"', "meetings": '"q1" (r1-r2)', "d": "2"}
        used = {name: value for name, value in fields.items() if "{" + name + "}" in text}
        assert parse_diagnostic(text.format(**used)) == (key, used)


def test_solve_keeps_fixed_slot(make):
    problem = make(requests=[{"id": "r1", "a": "A", "b": "B", "fixed_slot": "m3"}])
    solution = solve(problem, **FAST)
    assert _slot_of(solution, "r1") == "m3"


def test_solve_respects_precedence(make):
    problem = make(
        slots=[{"id": "m1"}, {"id": "m2"}],
        requests=[
            {"id": "r1", "a": "A", "b": "B", "required": True},
            {"id": "r2", "a": "C", "b": "D", "required": True, "after": ["r1"]},
        ],
    )
    solution = solve(problem, **FAST)
    assert (_slot_of(solution, "r1"), _slot_of(solution, "r2")) == ("m1", "m2")
    assert check(problem, solution) == []


def test_solve_maximises_weight_then_minimises_breaks(make):
    problem = make(
        requests=[
            {"id": "r1", "a": "A", "b": "B", "weight": 3},
            {"id": "r2", "a": "A", "b": "C", "weight": 2},
            {"id": "r3", "a": "B", "b": "C", "weight": 1},
        ],
    )
    solution = solve(problem, **FAST)
    assert solution.status == "optimal"
    assert solution.stats.weight == 6
    assert solution.stats.breaks == 1  # three pairwise meetings: someone waits one slot


def test_solve_infeasible_when_participant_has_too_many_required(make):
    problem = make(
        slots=[{"id": "m1"}, {"id": "m2"}],
        requests=[{"id": f"r{p}", "a": "A", "b": p, "required": True} for p in "BCD"],
    )
    solution = solve(problem, **FAST)
    assert solution.status == "infeasible"
    assert solution.diagnostics == (
        'participant "A" has 3 required meetings but only 2 available slots x capacity 1',
    )


def test_solve_infeasible_slot_with_more_fixed_meetings_than_tables(make):
    problem = make(
        tables=1,
        requests=[
            {"id": "r1", "a": "A", "b": "B", "required": True, "fixed_slot": "m1"},
            {"id": "r2", "a": "C", "b": "D", "required": True, "fixed_slot": "m1"},
        ],
    )
    solution = solve(problem, **FAST)
    assert solution.diagnostics == ('slot "m1" has 2 fixed meetings but 1 tables',)


def test_solve_infeasible_cyclic_precedences(make):
    problem = make(
        requests=[
            {"id": "r1", "a": "A", "b": "B", "required": True, "after": ["r2"]},
            {"id": "r2", "a": "C", "b": "D", "required": True, "after": ["r1"]},
        ],
    )
    solution = solve(problem, **FAST)
    assert solution.status == "infeasible"
    assert "cyclic precedences" in solution.diagnostics[0]


def test_solve_infeasible_triangle_explained_by_core(make):
    # Each participant needs 2 meetings in 2 slots, but a triangle needs 3 slots.
    problem = make(
        slots=[{"id": "m1"}, {"id": "m2"}],
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True},
            {"id": "bc", "a": "B", "b": "C", "required": True},
            {"id": "ca", "a": "C", "b": "A", "required": True},
        ],
    )
    solution = solve(problem, **FAST)
    assert solution.status == "infeasible"
    assert solution.diagnostics[0].startswith("these required meetings cannot all be scheduled")
    for name in ('"ab"', '"bc"', '"ca"'):
        assert name in solution.diagnostics[0]


def test_solve_keeps_previous_slot_when_equivalent(make):
    requests = [{"id": "r1", "a": "A", "b": "B"}]
    problem = make(requests=requests, previous=[{"request": "r1", "slot": "m2"}])
    solution = solve(problem, **FAST)
    assert _slot_of(solution, "r1") == "m2"
    assert solution.stats.changed_from_previous == 0


def test_resolve_keeps_published_slots_rather_than_removing_a_break(make):
    # A meets B in m1 and C in m3: one break for A. From scratch the solver closes the gap;
    # on a re-solve (previous given) people already hold these times, so they stay.
    requests = [{"id": "ab", "a": "A", "b": "B"}, {"id": "ac", "a": "A", "b": "C"}]
    fresh = solve(make(requests=requests), **FAST)
    assert fresh.stats.breaks == 0
    previous = [{"request": "ab", "slot": "m1"}, {"request": "ac", "slot": "m3"}]
    again = solve(make(requests=requests, previous=previous), **FAST)
    assert (_slot_of(again, "ab"), _slot_of(again, "ac")) == ("m1", "m3")
    assert again.stats.changed_from_previous == 0
    assert again.stats.breaks == 1


def test_resolve_still_adds_weight_before_keeping_slots(make):
    # Stability ranks below weight: a new request is scheduled even if a meeting must move.
    requests = [
        {"id": "ab", "a": "A", "b": "B", "weight": 1},
        {"id": "ac", "a": "A", "b": "C", "weight": 1, "slots": ["m1"]},
    ]
    problem = make(
        slots=[{"id": "m1"}, {"id": "m2"}],
        requests=requests,
        previous=[{"request": "ab", "slot": "m1"}],
    )
    solution = solve(problem, **FAST)
    assert solution.stats.meetings == 2
    assert (_slot_of(solution, "ab"), _slot_of(solution, "ac")) == ("m2", "m1")


def test_solve_max_break_difference_drops_meeting_that_makes_a_break(make):
    requests = [
        {"id": "r1", "a": "A", "b": "B", "required": True, "fixed_slot": "m1"},
        {"id": "r2", "a": "A", "b": "C", "weight": 5, "slots": ["m3"]},
    ]
    free = solve(make(requests=requests), **FAST)
    assert free.stats.weight == 6
    assert free.stats.breaks == 1
    bounded = make(requests=requests, objective={"max_break_difference": 0})
    solution = solve(bounded, **FAST)
    assert solution.stats.weight == 1
    assert check(bounded, solution) == []
    assert solution.unscheduled[0].reason == "left out to respect the bound on break differences"


def test_solve_home_tables_and_table_count(make):
    problem = make(
        tables=[{"id": "T1"}, {"id": "T2"}],
        participants=[{"id": "A", "home_table": "T2"}, {"id": "B"}, {"id": "C"}, {"id": "D"}],
        requests=[
            {"id": "r1", "a": "B", "b": "A"},
            {"id": "r2", "a": "C", "b": "A"},
            {"id": "r3", "a": "C", "b": "D"},
            {"id": "r4", "a": "B", "b": "D"},
        ],
    )
    solution = solve(problem, **FAST)
    assert solution.stats.weight == 4
    assert {m.table for m in solution.meetings if m.request in ("r1", "r2")} == {"T2"}
    assert check(problem, solution) == []


def test_solve_reports_progress(make):
    seen = []
    problem = make(requests=[{"id": "r1", "a": "A", "b": "B"}])
    solve(problem, on_progress=seen.append, **FAST)
    assert seen
    assert seen[0].meetings in (0, 1)


def test_upper_bound_non_bipartite_is_valid(make):
    problem = make(
        slots=[{"id": "m1"}],
        requests=[
            {"id": "ab", "a": "A", "b": "B"},
            {"id": "bc", "a": "B", "b": "C"},
            {"id": "ca", "a": "C", "b": "A"},
        ],
    )
    assert upper_bound(problem) == 1
    assert solve(problem, **FAST).stats.weight == 1


def test_break_lower_bound_names_participant_that_must_wait(make):
    # A's two required meetings can only be in m1 (with B) and m3 (with C): A must have a
    # break whatever the others do; C can meet D just before A, so nobody else must.
    requests = [
        {"id": "ab", "a": "A", "b": "B", "required": True, "slots": ["m1"]},
        {"id": "ac", "a": "A", "b": "C", "required": True, "slots": ["m3"]},
        {"id": "cd", "a": "C", "b": "D", "required": True},
    ]
    problem = make(requests=requests)
    assert break_lower_bounds(build_index(problem)) == [1, 0, 0, 0]
    solution = solve(problem, **FAST)
    assert solution.status == "optimal"
    assert solution.stats.breaks == 1
    assert check(problem, solution) == []


def test_break_lower_bound_is_zero_when_a_window_fits(make):
    # Same meetings, but A-C may also be in m2: A can meet B then C back to back.
    requests = [
        {"id": "ab", "a": "A", "b": "B", "required": True, "slots": ["m1"]},
        {"id": "ac", "a": "A", "b": "C", "required": True, "slots": ["m2", "m3"]},
    ]
    assert break_lower_bounds(build_index(make(requests=requests))) == [0, 0, 0, 0]


def test_find_workers_are_lp_free_searches_that_cp_sat_accepts():
    # The probes that must find a schedule at a small break count run one LP-free search per
    # worker, each under its own name (hence its own seed). Parameters CP-SAT rejected would
    # leave B2B files without any schedule (MODEL_INVALID), so solve a model with them.
    from ortools.sat.python import cp_model

    from scheduling.solver import _find_subsolvers

    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"x{i}") for i in range(6)]
    model.add(sum(xs) == 3)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 3
    names = _find_subsolvers(params)
    assert names == ["no_lp", "no_lp_1", "no_lp_2"]
    text = str(params)  # the pybind proto does not iterate its repeated messages
    assert text.count("subsolver_params {") == text.count("linearization_level: 0") == 2
    assert text.count("symmetry_level: 0") == 2  # the extra searches differ by more than a seed
    params.subsolvers.extend(names)
    params.num_full_subsolvers = 3
    assert solver.solve(model) == cp_model.OPTIMAL


def test_solve_infeasible_at_every_break_count_without_probing_each(make, monkeypatch):
    # A's two fixed meetings leave a gap (a break), B's single meeting cannot have one: with
    # a break difference of 0 there is no schedule at any break count. The probes stop after
    # a few quick refutations instead of walking up every count (40 probes before).
    slots = [{"id": f"m{i}", "session": "day"} for i in range(1, 13)]
    others = "CDEFGH"
    requests = [
        {"id": "a1", "a": "A", "b": "C", "required": True, "fixed_slot": "m1"},
        {"id": "a2", "a": "A", "b": "D", "required": True, "fixed_slot": "m12"},
        {"id": "b1", "a": "B", "b": "E", "required": True},
    ] + [
        {"id": f"{p}{q}", "a": p, "b": q, "required": True}
        for i, p in enumerate(others)
        for q in others[i + 1 :]
    ]
    problem = make(
        slots=slots,
        participants=[{"id": p} for p in "AB" + others],
        requests=requests,
        objective={"max_break_difference": 0},
    )
    probes = []
    feasible = solver._Run._feasible

    def counted(self, level, k, *args):
        probes.append(k)
        return feasible(self, level, k, *args)

    monkeypatch.setattr(solver._Run, "_feasible", counted)
    solution = solve(problem, time_limit_s=20, workers=2, seed=0)
    assert solution.status == "infeasible"
    assert solution.meetings == ()
    assert 1 <= len(probes) <= 3, probes
