"""Flask CLI commands: `flask taxonomy`, `flask demo`, `flask send-digests`, `flask worker`,
`flask resend-publication-mails`, `flask send-feedback-reminders`."""

from __future__ import annotations

from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app

from app.models import Event, db
from app.models.base import utcnow
from app.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo
from app.services.feedback import send_feedback_reminders
from app.services.notifications import send_digests
from app.services.taxonomy import load_taxonomy, taxonomy_loaded


def register_cli(app: Flask) -> None:
    app.cli.add_command(taxonomy_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(digest_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(resend_mails_command)
    app.cli.add_command(feedback_reminders_command)


@click.command("taxonomy")
def taxonomy_command() -> None:
    """Load or update the reference data (sectors, use cases...) from app/data/taxonomy.json."""
    changes = load_taxonomy()
    db.session.commit()
    click.echo("Reference data: " + ", ".join(f"{k} {v} changed" for k, v in changes.items()))


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database has any event.")
def demo_command(if_empty: bool) -> None:
    """Create the demo event "Rendez-vous IA — Industrie" (idempotent) and print the accounts."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Event)):
        click.echo("The database already has events: demo data not loaded.")
        return
    if not taxonomy_loaded():
        load_taxonomy()
    result = create_demo(today=date.today())
    db.session.commit()
    verb = "created" if result.created else "already present"
    click.echo(f"Demo event {verb}: {result.event.title} (/evenements/{result.event.slug})")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, kind in DEMO_ACCOUNTS:
        click.echo(f"  {email:32} {name:24} {kind.value if kind else 'organiser, admin'}")


@click.command("send-digests")
def digest_command() -> None:
    """Send the daily e-mail digest of notifications (run once a day, e.g. from cron)."""
    sent = send_digests(now=utcnow())
    click.echo(f"{sent} digest e-mail(s) sent.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for optimiser runs, e-mails and rebookings (needs REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

    from app.jobs import (
        MAIL_QUEUE,
        QUEUE_NAME,
        REBOOKING_QUEUE,
        resend_pending_publication_mails,
    )

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, optimiser runs execute in the web process"
        )
    # A worker often starts after a crash or a deployment: publication e-mails whose job was
    # lost meanwhile are queued again first.
    resend_pending_publication_mails()
    db.session.remove()
    connection = Redis.from_url(url)
    # On-site rebookings first (seconds, on the day), then publication e-mails: a long
    # optimiser run must not hold them back.
    names = (REBOOKING_QUEUE, MAIL_QUEUE, QUEUE_NAME)
    queues = [Queue(name, connection=connection) for name in names]
    Worker(queues, connection=connection).work(burst=burst)


@click.command("resend-publication-mails")
def resend_mails_command() -> None:
    """Send again publication e-mails whose job was lost (run every few minutes from cron)."""
    from app.jobs import resend_pending_publication_mails

    resent = resend_pending_publication_mails()
    click.echo(f"{len(resent)} publication(s) with pending e-mails sent or queued again.")


@click.command("send-feedback-reminders")
def feedback_reminders_command() -> None:
    """Remind participants to rate their meetings, once, FEEDBACK_REMINDER_AFTER_S after their
    last meeting (run every 15 minutes or so from cron; needs SERVER_NAME for the links)."""
    if not current_app.config["SERVER_NAME"]:
        raise click.ClickException(
            "SERVER_NAME is not set: the reminders link to the feedback page and need it"
        )
    after = timedelta(seconds=current_app.config["FEEDBACK_REMINDER_AFTER_S"])
    reminded = send_feedback_reminders(now=utcnow(), after=after)
    click.echo(f"{reminded} participant(s) reminded to give feedback.")
