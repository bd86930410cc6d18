"""Runs whose worker is gone: detected and marked failed, so that nothing stays half-done.

A run is executed either by a thread of the web process (no REDIS_URL) or by an RQ worker.
If that process is killed or restarted mid-run, the run row would stay `queued`/`running`
forever and block every new run of the event (one active run per event). A live run writes a
heartbeat into `ScheduleRun.progress` at least every `HEARTBEAT_EVERY_S`; a run is declared
dead when:
  * in-process mode: no thread of this process is running it and it has been quiet for
    `GRACE_S` (threads do not survive a restart of the single web process);
  * RQ mode: it is `running` and has been quiet for `STALE_AFTER_S`, or its RQ job is gone
    (failed, stopped, cancelled, or missing from Redis), or it is `queued` and quiet for
    `STALE_AFTER_S` while its job, still "queued", is in no queue (popped by a worker that was
    killed before it started the job). A run waiting in its queue is never dead, however long.
Drafts and the published schedule are never touched: a draft is stored in one transaction at
the very end of a run, and a run declared dead can no longer store one (see `still_running`).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.models import ScheduleRun, db
from app.models.base import utcnow
from app.models.enums import RunStatus
from app.rq_queues import waits_in_queue

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 10
STALE_AFTER_S = 60
GRACE_S = 30
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def N_(message: str) -> str:
    """Marks a message for extraction (`make messages`); it is translated where it is shown."""
    return message


# Why a run was declared dead: stored in English in ScheduleRun.error (logs, API), shown
# translated on the planning page (`solver_text.shown_run_error`).
SERVER_STOPPED = N_("the server stopped during the run (process restarted or killed)")
WORKER_SILENT = N_("the worker stopped answering during the run (process killed or restarted)")
JOB_LOST = N_("the background job was lost (worker killed, job failed or removed)")
NEVER_STARTED = N_("the worker stopped before starting the run (process killed or restarted)")
DEAD_REASONS = frozenset((SERVER_STOPPED, WORKER_SILENT, JOB_LOST, NEVER_STARTED))


_local_lock = threading.Lock()
_local_runs: set[int] = set()


def local_run_started(run_id: int) -> None:
    with _local_lock:
        _local_runs.add(run_id)


def local_run_finished(run_id: int) -> None:
    with _local_lock:
        _local_runs.discard(run_id)


def _is_local(run_id: int) -> bool:
    with _local_lock:
        return run_id in _local_runs


def _rq_job_state(run: ScheduleRun) -> str | None:
    """'gone' (failed, stopped or vanished), 'popped' (queued in no queue) or None (alive)."""
    if not run.job_id:
        return None
    from redis import Redis
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    try:
        job = Job.fetch(run.job_id, connection=connection)
    except NoSuchJobError:
        return "gone"
    status = job.get_status(refresh=True)
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return "gone"
    if status is JobStatus.QUEUED and not waits_in_queue(
        Queue(job.origin, connection=connection), job.id
    ):
        return "popped"
    return None


def dead_reason(run: ScheduleRun, *, now: datetime) -> str | None:
    """Why this active run can no longer finish, or None while it may still be alive."""
    quiet = now - (run.updated_at or run.created_at)
    if not current_app.config.get("REDIS_URL"):
        if not _is_local(run.id) and quiet > timedelta(seconds=GRACE_S):
            return SERVER_STOPPED
        return None
    if run.status is RunStatus.RUNNING and quiet > timedelta(seconds=STALE_AFTER_S):
        return WORKER_SILENT
    job_state = _rq_job_state(run)
    if job_state == "gone":
        return JOB_LOST
    # Popped a moment ago, the job may be marked started any time now: wait a while first.
    if (
        job_state == "popped"
        and run.status is RunStatus.QUEUED
        and quiet > timedelta(seconds=STALE_AFTER_S)
    ):
        return NEVER_STARTED
    return None


def reap_dead_runs(event_id: int, *, now: datetime | None = None) -> list[ScheduleRun]:
    """Mark failed the event's active runs whose worker is gone; returns them (committed)."""
    now = now or utcnow()
    runs = db.session.scalars(
        sa.select(ScheduleRun).where(
            ScheduleRun.event_id == event_id, ScheduleRun.status.in_(ACTIVE)
        )
    ).all()
    dead = []
    for run in runs:
        reason = dead_reason(run, now=now)
        if reason is None:
            continue
        # Conditional update: a run that finished meanwhile is left as it is.
        done = db.session.execute(
            sa.update(ScheduleRun)
            .where(ScheduleRun.id == run.id, ScheduleRun.status.in_(ACTIVE))
            .values(status=RunStatus.FAILED, error=reason, finished_at=now, updated_at=now)
        ).rowcount
        if done:
            log.warning("optimiser run %s marked failed: %s", run.id, reason)
            dead.append(run)
    if dead:
        db.session.commit()
        from app import realtime

        for run in dead:
            db.session.refresh(run)
            realtime.run_progress(run)
    return dead


def still_running(run_id: int) -> bool:
    """True while the run may store its result (it was not declared dead or cancelled)."""
    status = db.session.scalar(sa.select(ScheduleRun.status).where(ScheduleRun.id == run_id))
    return status is RunStatus.RUNNING
