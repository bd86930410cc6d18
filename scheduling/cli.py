"""Command line: python -m scheduling {solve,check,bound,from-dzn,generate,bench}."""

from __future__ import annotations

import argparse
import sys

from . import io
from .bounds import upper_bound
from .check import check
from .dzn import load_dzn
from .generate import generate
from .model import ProblemError
from .solver import solve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scheduling", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("solve", help="solve a problem JSON file")
    p.add_argument("problem")
    p.add_argument("-o", "--output", help="solution file (default: stdout)")
    p.add_argument("--time-limit", type=float, default=30.0)
    p.add_argument("--workers", type=int, default=0, help="0 = all cores")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--greedy", action="store_true", help="greedy baseline instead of CP-SAT")
    p = sub.add_parser("check", help="verify a solution; exit 1 listing violations")
    p.add_argument("problem")
    p.add_argument("solution")
    p = sub.add_parser("bound", help="print the upper bound on the scheduled weight")
    p.add_argument("problem")
    p = sub.add_parser("from-dzn", help="convert a B2B .dzn file to the JSON format")
    p.add_argument("dzn")
    p.add_argument("-o", "--output")
    p.add_argument("--max-break-difference", type=int, default=2)
    p = sub.add_parser("generate", help="synthetic Business Day instance")
    p.add_argument("--participants", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output")
    from .bench import add_bench_arguments

    add_bench_arguments(sub.add_parser("bench", help="run a benchmark set, print a table"))
    return parser


def _solve(args) -> int:
    problem = io.load_problem(args.problem)
    if args.greedy:
        from .greedy import greedy

        solution = greedy(problem)
    else:
        solution = solve(
            problem, time_limit_s=args.time_limit, workers=args.workers, seed=args.seed
        )
    text = io.dump_solution(solution, args.output)
    if args.output is None:
        sys.stdout.write(text)
    return 0


def _check(args) -> int:
    errors = check(io.load_problem(args.problem), io.load_solution(args.solution))
    for error in errors:
        print(error)
    if not errors:
        print("ok")
    return 1 if errors else 0


def _write_problem(problem, output) -> int:
    text = io.dump_problem(problem, output)
    if output is None:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 on any input error, with one line on stderr)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "solve":
            return _solve(args)
        if args.command == "check":
            return _check(args)
        if args.command == "bound":
            print(upper_bound(io.load_problem(args.problem)))
            return 0
        if args.command == "from-dzn":
            problem = load_dzn(args.dzn, max_break_difference=args.max_break_difference)
            return _write_problem(problem, args.output)
        if args.command == "generate":
            return _write_problem(generate(args.participants, seed=args.seed), args.output)
        from .bench import run_bench

        return run_bench(args)
    except (ProblemError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
