"""Publication e-mails are delivered at least once, even when a process dies after publishing.

The publication's transaction marks its e-mails pending; sending them clears the mark; a
sweeper sends again those still pending after PUBLICATION_MAIL_RETRY_S (their job was lost),
never before, and never queues a second RQ job while one is waiting or running.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa

from app import mail as app_mail
from app.jobs import (
    MAIL_QUEUE,
    publication_mail_job_id,
    resend_pending_publication_mails,
    send_publication_emails_later,
)
from app.models import Attendee, Meeting, Schedule, ScheduleRun, db
from app.models.enums import RegistrationRole, RunStatus
from app.services.publication import publish_schedule
from tests.conftest import Outbox, make_app, run_worker
from tests.factories import Factory

ATTENDEES = ["ana@example.fr", "ben@example.fr", "cleo@example.fr"]


def _draft() -> Schedule:
    """An event with three attendees (two organisations) and a one-meeting draft."""
    f = Factory(db.session)
    event = f.event()
    organiser = f.user(email="orga@example.fr")
    event.organisers.append(organiser)
    company = f.registration(event=event)
    provider = f.registration(event=event, role=RegistrationRole.PROVIDER)
    company.attendees.extend(
        [Attendee(name="Ana", email=ATTENDEES[0]), Attendee(name="Ben", email=ATTENDEES[1])]
    )
    provider.attendees.append(Attendee(name="Cléo", email=ATTENDEES[2]))
    run = ScheduleRun(event=event, status=RunStatus.SUCCEEDED)
    draft = Schedule(event=event, run=run, version=1)
    draft.meetings.append(
        Meeting(
            registration_a=company,
            registration_b=provider,
            slot=event.slots[0],
            table=event.tables[0],
        )
    )
    db.session.add_all([run, draft])
    db.session.commit()
    return draft


def _publish(draft: Schedule) -> Schedule:
    """Publish and commit, as the organiser's request does, without queuing the e-mails."""
    publish_schedule(schedule=draft, actor=draft.event.organisers[0])
    db.session.commit()
    return draft


def _stored(schedule_id: int) -> tuple:
    """(published_at, mail_pending_since) as committed, read in a fresh session."""
    db.session.remove()
    row = db.session.execute(
        sa.select(Schedule.published_at, Schedule.mail_pending_since).where(
            Schedule.id == schedule_id
        )
    ).one()
    return tuple(row)


def _recipients(app) -> list[str]:
    return sorted(m["To"] for m in Outbox(app).messages())


def test_publication_marks_its_emails_pending_in_its_own_commit(db_app):
    schedule_id = _publish(_draft()).id
    published_at, pending_since = _stored(schedule_id)
    assert published_at is not None
    assert pending_since == published_at  # written by the publication's own statement


def test_sending_the_emails_clears_the_mark(db_app):
    schedule = _publish(_draft())
    with db_app.test_request_context():
        assert send_publication_emails_later(schedule) == 3
    assert _recipients(db_app) == ATTENDEES
    assert _stored(schedule.id)[1] is None


class RefusingSMTP:
    """An SMTP server that refuses one address (and records what it accepts)."""

    accepted: list[str] = []

    def __init__(self, host, port, timeout):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context):
        pass

    def send_message(self, message):
        if message["To"] == ATTENDEES[1]:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"No such user")})
        self.accepted.append(message["To"])


def test_an_address_the_smtp_server_refuses_does_not_keep_the_emails_pending(db_app, monkeypatch):
    """Otherwise every retry would e-mail the attendees before it again, for ever."""
    monkeypatch.setattr(app_mail.smtplib, "SMTP", RefusingSMTP)
    monkeypatch.setattr(RefusingSMTP, "accepted", [])
    db_app.config["MAIL_SERVER"] = "smtp.example.fr"
    schedule = _publish(_draft())
    with db_app.test_request_context():
        assert send_publication_emails_later(schedule) == 2
    assert sorted(RefusingSMTP.accepted) == [ATTENDEES[0], ATTENDEES[2]]
    assert _stored(schedule.id)[1] is None


def test_lost_emails_are_sent_by_the_sweeper_after_the_delay_only(db_app):
    schedule_id = _publish(_draft()).id  # ... and the process dies: no e-mail job
    published_at, _ = _stored(schedule_id)
    with db_app.test_request_context():
        assert resend_pending_publication_mails(now=published_at + timedelta(seconds=60)) == []
        assert _recipients(db_app) == []
        later = published_at + timedelta(seconds=121)
        assert resend_pending_publication_mails(now=later) == [schedule_id]
    assert _recipients(db_app) == ATTENDEES
    assert _stored(schedule_id)[1] is None
    with db_app.test_request_context():
        assert resend_pending_publication_mails(now=later + timedelta(hours=1)) == []
    assert _recipients(db_app) == ATTENDEES  # each attendee once


