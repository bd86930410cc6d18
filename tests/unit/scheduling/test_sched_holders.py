"""Likely holders of the breaks: the participants a core of "no break" names (holders.py)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduling import check, cpmodel, solve, solver
from scheduling.holders import likely_holders
from scheduling.index import build_index

PEOPLE = [{"id": p} for p in "ABCDEFGH"]


def _holders(problem) -> set[str]:
    index = build_index(problem)
    v = cpmodel.build_model(index)
    found = likely_holders(v, budget=10, workers=1, seed=0)
    names = {pos: pid for pid, pos in index.part_pos.items()}
    return {names[p] for p in found}


def _two_breaks(make):
    """Optimum 2 breaks. A, B and C meet each other in three slots: one of them idles between
    two meetings. F meets G only in m1 and H only in m3: F always has a break. D and E never
    need one."""
    return make(
        participants=PEOPLE,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True},
            {"id": "bc", "a": "B", "b": "C", "required": True},
            {"id": "ca", "a": "C", "b": "A", "required": True},
            {"id": "de", "a": "D", "b": "E", "required": True},
            {"id": "fg", "a": "F", "b": "G", "required": True, "slots": ["m1"]},
            {"id": "fh", "a": "F", "b": "H", "required": True, "slots": ["m3"]},
        ],
    )


def test_names_who_must_break_and_the_trio_that_cannot_all_avoid_it(make):
    holders = _holders(_two_breaks(make))
    assert "F" in holders
    assert holders - {"F"}, "the trio's conflict is not named"
    assert holders - {"F"} <= {"A", "B", "C"}


def test_names_nobody_when_everyone_can_meet_without_a_break(make):
    problem = make(
        participants=PEOPLE,
        requests=[
            {"id": "ab", "a": "A", "b": "B", "required": True},
            {"id": "bc", "a": "B", "b": "C", "required": True},
            {"id": "de", "a": "D", "b": "E", "required": True},
        ],
    )
    assert _holders(problem) == set()


def _record_probes(monkeypatch) -> list[tuple[int, str, str]]:
    """Refutation runs settle nothing (as on the hard B2B files), so that the finding probes
    run; each run is recorded as (k, kind, status)."""
    runs: list[tuple[int, str, str]] = []
    probe_run, among = solver._Run._probe_run, solver._Run._among_holders

    def probe(self, level, k, budget, *, refute, core=""):
        if refute:
            runs.append((k, "refute", "UNKNOWN"))
            return cp_model.UNKNOWN, None
        status, value = probe_run(self, level, k, budget, refute=refute, core=core)
        kind = {"": "find", "find": "find + core"}.get(core, "core")
        runs.append((k, kind, cp_model.CpSolver().status_name(status)))
        return status, value

    def among_holders(self, level, k, end):
        runs.append((k, "among holders", ""))
        return among(self, level, k, end)

    monkeypatch.setattr(solver._Run, "_probe_run", probe)
    monkeypatch.setattr(solver._Run, "_among_holders", among_holders)
    return runs


def _probes_of_an_optimal_solve(make, monkeypatch) -> list[tuple[int, str, str]]:
    problem = _two_breaks(make)
    runs = _record_probes(monkeypatch)
    solution = solve(problem, time_limit_s=20, workers=2, seed=0)
    assert solution.status == "optimal"
    assert solution.stats.breaks == 2
    assert check(problem, solution) == []
    return runs


def test_solve_finds_the_optimum_among_the_likely_holders(make, monkeypatch):
    runs = _probes_of_an_optimal_solve(make, monkeypatch)
    # "<= 1" is refuted (F's break is forced, the trio needs another); "<= 2" is found by the
    # search among the holders, the first finding run after it.
    i = runs.index((2, "among holders", ""))
    assert runs[i + 1] == (2, "find", "OPTIMAL"), runs


def test_solve_loses_nothing_when_the_likely_holders_are_wrong(make, monkeypatch):
    # Only D may have a break: that search is refuted, and so is the search for a schedule at
    # 3 among the same holders; the short core-worker run that follows (no_lp + core on the
    # break objective) still finds the optimum.
    index = build_index(_two_breaks(make))
    monkeypatch.setattr(solver, "likely_holders", lambda v, **_: {index.part_pos["D"]})
    runs = _probes_of_an_optimal_solve(make, monkeypatch)
    i = runs.index((2, "among holders", ""))
    assert runs[i + 1 : i + 5] == [
        (2, "find", "INFEASIBLE"),
        (3, "among holders", ""),
        (3, "find", "INFEASIBLE"),
        (2, "core", "OPTIMAL"),
    ], runs


def test_a_schedule_one_above_a_refuted_bound_comes_before_its_refutation(make, monkeypatch):
    # Optimum 3: F always has a break, and each of two trios needs one. "<= 2" is refuted
    # among the holders; the schedule at 3 is found among them next, and "<= 2" is then
    # refuted with that schedule in hand, by the LP-free searches and the core worker together.
    people = [{"id": p} for p in "ABCDEFGHI"]
    trio = [("A", "B"), ("B", "C"), ("C", "A"), ("D", "E"), ("E", "G"), ("G", "D")]
    requests = [{"id": a + b, "a": a, "b": b, "required": True} for a, b in trio]
    requests += [
        {"id": "fh", "a": "F", "b": "H", "required": True, "slots": ["m1"]},
        {"id": "fi", "a": "F", "b": "I", "required": True, "slots": ["m3"]},
    ]
    problem = make(participants=people, requests=requests)
    index = build_index(problem)
    holders = {index.part_pos[p] for p in "ABCDEFG"}
    monkeypatch.setattr(solver, "likely_holders", lambda v, **_: holders)
    runs = _record_probes(monkeypatch)
    solution = solve(problem, time_limit_s=20, workers=2, seed=0)
    assert (solution.status, solution.stats.breaks) == ("optimal", 3)
    assert check(problem, solution) == []
    i = runs.index((2, "among holders", ""))
    assert runs[i + 1 :] == [
        (2, "find", "INFEASIBLE"),
        (3, "among holders", ""),
        (3, "find", "OPTIMAL"),
        (2, "among holders", ""),  # already refuted: not searched again
        (2, "find + core", "INFEASIBLE"),
    ], runs
