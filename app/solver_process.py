"""The optimiser's child process: solves one problem and reports through a queue.

Runs in its own process (spawned, not forked) so that a run can be cancelled by terminating
it, and so that a crash or a memory blow-up never takes the web process or worker down.
Imports only the pure `scheduling` package.
"""

from __future__ import annotations

import traceback
from multiprocessing.queues import Queue

import scheduling


def solve_child(problem_data: dict, params: dict, queue: Queue) -> None:
    """Entry point of the child: ('progress', dict)*, then ('done', dict) or ('error', str)."""
    try:
        problem = scheduling.problem_from_dict(problem_data)

        def progress(info: scheduling.ProgressInfo) -> None:
            queue.put(
                (
                    "progress",
                    {
                        "elapsed": round(info.elapsed_s, 2),
                        "objective": info.objective,
                        "bound": info.bound,
                        "meetings": info.meetings,
                        "phase": info.phase,
                    },
                )
            )

        solution = scheduling.solve(
            problem,
            time_limit_s=params.get("time_limit_s", 60),
            workers=params.get("workers", 0),
            seed=params.get("seed", 0),
            on_progress=progress,
        )
        queue.put(("done", scheduling.solution_to_dict(solution)))
    except Exception:  # noqa: BLE001 - reported to the parent, which marks the run failed
        queue.put(("error", traceback.format_exc(limit=5)))
