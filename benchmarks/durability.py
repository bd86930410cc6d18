"""Durability: kill the web process and the worker mid-run and mid-publication, restart, check.

  run          the optimiser runs in an RQ worker (REDIS_URL set); SIGKILL the worker (with its
               solver process) and the web process while the run is solving; restart both.
  run-thread   no Redis: the optimiser runs in a thread of the web process; SIGKILL it.
  publication  SIGKILL the web process (and the worker) at increasing delays after an organiser
               clicks "publish" (the publication writes the new version and queues the
               e-mails); after the restart, wait until the publication's e-mails are no longer
               pending, opening the planning page every 10 s as an organiser would (that page
               sends again e-mails pending for PUBLICATION_MAIL_RETRY_S: --mail-retry).

After each restart the database must hold no half-written draft or version: the killed run is
marked failed (and says why) or completed, at most one version is published and it has all its
meetings, and a new run can start and succeed.

    .venv/bin/python benchmarks/durability.py run
    .venv/bin/python benchmarks/durability.py run-thread
    .venv/bin/python benchmarks/durability.py publication --kills 8
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import json
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (  # noqa: E402
    DEFAULT_REDIS,
    Client,
    app_env,
    flask,
    free_port,
    gunicorn,
    machine,
    python,
    rq_worker,
    scratch_database,
)

ORGANISER = {"email": "organisatrice@demo.rdv-ia.fr", "password": "demo-rdv-ia-2026"}

STATE = """
import json
import sqlalchemy as sa
from app.models import Attendee, Event, Meeting, Registration, Schedule, ScheduleRun, db
from app.models.enums import RegistrationStatus
event = db.session.scalars(sa.select(Event)).first()
runs = db.session.scalars(sa.select(ScheduleRun).where(ScheduleRun.event_id == event.id)
                          .order_by(ScheduleRun.id)).all()
schedules = db.session.scalars(sa.select(Schedule).where(Schedule.event_id == event.id)
                               .order_by(Schedule.version)).all()
count = lambda s: db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)
                                    .where(Meeting.schedule_id == s.id))
