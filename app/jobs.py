"""Background optimiser runs: a thread in this process by default, an RQ job with REDIS_URL.

Either way the job (`run_optimiser`) builds the problem, solves it in a child process,
streams progress into `ScheduleRun.progress`, honours cancellation, and stores a draft. A run
that crashes or is killed leaves drafts and the published schedule untouched and is marked
failed with its error.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue as queue_module
import threading
import time

from flask import Flask, current_app, has_request_context, request

import scheduling
from app import realtime
from app.models import Schedule, ScheduleRun, db
from app.models.base import utcnow
from app.models.enums import RunStatus
from app.services.optimiser import build_problem, store_draft
from app.services.run_health import (
    HEARTBEAT_EVERY_S,
    local_run_finished,
    local_run_started,
    still_running,
)

log = logging.getLogger(__name__)
QUEUE_NAME = "optimiser"
PROGRESS_EVERY_S = 0.5


def enqueue_run(run: ScheduleRun) -> None:
    """Start the run in the background (after the run row is committed)."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        connection = Redis.from_url(app.config["REDIS_URL"])
        limit = int(run.parameters.get("time_limit_s", 60)) + 300
        job = Queue(QUEUE_NAME, connection=connection).enqueue(
            "app.jobs.run_in_worker", run.id, job_timeout=limit
        )
        run.job_id = job.id
        db.session.commit()
        return
    local_run_started(run.id)
    thread = threading.Thread(
        target=_run_in_thread, args=(app, run.id), daemon=True, name=f"optimiser-run-{run.id}"
    )
    thread.start()


def _run_in_thread(app: Flask, run_id: int) -> None:
    try:
        with app.app_context():
            run_optimiser(run_id)
            db.session.remove()
    finally:
        local_run_finished(run_id)


def run_in_worker(run_id: int) -> None:
    """RQ job: build the app from the environment, then run."""
    from app import create_app

    app = create_app()
    with app.app_context():
        run_optimiser(run_id)
        db.session.remove()


def _save(run: ScheduleRun, **values) -> None:
    for key, value in values.items():
        setattr(run, key, value)
    db.session.commit()
    realtime.run_progress(run)


def run_optimiser(run_id: int) -> None:
    """The job body: never raises; the run ends succeeded, failed or cancelled."""
    run = db.session.get(ScheduleRun, run_id)
    if run is None or run.status is not RunStatus.QUEUED:
        return
    _save(run, status=RunStatus.RUNNING, started_at=utcnow())
    try:
        built = build_problem(run.event)
        upper = scheduling.upper_bound(built.problem)
        _save(
            run,
            progress={
                "upper_bound": upper,
                "meetings": 0,
                "elapsed": 0,
                "requests": len(built.problem.requests),
            },
        )
        outcome, payload = _solve_in_child(run, built.problem, upper)
        if outcome == "cancelled":
            _save(run, status=RunStatus.CANCELLED, finished_at=utcnow())
            return
        if outcome == "abandoned":
            return  # declared dead meanwhile (see app.services.run_health): store nothing
        if outcome == "error":
            raise RuntimeError(payload)
        solution = scheduling.solution_from_dict(payload)
        if solution.status in ("infeasible", "unknown"):
            reasons = "; ".join(solution.diagnostics) or solution.status
            _save(
                run,
                status=RunStatus.FAILED,
                finished_at=utcnow(),
                error=reasons,
                stats={"status": solution.status, "diagnostics": list(solution.diagnostics)},
            )
            return
        if not still_running(run.id):
            return
        store_draft(run=run, built=built, solution=solution)
        _save(
            run,
            status=RunStatus.SUCCEEDED,
            finished_at=utcnow(),
            stats={**scheduling.solution_to_dict(solution)["stats"], "status": solution.status},
        )
    except Exception as exc:  # noqa: BLE001 - any failure marks the run failed, keeps the rest
        log.exception("optimiser run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(ScheduleRun, run_id)
        _save(run, status=RunStatus.FAILED, finished_at=utcnow(), error=str(exc)[:4000])


def _solve_in_child(
    run: ScheduleRun, problem: scheduling.Problem, upper: int
) -> tuple[str, object]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    from app.solver_process import solve_child

    child = context.Process(
        target=solve_child,
        daemon=True,
        args=(scheduling.problem_to_dict(problem), dict(run.parameters), queue),
    )
    child.start()
    last_write = last_beat = time.monotonic()
    try:
        while True:
            try:
                kind, payload = queue.get(timeout=PROGRESS_EVERY_S)
            except queue_module.Empty:
                kind, payload = None, None
            if kind in ("done", "error"):
                return kind, payload
            if kind == "progress" and time.monotonic() - last_write >= PROGRESS_EVERY_S:
                run.progress = {**run.progress, **payload, "upper_bound": upper}
                db.session.commit()
                realtime.run_progress(run)
                last_write = last_beat = time.monotonic()
            elif time.monotonic() - last_beat >= HEARTBEAT_EVERY_S:
                # No news from the solver for a while: a heartbeat says this worker is alive.
                run.progress = {**run.progress, "heartbeat": time.time()}
                db.session.commit()
                last_beat = time.monotonic()
            db.session.refresh(run, attribute_names=["cancel_requested", "status"])
            if run.cancel_requested:
                return "cancelled", None
            if run.status is not RunStatus.RUNNING:
                return "abandoned", None
            if kind is None and not child.is_alive():
                return (
                    "error",
                    f"the optimiser process stopped unexpectedly (exit code {child.exitcode})",
                )
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        queue.close()


# Publication e-mails: one per attendee, each with its .ics. For thousands of participants
# this takes minutes, so with REDIS_URL a worker sends them (the organiser's request returns at
# once, and the web process keeps its CPU for the websockets); without Redis (small, embedded
# installs) they are sent in the request as before.
MAIL_QUEUE = "mail"


def send_publication_emails_later(schedule: Schedule) -> int | None:
    """Queue the publication e-mails (None) with REDIS_URL; else send them now (how many)."""
    from app.services.publication import send_publication_emails

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return send_publication_emails(schedule=schedule, server_name=app.config["SERVER_NAME"])
    from redis import Redis
    from rq import Queue

    # Links in the e-mails point to the site the organiser used (unless SERVER_NAME is set).
    base_url = request.host_url if has_request_context() else None
    Queue(MAIL_QUEUE, connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
        "app.jobs.publication_emails_in_worker", schedule.id, base_url, job_timeout=3600
    )
    return None


def publication_emails_in_worker(schedule_id: int, base_url: str | None) -> int:
    """RQ job: send the e-mails of a publication."""
    from app import create_app
    from app.services.publication import send_publication_emails

    app = create_app()
    context = app.test_request_context(base_url=base_url) if base_url else app.app_context()
    with context:
        schedule = db.session.get(Schedule, schedule_id)
        sent = 0
        if schedule is not None:
            sent = send_publication_emails(schedule=schedule, server_name=app.config["SERVER_NAME"])
        db.session.remove()
    log.info("publication of schedule %s: %s e-mail(s) sent", schedule_id, sent)
    return sent
