"""HTTP load benchmarks on PostgreSQL with the production server (gunicorn).

  burst       N people sign up, confirm their e-mail, create their organisation and register
              for an open event, all at once. Afterwards the database must hold every account
              and registration that got a success answer, and none twice.
  throughput  requests per second of the agenda page and of the .ics feed, as a ratio to the
              same server's trivial /healthz answer (so the figure holds across machines).

    .venv/bin/python benchmarks/http_load.py burst --users 500
    .venv/bin/python benchmarks/http_load.py throughput --seconds 15 --concurrency 16

Results are printed as a Markdown table; docs/benchmarks.md keeps the figures and commands.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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
    percentile,
    python,
    rq_worker,
    scratch_database,
)

PASSWORD = "benchmark password 2026"
OPEN_EVENT = """
import sqlalchemy as sa
from app.models import Event, db
from app.models.enums import EventStatus
event = db.session.scalars(sa.select(Event)).first()
event.status = EventStatus.REGISTRATION_OPEN
event.registration_deadline = None
event.max_registrations = None
db.session.commit()
print(event.slug)
"""


class Outbox:
    """Confirmation links by recipient, read from the app's outbox folder as mails arrive."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.seen: set[str] = set()
        self.links: dict[str, str] = {}
        self.lock = threading.Lock()

    def link(self, address: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if address not in self.links:
                    self._scan()
                if address in self.links:
                    return self.links[address]
            time.sleep(0.2)
        raise TimeoutError(f"no confirmation e-mail for {address}")

    def _scan(self) -> None:
        for path in self.folder.glob("*.eml"):
            if path.name in self.seen:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            found = body and re.search(
                r"https?://[^/\s]+(/compte/confirmer/\S+)", body.get_content()
            )
            if found and message["To"]:
                self.links[message["To"]] = found.group(1)
            self.seen.add(path.name)


def _one_person(base: str, outbox: Outbox, slug: str, n: int, start: threading.Barrier) -> dict:
    address = f"burst{n}@bench.example.org"
    result = {"email": address, "signup": False, "registered": False, "error": "", "times": []}
    client = Client(base)
    try:
        start.wait()
        t0 = time.monotonic()
        r = client.submit(
            "/compte/inscription",
            {"name": f"Personne {n}", "email": address, "password": PASSWORD, "confirm": PASSWORD},
        )
        result["times"].append(time.monotonic() - t0)
        # Success renders "check your inbox" in place; a refusal shows the form again.
        if r.status_code != 200 or 'name="confirm"' in r.text:
            result["error"] = f"signup answered {r.status_code} at {r.url}"
            return result
        result["signup"] = True
        client.get(outbox.link(address))
        client.submit(
            "/espace/organisations/nouvelle", {"kind": "company", "name": f"Entreprise burst {n}"}
        )
        t0 = time.monotonic()
        r = client.submit(f"/evenements/{slug}/inscription", {})
        result["times"].append(time.monotonic() - t0)
        if r.status_code == 200 and re.search(r"/inscription/\d+$", r.url):
            result["registered"] = True
        else:
            result["error"] = f"registration answered {r.status_code} at {r.url}"
    except Exception as exc:  # noqa: BLE001 - a benchmark reports every failure, it never stops
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result


DB_CHECK = """
import sqlalchemy as sa
from app.models import Registration, User, Organisation, db
emails = sa.select(User.email).where(User.email.like('burst%@bench.example.org'))
print(db.session.scalar(sa.select(sa.func.count()).select_from(emails.subquery())))
print(db.session.scalar(sa.select(sa.func.count(sa.distinct(User.email))).where(User.email.like('burst%@bench.example.org'))))
regs = sa.select(Registration.id).join(Organisation).where(Organisation.name.like('Entreprise burst %'))
print(db.session.scalar(sa.select(sa.func.count()).select_from(regs.subquery())))
dupes = (sa.select(Organisation.name).where(Organisation.name.like('Entreprise burst %'))
         .group_by(Organisation.name).having(sa.func.count() > 1))
print(db.session.scalar(sa.select(sa.func.count()).select_from(dupes.subquery())))
"""


def burst(args) -> None:
    logs = Path(tempfile.mkdtemp(prefix="rdvia-bench-"))
    with scratch_database() as url:
        outbox_dir = logs / "outbox"
        env = app_env(url, redis_url=args.redis, outbox=str(outbox_dir), RATELIMIT_ENABLED="0")
        flask(env, "db", "upgrade")
        flask(env, "demo")
        slug = python(env, OPEN_EVENT).strip()
        servers = []
        try:
            ports = []
            for i in range(args.web_processes):
                port = free_port()
                servers.append(gunicorn(env, port, logs / f"web{i}.log", threads=args.threads))
                ports.append(port)
            outbox = Outbox(outbox_dir)
            barrier = threading.Barrier(args.users)
            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=args.users) as pool:
                futures = [
                    pool.submit(
                        _one_person,
                        f"http://127.0.0.1:{ports[n % len(ports)]}",
                        outbox,
                        slug,
                        n,
                        barrier,
                    )
                    for n in range(args.users)
                ]
                results = [f.result() for f in futures]
            wall = time.monotonic() - t0
        finally:
            for server in servers:
                server.kill()
        users, distinct, registrations, duplicate_orgs = (
            int(x) for x in python(env, DB_CHECK).split()
        )
    signed = sum(r["signup"] for r in results)
    registered = sum(r["registered"] for r in results)
    errors = [r["error"] for r in results if r["error"]]
    times = [t for r in results for t in r["times"]]
    print(
        f"\nburst of {args.users} people, {args.web_processes} gunicorn process(es) x "
        f"{args.threads} threads, PostgreSQL + Redis; {machine()}"
    )
    print("| figure | value |\n|---|---|")
    print(f"| sign-ups answered with success | {signed} |")
    print(f"| registrations answered with success | {registered} |")
    print(f"| accounts in the database (distinct) | {users} ({distinct}) |")
    print(f"| registrations in the database | {registrations} |")
    print(f"| organisations created twice | {duplicate_orgs} |")
    print(f"| failed people (any step) | {len(errors)} |")
    print(
        f"| sign-up/registration answer p50 / p99 | {percentile(times, 50):.2f} s / "
        f"{percentile(times, 99):.2f} s |"
    )
    print(f"| wall time | {wall:.1f} s |")
    for error in sorted(set(errors))[:10]:
        print(f"  error: {error}")
    ok = users == distinct == signed and registrations == registered and duplicate_orgs == 0
    print("durable: every success is in the database exactly once" if ok else "MISMATCH")
    if not ok:
        sys.exit(1)


