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
from datetime import datetime, timedelta

from flask import Flask, current_app, has_request_context, request

import scheduling
from app import realtime
from app.models import Schedule, ScheduleRun, db
from app.models.base import utcnow
from app.models.enums import RunStatus
from app.rq_queues import waits_in_queue
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
# installs) they are sent in the request as before. Delivery is at least once (see
# app/services/publication.py): a publication whose e-mails are still pending
# PUBLICATION_MAIL_RETRY_S after its publication (or its last retry) is sent again by
# `resend_pending_publication_mails`, from the planning page, at `flask worker` start-up and
# from `flask resend-publication-mails` (cron).
MAIL_QUEUE = "mail"
MAIL_JOB_TIMEOUT_S = 3600

_sending_lock = threading.Lock()
_sending_here: set[int] = set()  # schedules whose e-mails this process is sending (no Redis)


def publication_mail_job_id(schedule_id: int) -> str:
    """One RQ job id per publication: a live job is never queued twice."""
    return f"publication-mail-{schedule_id}"


def send_publication_emails_later(schedule: Schedule) -> int | None:
    """Queue the publication e-mails (None) with REDIS_URL; else send them now (how many)."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return _send_here(schedule.id, server_name=app.config["SERVER_NAME"])
    # Links in the e-mails point to the site the organiser used (unless SERVER_NAME is set).
    _queue_mail_job(schedule.id, request.host_url if has_request_context() else None)
    return None


def _send_here(schedule_id: int, *, server_name: str | None) -> int:
    """Send a publication's e-mails in this process and commit the cleared mark."""
    from app.services.publication import send_publication_emails

    with _sending_lock:
        if schedule_id in _sending_here:
            return 0  # already being sent by another thread of this process
        _sending_here.add(schedule_id)
    try:
        schedule = db.session.get(Schedule, schedule_id)
        if schedule is None:
            return 0
        sent = send_publication_emails(schedule=schedule, server_name=server_name)
        db.session.commit()
        return sent
    finally:
        with _sending_lock:
            _sending_here.discard(schedule_id)


