"""Benchmark runner behind `python -m scheduling bench` (never run by the unit tests)."""

from __future__ import annotations

import csv
import json
import random
import resource
import time
from dataclasses import replace
from pathlib import Path

from .check import check
from .dzn import load_dzn
from .generate import generate
from .greedy import greedy
from .model import Problem, Solution
from .solver import solve

_D2_TABLES = {"Table 5", "Table 6", "Table 7", "Table 8"}


def add_bench_arguments(p) -> None:
    """Options of the bench sub-command."""
    p.add_argument("--dzn", nargs="*", default=[], help=".dzn files or directories")
    p.add_argument("--synthetic", default="", help="comma-separated sizes, e.g. 160,600,1600")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--time-limit", type=float, default=None, help="default 30 s (dzn) / by size")
    p.add_argument("--published", help="reported_results_jair2022.csv for the MaxSAT optima")
    p.add_argument("--cancel", type=float, default=0.0, help="re-solve after this share cancels")
    p.add_argument("--output", help="also write the rows as JSON lines to this file")


def run_bench(args) -> int:
    """Run the selected set and print one row per instance."""
    rows = []
    published = _published(args.published) if args.published else {}
    for path in _dzn_files(args.dzn):
        rows.append(_dzn_row(path, args, published))
        _emit(rows[-1], args.output)
    for size in [int(s) for s in args.synthetic.split(",") if s.strip()]:
        rows.append(_synthetic_row(size, args))
        _emit(rows[-1], args.output)
    if args.dzn:
        done = [r for r in rows if "breaks" in r]
        total = sum(r["seconds"] for r in done)
        proved = sum(1 for r in done if r["status"] == "optimal")
        same = sum(1 for r in done if r.get("published") == r["breaks"])
        print(
            f"# {len(done)} dzn: {proved} proved optimal, {same} equal to published, {total:.1f} s"
        )
    return 0


def _emit(row: dict, output: str | None) -> None:
    print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    if output:
        with open(output, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


def _dzn_files(items: list[str]) -> list[Path]:
    files: list[Path] = []
    for item in items:
        path = Path(item)
        files += sorted(path.glob("*.dzn")) if path.is_dir() else [path]
    return files


def _published(path: str) -> dict[str, str]:
    """MaxSAT best breaks at d = 2 by jair2022 file stem (e.g. forum-13.original)."""
    result = {}
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["source_table"] in _D2_TABLES and row["method"] == "MaxSAT":
                result[row["jair2022_file"].removesuffix(".dzn")] = row["best_breaks"]
    return result


def _dzn_row(path: Path, args, published: dict) -> dict:
    problem = load_dzn(path)
    limit = args.time_limit or 30.0
    started = time.monotonic()
    solution = solve(problem, time_limit_s=limit, workers=args.workers, seed=args.seed)
    seconds = time.monotonic() - started
    stem = path.stem if "." in path.stem else f"{path.stem}.original"
    ref = published.get(stem)
    return {
        "instance": path.stem,
        "status": solution.status,
        "breaks": solution.stats.breaks if solution.meetings else None,
        "published": int(ref) if ref and ref.isdigit() else ref,
        "seconds": round(seconds, 1),
        "violations": len(check(problem, solution)),
    }


def _synthetic_row(size: int, args) -> dict:
    problem = generate(size, seed=args.seed)
    limit = args.time_limit or (30.0 if size < 1000 else 60.0 if size < 3000 else 120.0)
    g = greedy(problem)
    started = time.monotonic()
    s = solve(problem, time_limit_s=limit, workers=args.workers, seed=args.seed)
    seconds = time.monotonic() - started
    ub = s.stats.upper_bound_weight or 1
    row = {
        "participants": size,
        "requests": len(problem.requests),
        "limit_s": limit,
        "status": s.status,
        "weight": s.stats.weight,
        "ub": ub,
        "pct_ub": round(100 * s.stats.weight / ub, 2),
        "without": s.stats.participants_without_meeting,
        "breaks": s.stats.breaks,
        "greedy_weight": g.stats.weight,
        "greedy_pct_ub": round(100 * g.stats.weight / ub, 2),
        "greedy_without": g.stats.participants_without_meeting,
        "greedy_breaks": g.stats.breaks,
        "seconds": round(seconds, 1),
        "violations": len(check(problem, s)),
        "peak_rss_mb": _peak_mb(),
    }
    if args.cancel:
        row.update(_cancel_row(problem, s, args, limit))
    return row


def _cancel_row(problem: Problem, solution: Solution, args, limit: float) -> dict:
    """Remove a share of participants, re-solve with `previous`, count kept meetings."""
    rng = random.Random(args.seed + 1)
    gone = set(
        rng.sample(
            [p.id for p in problem.participants], round(args.cancel * len(problem.participants))
        )
    )
    requests = tuple(r for r in problem.requests if r.a not in gone and r.b not in gone)
    kept_ids = {r.id for r in requests}
    previous = tuple(m for m in solution.meetings if m.request in kept_ids)
    smaller = replace(
        problem,
        participants=tuple(p for p in problem.participants if p.id not in gone),
        requests=tuple(
            replace(r, after=tuple(a for a in r.after if a in kept_ids)) for r in requests
        ),
        previous=previous,
    )
    started = time.monotonic()
    again = solve(smaller, time_limit_s=limit, workers=args.workers, seed=args.seed)
    now = {(m.request, m.slot, m.table) for m in again.meetings}
    same = sum(1 for m in previous if (m.request, m.slot, m.table) in now)
    return {
        "cancelled": len(gone),
        "resolve_s": round(time.monotonic() - started, 1),
        "kept_pct": round(100 * same / max(1, len(previous)), 2),
        "resolve_weight": again.stats.weight,
        "resolve_violations": len(check(smaller, again)),
    }


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
