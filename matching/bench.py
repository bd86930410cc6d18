"""Measurements on synthetic events: spread of recommendations, text analyzers, speed."""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence

import numpy as np

from matching.matches import score_all
from matching.model import Match, OrgId, ProviderProfile
from matching.recommend import (
    DEFAULT_FAIRNESS,
    by_provider,
    naive_top_k,
    recommend_from_matrix,
    schedulable_share,
)
from matching.scoring import score_matrix
from matching.synth import Event, make_event
from matching.text import ANALYZERS, similarity_matrix


def spread_figures(
    recs: Mapping[OrgId, Sequence[Match]], providers: Sequence[ProviderProfile], k: int
) -> dict[str, float]:
    """How well a set of recommendations fits provider capacities and serves companies."""
    scores = [m.score for matches in recs.values() for m in matches]
    loads = {pid: len(ms) for pid, ms in by_provider(recs, providers).items()}
    overload = [loads[p.id] / p.capacity for p in providers if p.capacity]
    on_topic = [any(r.code == "use_cases" for r in m.reasons) for ms in recs.values() for m in ms]
    share = schedulable_share(recs, providers)
    return {
        "pairs": len(scores),
        "schedulable_share": share,
        "schedulable_pairs": round(share * len(scores)),
        "mean_score": statistics.fmean(scores) if scores else 0.0,
        "shared_use_case": statistics.fmean(on_topic) if on_topic else 0.0,
        "companies_with_k": sum(len(ms) == k for ms in recs.values()),
        "companies_with_none": sum(not ms for ms in recs.values()),
        "providers_unused": sum(load == 0 for load in loads.values()),
        "max_load_per_capacity": max(overload, default=0.0),
    }


def spread_report(event: Event, k: int = 5, alpha: float = 1.5) -> dict[str, dict[str, float]]:
    """Naive top-k against capacity-aware recommendations on one event."""
    matrix = score_matrix(event.companies, event.providers)
    fair = DEFAULT_FAIRNESS
    options = [(alpha, 0.0, True), (alpha, fair, False), (1.0, fair, True), (alpha, fair, True)]
    options.append((2.0, fair, True))
    variants = {"naive top-k": naive_top_k(matrix, per_company=k)}
    for a, fairness, topical in dict.fromkeys(options):
        recs = recommend_from_matrix(
            matrix, per_company=k, alpha=a, fairness=fairness, on_topic_only=topical
        )
        name = f"b-matching alpha={a} fairness={fairness}" + ("" if topical else " any topic")
        variants[name] = recs
    return {name: spread_figures(recs, event.providers, k) for name, recs in variants.items()}


def _ranking_quality(similarity: np.ndarray, relevant: np.ndarray, k: int) -> tuple[float, float]:
    """Mean average precision and precision@k of ranking providers by similarity."""
    aps, precisions = [], []
    for row, rel in zip(similarity, relevant, strict=True):
        if not rel.any():
            continue
        order = np.argsort(-row, kind="stable")
        hits = rel[order]
        ranks = np.flatnonzero(hits) + 1
        aps.append(float(np.mean(np.arange(1, len(ranks) + 1) / ranks)))
        precisions.append(float(hits[:k].mean()))
    return statistics.fmean(aps), statistics.fmean(precisions)


def text_report(event: Event, k: int = 5) -> dict[str, dict[str, float]]:
    """How well each analyzer's text similarity alone finds providers offering a needed use case."""
    companies = [c for c in event.companies if c.text and c.use_cases]
    relevant = np.array(
        [[bool(c.use_cases & p.use_cases) for p in event.providers] for c in companies]
    )
    report = {}
    for analyzer in ANALYZERS:
        start = time.perf_counter()
        sim = similarity_matrix(
            [c.text for c in companies], [p.text for p in event.providers], analyzer
        )
        seconds = time.perf_counter() - start
        mean_ap, p_at_k = _ranking_quality(sim, relevant, k)
        report[analyzer] = {"MAP": mean_ap, f"P@{k}": p_at_k, "seconds": seconds}
    return report


def _timed(call) -> tuple[object, str]:
    """Result of `call()` and its wall-clock / process CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, f"{time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU"


def speed_report(event: Event, k: int = 5) -> dict[str, str]:
    """Wall-clock and CPU seconds of the public entry points on one event."""
    cs, ps = event.companies, event.providers
    timings = {}
    matrix, timings["score_matrix"] = _timed(lambda: score_matrix(cs, ps))
    _, timings["recommend (after score_matrix)"] = _timed(
        lambda: recommend_from_matrix(matrix, per_company=k)
    )
    top, timings["score_all top_k=20"] = _timed(lambda: score_all(cs, ps, top_k=20))
    every, timings["score_all (every pair)"] = _timed(lambda: score_all(cs, ps))
    timings["pairs returned (top_k=20 / every pair)"] = f"{len(top)} / {len(every)}"
    return timings


def run(command: str, companies: int, providers: int, seed: int, k: int, alpha: float) -> str:
    """Run one measurement and format it as Markdown-friendly text."""
    event = make_event(companies, providers, seed)
    header = f"{command}: {companies} companies, {providers} providers, seed {seed}"
    if command == "bench":
        rows = spread_report(event, k, alpha)
        return header + f", k={k}, alpha={alpha}\n" + _table(rows)
    if command == "text":
        return header + "\n" + _table(text_report(event, k))
    return (
        header
        + "\n"
        + "\n".join(f"{name}: {_fmt(v)}" for name, v in speed_report(event, k).items())
    )


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(rows: dict[str, dict[str, float]]) -> str:
    columns = list(next(iter(rows.values())))
    lines = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [
        f"| {name} | " + " | ".join(_fmt(r[c]) for c in columns) + " |" for name, r in rows.items()
    ]
    return "\n".join(lines)