print(json.dumps({
    "slug": event.slug,
    "runs": [{"id": r.id, "status": r.status.value, "error": r.error,
              "meetings": r.progress.get("meetings"), "stored": r.stats.get("meetings")}
             for r in runs],
    "schedules": [{"id": s.id, "version": s.version, "status": s.status.value,
                   "run_id": s.run_id, "meetings": count(s),
                   "expected": s.stats.get("meetings_total", s.stats.get("meetings"))}
                  for s in schedules],
    "mail_pending": [s.id for s in schedules if s.mail_pending_since is not None],
    "attendees": db.session.scalar(
        sa.select(sa.func.count()).select_from(Attendee).join(Attendee.registration)
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.APPROVED)),
}))
"""


class Site:
    """The web process (and the worker, with Redis) on a demo database, restartable."""

    def __init__(self, url: str, redis_url: str | None, logs: Path, **extra: str):
        self.env = app_env(url, redis_url=redis_url, outbox=str(logs / "outbox"), **extra)
        self.logs = logs
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.web = self.worker = None
        flask(self.env, "db", "upgrade")
        flask(self.env, "demo")

    def start(self) -> None:
        self.web = gunicorn(self.env, self.port, self.logs / "web.log", threads=16)
        if "REDIS_URL" in self.env:
            self.worker = rq_worker(self.env, self.logs / "worker.log")

    def kill(self) -> None:
        for process in (self.worker, self.web):
            if process is not None:
                process.kill(signal.SIGKILL)

    def state(self) -> dict:
        return json.loads(python(self.env, STATE))

    def organiser(self) -> Client:
        client = Client(self.base)
        client.submit("/compte/connexion", ORGANISER)
        return client


def _planning(slug: str) -> str:
    return f"/organisateur/evenements/{slug}/planning/"


def _launch(client: Client, slug: str, limit: int) -> None:
    r = client.submit(_planning(slug), {"time_limit_s": str(limit)}, action_contains="lancer")
    r.raise_for_status()


def _run_json(client: Client, slug: str, run_id: int) -> dict:
    return client.get(f"{_planning(slug)}runs/{run_id}.json").json()


def _wait(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # A keep-alive connection to a server that was just restarted may be dead: retry.
        with contextlib.suppress(requests.ConnectionError):
            value = predicate()
            if value:
                return value
        time.sleep(step)
    raise TimeoutError("condition not met in time")


def _check_versions(state: dict) -> list[str]:
    problems = []
    published = [s for s in state["schedules"] if s["status"] == "published"]
    if len(published) > 1:
        problems.append(f"{len(published)} versions published at once")
    for s in state["schedules"]:
        if s["expected"] is not None and s["meetings"] < s["expected"]:
            problems.append(
                f"version {s['version']} has {s['meetings']} of {s['expected']} meetings"
            )
    return problems


def kill_run(args, *, with_redis: bool) -> None:
    logs = Path(tempfile.mkdtemp(prefix="rdvia-durability-"))
    with scratch_database() as url:
        site = Site(url, args.redis if with_redis else None, logs)
        site.start()
        try:
            organiser = site.organiser()
            slug = site.state()["slug"]
            before = site.state()["schedules"]
            _launch(organiser, slug, args.time_limit)
            run_id = site.state()["runs"][-1]["id"]
            _wait(
                lambda: (_run_json(organiser, slug, run_id)["progress"].get("meetings") or 0) > 0,
                120,
            )
            site.kill()
            killed_at = time.monotonic()
            after_kill = site.state()
            site.start()
            organiser = site.organiser()
            status = _wait(
                lambda: (
                    (s := _run_json(organiser, slug, run_id))["status"] != "running"
                    and s["status"] != "queued"
                    and s
                ),
                300,
                2,
            )
            recovered_s = time.monotonic() - killed_at
            after = site.state()
            _launch(organiser, slug, 10)
            new_id = site.state()["runs"][-1]["id"]
            final = _wait(
                lambda: (
                    (s := _run_json(organiser, slug, new_id))["status"]
                    in ("succeeded", "failed", "cancelled")
                    and s
                ),
                300,
                1,
            )
            end = site.state()
        finally:
            site.kill()
    problems = _check_versions(after) + _check_versions(end)
    if after_kill["schedules"] != before:
        problems.append("a draft or version appeared or changed while the run was being killed")
    left = [s for s in after["schedules"] if s["run_id"] == run_id]
    if status["status"] == "failed" and left:
        problems.append("the killed run left a draft")
    if status["status"] not in ("failed", "succeeded"):
        problems.append(f"the killed run ended {status['status']}, expected failed")
    if final["status"] != "succeeded":
        problems.append(f"the next run ended {final['status']}: {final.get('error')}")
    mode = "RQ worker + web process" if with_redis else "web process (in-process thread)"
    print(f"\nkill -9 of the {mode} during an optimiser run; {machine()}")
    print("| figure | value |\n|---|---|")
    print(f"| run status after restart | {status['status']} ({status['error']}) |")
    print(f"| time from kill to the run marked failed | {recovered_s:.0f} s |")
    print(
        f"| drafts left by the killed run | {sum(s['run_id'] == run_id for s in end['schedules'])} |"
    )
    print(f"| next run | {final['status']}, {final['stats'].get('meetings')} meetings |")
    print(f"| problems | {'; '.join(problems) or 'none'} |")
    if problems:
        sys.exit(1)


def kill_publication(args) -> None:
    logs = Path(tempfile.mkdtemp(prefix="rdvia-durability-"))
    rows, problems = [], []
    extra = {"PUBLICATION_MAIL_RETRY_S": str(args.mail_retry)} if args.mail_retry else {}
    with scratch_database() as url:
        site = Site(url, args.redis, logs, **extra)
        site.start()
        try:
            organiser = site.organiser()
            slug = site.state()["slug"]
            _launch(organiser, slug, 10)
            run_id = site.state()["runs"][-1]["id"]
            _wait(lambda: _run_json(organiser, slug, run_id)["status"] == "succeeded", 300, 1)
            for k in range(args.kills):
                delay = 0.05 * (2 ** (k % 6))  # 50 ms .. 1.6 s after the click
                state = site.state()
                draft = [s for s in state["schedules"] if s["status"] == "draft"][-1]
                # A first publication e-mails every attendee; later ones only those whose
                # meetings changed (none here: each draft is a copy of the published version).
                first = not any(
                    s["status"] in ("published", "superseded") for s in state["schedules"]
                )
                outbox = site.logs / "outbox"
                mails_before = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
                seen = set(outbox.glob("*.eml")) if outbox.exists() else set()
                page = organiser.get(_planning(slug)).text
                if f"/versions/{draft['id']}/publier" not in page:
                    raise RuntimeError("no publish button for the draft")
                clicked = threading.Thread(
                    target=lambda d=draft, who=organiser: _quietly(
                        who.submit,
                        _planning(slug),
                        {},
                        action_contains=f"/versions/{d['id']}/publier",
                    )
                )
                clicked.start()
                time.sleep(delay)
                site.kill()
                killed_at = time.monotonic()
                clicked.join()
                after = site.state()
                mails = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
                now = next(s for s in after["schedules"] if s["id"] == draft["id"])
                problems += [f"kill {k + 1}: {p}" for p in _check_versions(after)]
                site.start()
                organiser = site.organiser()
                # Publication e-mails are a job (RQ with Redis): count them once it has run.
                settled = _settled_count(outbox, mails)
                # Then wait until the publication's e-mails are no longer pending (sent again
                # by the sweeper if their job was lost), and count them once more.
                sent_after = _mails_sent(site, organiser, slug, draft["id"], killed_at, args)
                if now["status"] == "published" and sent_after is None:
                    problems.append(f"kill {k + 1}: e-mails still pending after the timeout")
                swept = _settled_count(outbox, settled)
                recipients = _recipients(outbox, seen)
                if now["status"] == "published" and first and len(recipients) < after["attendees"]:
                    problems.append(
                        f"kill {k + 1}: {len(recipients)} of {after['attendees']} attendees "
                        "got the first publication's e-mail"
                    )
                rows.append(
                    (
                        delay,
                        now["status"],
                        now["meetings"],
                        mails - mails_before,
                        settled - mails_before,
                        swept - mails_before,
                        len(recipients),
                        sent_after,
                    )
                )
                # Next round: a fresh draft to publish (a copy of the published version).
                if now["status"] == "published":
                    organiser.submit(_planning(slug), {}, action_contains="brouillon")
        finally:
            site.kill()
    print(
        f"\nkill -9 of the web process and the worker during a publication ({args.kills} times;"
        f" PUBLICATION_MAIL_RETRY_S={args.mail_retry or 'default'}); {machine()}"
    )
    print(
        "| kill after the click | draft afterwards | its meetings | e-mails at the kill "
        "| e-mails after restart | e-mails once none pending | distinct recipients "
        "| kill to none pending |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for delay, status, meetings, mails, settled, swept, recipients, sent_after in rows:
        done = "—" if sent_after is None else f"{sent_after:.0f} s"
        print(
            f"| {delay * 1000:.0f} ms | {status} | {meetings} | {mails} | {settled} | {swept} "
            f"| {recipients} | {done} |"
        )
    print(f"attendees of the event: {after['attendees']}")
    print(f"problems: {'; '.join(problems) or 'none'}")
    if problems:
        sys.exit(1)


def _mails_sent(site, organiser, slug: str, schedule_id: int, killed_at: float, args):
    """Seconds from the kill until the schedule's e-mails are no longer pending (None: not
    published, or still pending after --mail-timeout). The organiser opens the planning page
    every 10 s meanwhile: that page sends again e-mails pending for too long."""
    deadline = time.monotonic() + args.mail_timeout
    while time.monotonic() < deadline:
        state = site.state()
        if schedule_id not in state["mail_pending"]:
            published = any(
                s["id"] == schedule_id and s["status"] != "draft" for s in state["schedules"]
            )
            return time.monotonic() - killed_at if published else None
        with contextlib.suppress(requests.RequestException):
            organiser.get(_planning(slug))
        time.sleep(10)
    return None


def _recipients(outbox: Path, seen: set[Path]) -> set[str]:
    """The distinct recipients of the e-mails written since `seen` was listed."""
    found = set()
    for path in set(outbox.glob("*.eml")) - seen if outbox.exists() else ():
        with path.open("rb") as f:
            found.add(email.message_from_binary_file(f, policy=email.policy.default)["To"])
    return found


def _settled_count(outbox: Path, start: int, quiet_s: float = 8) -> int:
    """The number of mails in the outbox once none has arrived for `quiet_s` seconds."""
    count, last_change = start, time.monotonic()
    while time.monotonic() - last_change < quiet_s:
        time.sleep(1)
        now = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
        if now != count:
            count, last_change = now, time.monotonic()
    return count


def _quietly(fn, *args, **kw):
    # The server is killed under the request on purpose: its failure is expected.
    with contextlib.suppress(Exception):
        fn(*args, **kw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--time-limit", type=int, default=60, help="of the killed run (s)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run")
    sub.add_parser("run-thread")
    p = sub.add_parser("publication")
    p.add_argument("--kills", type=int, default=6)
    p.add_argument(
        "--mail-retry",
        type=int,
        default=0,
        help="PUBLICATION_MAIL_RETRY_S of the site (s; default: the application's, 120)",
    )
    p.add_argument(
        "--mail-timeout",
        type=int,
        default=600,
        help="how long to wait for a publication's e-mails after a kill (s)",
    )
    args = parser.parse_args()
    if args.command == "run":
        kill_run(args, with_redis=True)
    elif args.command == "run-thread":
        kill_run(args, with_redis=False)
    else:
        kill_publication(args)


if __name__ == "__main__":
    main()
