"""A run whose worker was killed is marked failed; it no longer blocks new runs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis
from rq import Queue

from app.models import Schedule, ScheduleRun, db
from app.models.base import utcnow
from app.models.enums import RunStatus, ScheduleStatus
from app.services.optimiser import start_run
from app.services.run_health import local_run_finished, local_run_started, reap_dead_runs


def _stuck_run(factory, event, *, status=RunStatus.RUNNING, quiet_s=600, job_id=None):
    run = factory._add(
        ScheduleRun(event=event, status=status, parameters={"time_limit_s": 5}, job_id=job_id)
    )
    then = utcnow() - timedelta(seconds=quiet_s)
    db.session.execute(
        db.update(ScheduleRun).where(ScheduleRun.id == run.id).values(updated_at=then)
    )
    db.session.commit()
    return run


@pytest.fixture
def organiser_event(factory):
    organiser = factory.user()
    event = factory.event()
    event.organisers.append(organiser)
    db.session.commit()
    return organiser, event


def test_run_left_running_by_a_dead_process_is_failed_and_a_new_run_can_start(
    factory, organiser_event
):
    organiser, event = organiser_event
    published = factory._add(Schedule(event=event, version=1, status=ScheduleStatus.PUBLISHED))
    dead = _stuck_run(factory, event)

    new = start_run(event=event, actor=organiser, time_limit_s=5, workers=1)
    db.session.commit()

    db.session.refresh(dead)
    assert dead.status is RunStatus.FAILED
    assert "stopped during the run" in dead.error
    assert dead.finished_at is not None
    assert new.status is RunStatus.QUEUED
    db.session.refresh(published)
    assert published.status is ScheduleStatus.PUBLISHED  # untouched


def test_run_executing_in_this_process_is_never_reaped(factory, organiser_event):
    _, event = organiser_event
    run = _stuck_run(factory, event, quiet_s=3600)
    local_run_started(run.id)
    try:
        assert reap_dead_runs(event.id) == []
    finally:
        local_run_finished(run.id)
    db.session.refresh(run)
    assert run.status is RunStatus.RUNNING


def test_run_just_created_is_given_a_grace_period(factory, organiser_event):
    _, event = organiser_event
    run = _stuck_run(factory, event, status=RunStatus.QUEUED, quiet_s=2)
    assert reap_dead_runs(event.id) == []
    assert reap_dead_runs(event.id, now=utcnow() + timedelta(minutes=5)) == [run]


@pytest.mark.redis
def test_rq_runs_are_failed_when_their_job_is_gone_or_their_worker_went_silent(rq_app):
    from tests.factories import Factory

    factory = Factory(db.session)
    event = factory.event()
    connection = redis.Redis.from_url(rq_app.config["REDIS_URL"])
    queue = Queue(f"test-{uuid.uuid4().hex}", connection=connection)
    waiting = queue.enqueue("app.jobs.run_in_worker", 0)
    try:
        # Queued behind a busy worker for a long time: still waiting, not dead.
        queued = _stuck_run(
            factory, event, status=RunStatus.QUEUED, quiet_s=3600, job_id=waiting.id
        )
        assert reap_dead_runs(event.id) == []
        # Its job vanished from Redis (flushed, or removed by hand): dead.
        waiting.delete()
        assert reap_dead_runs(event.id) == [queued]
        assert "job was lost" in db.session.get(ScheduleRun, queued.id).error

        # Running, but no heartbeat for minutes: the worker was killed.
        job = queue.enqueue("app.jobs.run_in_worker", 0)
        silent = _stuck_run(factory, event, quiet_s=600, job_id=job.id)
        assert reap_dead_runs(event.id) == [silent]
        assert "stopped answering" in db.session.get(ScheduleRun, silent.id).error
    finally:
        queue.delete(delete_jobs=True)


@pytest.fixture
def rq_queue(rq_app):
    queue = Queue(
        f"test-{uuid.uuid4().hex}", connection=redis.Redis.from_url(rq_app.config["REDIS_URL"])
    )
    yield queue
    queue.delete(delete_jobs=True)


@pytest.mark.redis
def test_rq_run_popped_by_a_worker_killed_before_starting_it_is_failed(rq_app, rq_queue):
    from tests.factories import Factory

    factory = Factory(db.session)
    organiser = factory.user()
    event = factory.event()
    event.organisers.append(organiser)
    db.session.commit()
    job = rq_queue.enqueue("app.jobs.run_in_worker", 0)
    run = _stuck_run(factory, event, status=RunStatus.QUEUED, quiet_s=120, job_id=job.id)
    # A worker listening on several queues pops the id (BLPOP), then is killed before it
    # marks the job started: the job says "queued" but no worker will ever take it.
    assert rq_queue.connection.lpop(rq_queue.key).decode() == job.id
    assert job.get_status(refresh=True).value == "queued"

    new = start_run(event=event, actor=organiser, time_limit_s=5, workers=1)
    db.session.commit()

    db.session.refresh(run)
    assert run.status is RunStatus.FAILED
    assert "stopped before starting the run" in run.error
    assert new.status is RunStatus.QUEUED


@pytest.mark.redis
def test_rq_run_popped_a_moment_ago_is_given_time_to_start(rq_app, rq_queue):
    from tests.factories import Factory

    factory = Factory(db.session)
    event = factory.event()
    job = rq_queue.enqueue("app.jobs.run_in_worker", 0)
    run = _stuck_run(factory, event, status=RunStatus.QUEUED, quiet_s=5, job_id=job.id)
    rq_queue.connection.lpop(rq_queue.key)

    assert reap_dead_runs(event.id) == []
    assert reap_dead_runs(event.id, now=utcnow() + timedelta(minutes=2)) == [run]


@pytest.mark.redis
def test_rq_run_waiting_in_its_queue_for_hours_is_not_failed(rq_app, rq_queue):
    from tests.factories import Factory

    factory = Factory(db.session)
    event = factory.event()
    job = rq_queue.enqueue("app.jobs.run_in_worker", 0)
    run = _stuck_run(factory, event, status=RunStatus.QUEUED, quiet_s=6 * 3600, job_id=job.id)

    assert reap_dead_runs(event.id) == []
    # Being taken by a single-queue worker (RQ moves the id to its intermediate queue).
    assert (
        rq_queue.connection.lmove(rq_queue.key, rq_queue.intermediate_queue_key).decode() == job.id
    )
    assert reap_dead_runs(event.id) == []
    db.session.refresh(run)
    assert run.status is RunStatus.QUEUED


def test_the_organiser_sees_a_killed_run_as_failed_with_its_reason(
    client, auth, factory, organiser_event
):
    organiser, event = organiser_event
    dead = _stuck_run(factory, event)
    auth.login(organiser.email)

    status = client.get(
        f"/organisateur/evenements/{event.slug}/planning/runs/{dead.id}.json"
    ).get_json()

    assert status["status"] == "failed"
    assert status["error"].startswith("le serveur s'est arrêté pendant le calcul")  # French first