AGENDA_SETUP = """
import sqlalchemy as sa
from app.models import Event, Registration, db
from app.models.enums import RegistrationStatus
from app.services.optimiser import build_problem
event = db.session.scalars(sa.select(Event)).first()
reg = db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id,
      Registration.status == RegistrationStatus.APPROVED).order_by(Registration.id)).first()
print(event.slug, reg.calendar_token)
"""


def _hammer(url: str, session_cookies, seconds: float, concurrency: int) -> tuple[float, list]:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def loop():
        http = requests.Session()
        if session_cookies:
            http.cookies.update(session_cookies)
        mine = []
        while time.monotonic() < stop:
            t0 = time.monotonic()
            r = http.get(url, timeout=30)
            if r.status_code != 200:
                raise RuntimeError(f"{url} answered {r.status_code}")
            mine.append(time.monotonic() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - t0), latencies


def throughput(args) -> None:
    logs = Path(tempfile.mkdtemp(prefix="rdvia-bench-"))
    with scratch_database() as url:
        env = app_env(url, redis_url=args.redis, outbox=str(logs / "outbox"))
        flask(env, "db", "upgrade")
        flask(env, "demo")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = gunicorn(env, port, logs / "web.log", threads=args.threads)
        worker = rq_worker(env, logs / "worker.log") if args.redis else None  # the optimiser
        try:
            organiser = Client(base)
            organiser.submit(
                "/compte/connexion",
                {"email": "organisatrice@demo.rdv-ia.fr", "password": "demo-rdv-ia-2026"},
            )
            slug, token = python(env, AGENDA_SETUP).split()
            planning = f"/organisateur/evenements/{slug}/planning/"
            organiser.submit(planning, {"time_limit_s": "10"}, action_contains="lancer")
            run_id = None
            for _ in range(120):
                page = organiser.get(planning).text
                found = re.search(r"/versions/(\d+)/publier", page)
                if found:
                    run_id = found.group(1)
                    break
                time.sleep(1)
            if run_id is None:
                raise RuntimeError("the optimiser produced no draft")
            organiser.submit(planning, {}, action_contains=f"/versions/{run_id}/publier")
            company = Client(base)
            company.submit(
                "/compte/connexion",
                {"email": "entreprise@demo.rdv-ia.fr", "password": "demo-rdv-ia-2026"},
            )
            agenda = company.get(f"/evenements/{slug}/agenda")
            assert agenda.status_code == 200 and "T" in agenda.text
            feed = company.get(f"/calendrier/{token}.ics")
            assert feed.status_code == 200 and "BEGIN:VEVENT" in feed.text, feed.text[:200]
            rows = []
            hello_rate, hello_lat = _hammer(f"{base}/healthz", None, args.seconds, args.concurrency)
            for name, path, cookies in (
                ("agenda page (signed in)", f"/evenements/{slug}/agenda", company.http.cookies),
                (".ics feed", f"/calendrier/{token}.ics", None),
            ):
                rate, lat = _hammer(base + path, cookies, args.seconds, args.concurrency)
                rows.append((name, rate, lat))
        finally:
            server.kill()
            if worker is not None:
                worker.kill()
    print(
        f"\nthroughput, 1 gunicorn process x {args.threads} threads, {args.concurrency} "
        f"client threads for {args.seconds} s each, PostgreSQL; {machine()}"
    )
    print("| URL | requests/s | p50 | p99 | ratio to /healthz |\n|---|---|---|---|---|")
    print(
        f"| /healthz | {hello_rate:.0f} | {percentile(hello_lat, 50) * 1000:.0f} ms | "
        f"{percentile(hello_lat, 99) * 1000:.0f} ms | 1 |"
    )
    for name, rate, lat in rows:
        print(
            f"| {name} | {rate:.0f} | {percentile(lat, 50) * 1000:.0f} ms | "
            f"{percentile(lat, 99) * 1000:.0f} ms | {rate / hello_rate:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis URL ('' for none)")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("burst", help="N sign-ups + registrations at once")
    b.add_argument("--users", type=int, default=500)
    b.add_argument("--web-processes", type=int, default=1)
    b.add_argument("--threads", type=int, default=64)
    t = sub.add_parser("throughput", help="agenda and .ics requests/s relative to /healthz")
    t.add_argument("--seconds", type=float, default=15)
    t.add_argument("--concurrency", type=int, default=16)
    t.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    if args.redis == "":
        args.redis = None
    {"burst": burst, "throughput": throughput}[args.command](args)


if __name__ == "__main__":
    main()
