"""Pure-Python scheduling engine for one-to-one meeting events (CP-SAT, greedy, checks).

Imports nothing from the web app; frozen dataclasses in, frozen dataclasses out.
"""

from . import io
from .bounds import upper_bound
from .check import check
from .explain import DIAGNOSTICS, REASONS, parse_diagnostic, parse_reason
from .greedy import greedy
from .io import (
    dump_problem,
    dump_solution,
    load_problem,
    load_solution,
    problem_from_dict,
    problem_to_dict,
    solution_from_dict,
    solution_to_dict,
)
from .model import (
    Assignment,
    Objective,
    Participant,
    Problem,
    ProblemError,
    ProgressInfo,
    Request,
    Slot,
    Solution,
    Stats,
    Table,
    Unscheduled,
)
from .solver import solve

__all__ = [
    "DIAGNOSTICS",
    "REASONS",
    "Assignment",
    "Objective",
    "Participant",
    "Problem",
    "ProblemError",
    "ProgressInfo",
    "Request",
    "Slot",
    "Solution",
    "Stats",
    "Table",
    "Unscheduled",
    "check",
    "dump_problem",
    "dump_solution",
    "greedy",
    "io",
    "load_problem",
    "load_solution",
    "parse_diagnostic",
    "parse_reason",
    "problem_from_dict",
    "problem_to_dict",
    "solution_from_dict",
    "solution_to_dict",
    "solve",
    "upper_bound",
]