def _mail_queue():
    from redis import Redis
    from rq import Queue

    return Queue(MAIL_QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def _live_mail_job(queue, schedule_id: int):
    """The publication's RQ job if it is waiting or running; a lost or ended one is deleted."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(publication_mail_job_id(schedule_id), connection=queue.connection)
    except NoSuchJobError:
        return None
    # A job whose worker was killed stays "started" until RQ notices (its heartbeat expires,
    # about 90 s); this moves such jobs to "failed".
    queue.started_job_registry.cleanup()
    status = job.get_status(refresh=True)
    if status is JobStatus.QUEUED:
        if waits_in_queue(queue, job.id):  # else popped by a worker killed before starting it
            return job
    elif status in (JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
        return job
    _forget_job(queue, job)  # finished, failed, stopped or lost: its id is free for a new job
    return None


def _forget_job(queue, job) -> None:
    try:
        job.delete()
    except ValueError:
        # RQ 3.0: the execution record of a killed worker's job expires before its registry
        # entry, and Job.delete() then fails on the missing record: remove the keys directly.
        with queue.connection.pipeline() as pipeline:
            queue.failed_job_registry.remove(job.id, pipeline=pipeline)
            pipeline.delete(job.key, job.execution_registry.key)
            pipeline.execute()


def _queue_mail_job(schedule_id: int, base_url: str | None, queue=None) -> bool:
    """Queue the publication's mail job unless a live one exists; True if queued."""
    from rq.exceptions import DuplicateJobError

    queue = queue or _mail_queue()
    if _live_mail_job(queue, schedule_id) is not None:
        return False
    try:
        queue.enqueue(
            "app.jobs.publication_emails_in_worker",
            schedule_id,
            base_url,
            job_id=publication_mail_job_id(schedule_id),
            unique=True,  # atomic: another process queuing the same id at once gets an error
            job_timeout=MAIL_JOB_TIMEOUT_S,
        )
    except DuplicateJobError:
        return False
    return True


def resend_pending_publication_mails(
    *, event_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Send again the e-mails of publications still pending after PUBLICATION_MAIL_RETRY_S.

    Their job was lost (the process was killed between the publication and the job, or
    during it). With REDIS_URL the job is queued again under its fixed id, unless it is still
    waiting or running; without Redis the e-mails are sent here, unless this process is
    sending them. Links need a request or SERVER_NAME: without either (cron, worker start-up
    on a site without SERVER_NAME) nothing is sent, and the planning page will do it.
    Returns the ids of the schedules whose e-mails were sent or queued again (committed).
    """
    from app.services.publication import pending_publication_mails

    app = current_app._get_current_object()
    now = now or utcnow()
    retry_after = timedelta(seconds=app.config["PUBLICATION_MAIL_RETRY_S"])
    pending = pending_publication_mails(before=now - retry_after, event_id=event_id)
    if not pending:
        return []
    base_url = request.host_url if has_request_context() else None
    if base_url is None and not app.config["SERVER_NAME"]:
        log.warning(
            "publication e-mails pending for schedules %s: set SERVER_NAME to resend them "
            "from here (the planning page resends them meanwhile)",
            [s.id for s in pending],
        )
        return []
    queue = _mail_queue() if app.config.get("REDIS_URL") else None
    done = []
    for schedule_id in [s.id for s in pending]:
        try:
            if _resend(schedule_id, queue=queue, base_url=base_url, now=now):
                done.append(schedule_id)
        except Exception:  # noqa: BLE001 - the mark stays: a later sweep retries; the page works
            log.exception("publication of schedule %s: e-mails not sent again", schedule_id)
            db.session.rollback()
    return done


def _resend(schedule_id: int, *, queue, base_url: str | None, now: datetime) -> bool:
    """Claim a pending publication's e-mails and queue or send them; False if left alone."""
    from app.services.publication import claim_pending_mails

    if queue is not None and _live_mail_job(queue, schedule_id) is not None:
        return False
    if queue is None:
        with _sending_lock:
            if schedule_id in _sending_here:
                return False
    schedule = db.session.get(Schedule, schedule_id)
    claimed = schedule is not None and claim_pending_mails(schedule, now=now)
    db.session.commit()
    if not claimed:
        return False  # another sweeper took it, or its e-mails were sent meanwhile
    log.warning("publication of schedule %s: e-mails pending, sending again", schedule_id)
    if queue is not None:
        _queue_mail_job(schedule_id, base_url, queue)
    else:
        _send_here(schedule_id, server_name=current_app.config["SERVER_NAME"])
    return True


def publication_emails_in_worker(schedule_id: int, base_url: str | None) -> int:
    """RQ job: send the e-mails of a publication and clear its pending mark."""
    from app import create_app
    from app.services.publication import send_publication_emails

    app = create_app()
    context = app.test_request_context(base_url=base_url) if base_url else app.app_context()
    with context:
        schedule = db.session.get(Schedule, schedule_id)
        sent = 0
        if schedule is not None:
            sent = send_publication_emails(schedule=schedule, server_name=app.config["SERVER_NAME"])
            db.session.commit()
        db.session.remove()
    log.info("publication of schedule %s: %s e-mail(s) sent", schedule_id, sent)
    return sent


# On-site rebooking after an absence (docs/on-site.md): a solve of a few seconds
# (REBOOKING_TIME_LIMIT_S). Without Redis it runs in the request, as before; with REDIS_URL a
# worker runs it, so the click returns at once and the web process keeps its CPU for the
# websockets. Each job reads the day as it is when it starts; jobs of one event run one after
# the other (a Redis lock), so two never offer the same free place.
REBOOKING_QUEUE = "rebooking"
REBOOKING_LOCK_MARGIN_S = 120  # a killed worker's lock expires after the budget plus this


def queue_rebooking(event_id: int, actor_id: int | None) -> bool:
    """With REDIS_URL, queue a rebooking of the event for a worker (True); else, or if Redis
    does not answer, False: the caller rebooks in the request."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return False
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    from app.services.rebooking import rebooking_budget

    queue = Queue(REBOOKING_QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))
    try:
        # Links in the e-mails point to the site the request came to (or SERVER_NAME).
        queue.enqueue(
            "app.jobs.rebooking_in_worker",
            event_id,
            actor_id,
            request.host_url if has_request_context() else None,
            job_timeout=int(rebooking_budget()) + REBOOKING_LOCK_MARGIN_S,
        )
    except RedisError:
        log.exception("rebooking of event %s not queued: done in this request", event_id)
        return False
    return True


def rebooking_in_worker(event_id: int, actor_id: int | None, base_url: str | None) -> int:
    """RQ job: propose the freed places of the event as offers; returns how many."""
    from redis import Redis

    from app import create_app
    from app.services.rebooking import rebooking_budget

    app = create_app()
    context = app.test_request_context(base_url=base_url) if base_url else app.app_context()
    with context:
        timeout = rebooking_budget() + REBOOKING_LOCK_MARGIN_S
        with Redis.from_url(app.config["REDIS_URL"]).lock(f"rebooking-lock-{event_id}", timeout):
            offers = rebook_now(event_id, actor_id)
        db.session.remove()
    log.info("rebooking of event %s: %s offer(s)", event_id, offers)
    return offers


def rebook_now(event_id: int, actor_id: int | None) -> int:
    """Propose the event's freed places as offers, commit and push them; how many. In the
    worker, or in the request when no worker takes it (`queue_rebooking` said False)."""
    from app.models import Event, User
    from app.realtime import onsite as push
    from app.services import ServiceError
    from app.services.rebooking import propose_offers

    event = db.session.get(Event, event_id)
    if event is None:
        return 0
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    try:
        change = propose_offers(event=event, actor=actor, now=utcnow())
    except ServiceError as exc:
        db.session.rollback()
        log.warning("rebooking of event %s not run: %s", event_id, exc)
        return 0
    db.session.commit()
    push.changed(change, kind="offers")
    return len(change.offers)