def test_the_planning_page_sends_lost_emails_once_the_delay_has_passed(db_app):
    draft = _draft()
    slug = draft.event.slug
    _publish(draft)
    client = db_app.test_client()
    login = client.post(
        "/compte/connexion", data={"email": "orga@example.fr", "password": "correct horse battery"}
    )
    assert login.status_code == 302
    planning = f"/organisateur/evenements/{slug}/planning/"
    assert client.get(planning).status_code == 200
    assert _recipients(db_app) == []  # just published: its job may still be on its way
    db_app.config["PUBLICATION_MAIL_RETRY_S"] = 0
    assert client.get(planning).status_code == 200
    assert _recipients(db_app) == ATTENDEES


def test_cron_command_resends_with_server_name_and_waits_without(db_app):
    schedule_id = _publish(_draft()).id
    db_app.config["PUBLICATION_MAIL_RETRY_S"] = 0
    runner = db_app.test_cli_runner()
    # No request and no SERVER_NAME: links cannot be built, nothing is sent or lost.
    result = runner.invoke(args=["resend-publication-mails"])
    assert result.exit_code == 0, result.output
    assert "0 publication(s)" in result.output
    assert _recipients(db_app) == [] and _stored(schedule_id)[1] is not None
    # The same site with SERVER_NAME configured (a new app: URL building is set up per context).
    cron_app = make_app(
        db_app.config["SQLALCHEMY_DATABASE_URI"],
        SERVER_NAME="rdv.example.fr",
        PUBLICATION_MAIL_RETRY_S=0,
        MAIL_OUTBOX_DIR=db_app.config["MAIL_OUTBOX_DIR"],
    )
    with cron_app.app_context():
        result = cron_app.test_cli_runner().invoke(args=["resend-publication-mails"])
    assert "1 publication(s)" in result.output
    assert _recipients(db_app) == ATTENDEES
    for message in Outbox(db_app).messages():
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "http://rdv.example.fr/" in body  # links built from SERVER_NAME
    assert _stored(schedule_id)[1] is None


def _drop_job(queue, job_id: str) -> None:
    from rq.job import Job

    queue.connection.lrem(queue.key, 0, job_id)
    queue.connection.delete(Job.key_for(job_id), f"rq:executions:{job_id}")


def _start_as_a_worker_would(queue, job_id: str):
    """What an RQ worker does when it takes a job, up to running it; returns its execution."""
    from rq import Worker
    from rq.job import Job

    worker = Worker([queue], connection=queue.connection)
    assert queue.connection.lpop(queue.key).decode() == job_id
    job = Job.fetch(job_id, connection=queue.connection)
    execution = worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    assert job.get_status(refresh=True).value == "started"
    queue.connection.delete(worker.key)
    return execution


@pytest.mark.redis
def test_rq_sweeper_never_queues_a_live_job_twice_and_a_worker_sends_lost_emails(rq_app):
    from rq import Queue
    from rq.job import Job

    queue = Queue(MAIL_QUEUE, connection=redis.Redis.from_url(rq_app.config["REDIS_URL"]))
    queue.empty()  # jobs left by other test runs
    schedule = _publish(_draft())
    job_id = publication_mail_job_id(schedule.id)
    _drop_job(queue, job_id)  # left by an earlier run
    later = _stored(schedule.id)[0] + timedelta(minutes=3)
    try:
        with rq_app.test_request_context():
            assert send_publication_emails_later(db.session.get(Schedule, schedule.id)) is None
            assert queue.job_ids == [job_id]
            # The job waits for a worker: the sweeper leaves it alone, even minutes later.
            assert resend_pending_publication_mails(now=later) == []
            assert queue.job_ids == [job_id]
            # The job is lost (e.g. the web process died before queuing it): queued again, once.
            Job.fetch(job_id, connection=queue.connection).delete()
            assert resend_pending_publication_mails(now=later) == [schedule.id]
            assert queue.job_ids == [job_id]
            assert resend_pending_publication_mails(now=later + timedelta(minutes=5)) == []
            assert queue.job_ids == [job_id]
            # A worker listening on several queues popped it and was killed before starting
            # it: the job still says "queued" but is in no queue any more. Queued again.
            assert queue.connection.lpop(queue.key).decode() == job_id
            assert Job.fetch(job_id, connection=queue.connection).get_status().value == "queued"
            later += timedelta(minutes=10)
            assert resend_pending_publication_mails(now=later) == [schedule.id]
            assert queue.job_ids == [job_id]
            # A worker starts it: left alone while it runs...
            execution = _start_as_a_worker_would(queue, job_id)
            later += timedelta(minutes=10)
            assert resend_pending_publication_mails(now=later) == []
            # ... and the worker is killed. 90 s later its heartbeat has expired, and the record
            # of its execution too (RQ then fails the job; Job.delete() fails on the missing
            # record): queued again.
            queue.connection.delete(execution.key)
            queue.connection.zadd(queue.started_job_registry.key, {execution.composite_key: 1})
            assert resend_pending_publication_mails(now=later) == [schedule.id]
            assert queue.job_ids == [job_id]
        run_worker(rq_app)
        assert _recipients(rq_app) == ATTENDEES
        assert _stored(schedule.id)[1] is None
    finally:
        queue.empty()
        _drop_job(queue, job_id)
