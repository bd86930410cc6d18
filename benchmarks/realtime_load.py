"""Live updates under load: thousands of Socket.IO clients, one publication, how fast it lands.

    .venv/bin/python benchmarks/realtime_load.py --clients 2000
    .venv/bin/python benchmarks/realtime_load.py --clients 2000 --phases 2   # two processes only

The script creates a scratch PostgreSQL database (dropped at the end), migrates it with
`flask db upgrade`, and seeds an event with `--clients` approved registrations, each with its
own organisation and signed-in member, plus a draft schedule. Then, for each phase:

  1. one web process, started with the production command (gunicorn -c deploy/gunicorn.conf.py),
     every client connected to it;
  2. two web processes sharing Redis, clients spread over both; the change goes through the
     second one, so half of the clients get it through the Redis message queue.

The organiser signs in through the real login form and publishes the draft through the real
form; every client must then receive its `agenda_changed` event. The latency of a client is
the time from just before the publication request is sent to the moment the client has
decoded the event (the clients run in other processes on the same machine, same clock).

The clients are not browsers: each client process drives its connections with asyncio and a
small Engine.IO 4 / Socket.IO 5 client over wsproto (`Connection` below), because
python-socketio's AsyncClient needs aiohttp, which this project does not install, and 2,000
threaded clients would measure the client machine, not the server. The participants' session
cookies are signed with the server's SECRET_KEY by this script (what Flask-Login writes after
a login), so no test-only route exists in the app; the organiser uses the real login.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "load-test-password-2026"
ORGANISER = "organiser@load.example.org"


# --------------------------------------------------------------------------------------------
# Client side (runs in `realtime_load.py client` processes)
# --------------------------------------------------------------------------------------------


class Connection:
    """One Socket.IO client over a websocket (Engine.IO 4, Socket.IO 5, namespace "/")."""

    def __init__(self, url: str, cookie: str, key: int):
        self.url, self.cookie, self.key = url, cookie, key
        self.received: dict[int, float] = {}  # schedule version -> time.time() of receipt
        self.connected = asyncio.Event()
        self.closed = False
        self.error = ""

    async def run(self) -> None:
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import (
            AcceptConnection,
            CloseConnection,
            Ping,
            RejectConnection,
            Request,
            TextMessage,
        )

        parts = urlsplit(self.url)
        try:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        except OSError as exc:
            self.error, self.closed = f"connect: {exc}", True
            self.connected.set()
            return
        ws = WSConnection(ConnectionType.CLIENT)
        request = Request(
            host=parts.netloc,
            target="/socket.io/?EIO=4&transport=websocket",
            extra_headers=[(b"cookie", self.cookie.encode())],
        )
        writer.write(ws.send(request))
        buffer = ""
        try:
            while True:
                chunk = await reader.read(65536)
                ws.receive_data(chunk or None)
                for event in ws.events():
                    if isinstance(event, TextMessage):
                        buffer += event.data
                        if not event.message_finished:
                            continue
                        message, buffer = buffer, ""
                        reply = self._on_message(message)
                        if reply is not None:
                            writer.write(ws.send(TextMessage(data=reply)))
                    elif isinstance(event, Ping):
                        writer.write(ws.send(event.response()))
                    elif isinstance(event, RejectConnection):
                        self.error = f"handshake refused: {event.status_code}"
                        return
                    elif isinstance(event, CloseConnection):
                        return
                    elif isinstance(event, AcceptConnection):
                        pass
                if not chunk:
                    return
                await writer.drain()
        except (OSError, Exception) as exc:  # noqa: BLE001 - reported as this client's error
            self.error = self.error or f"{type(exc).__name__}: {exc}"
        finally:
            self.closed = True
            self.connected.set()
            writer.close()

    def _on_message(self, message: str) -> str | None:
        kind = message[:1]
        if kind == "0":  # Engine.IO open: join the default namespace
            return "40"
        if kind == "2":  # Engine.IO ping
            return "3"
        if message.startswith("40"):
            self.connected.set()
        elif message.startswith("44"):
            self.error = f"connection refused: {message[2:]}"
            self.connected.set()
        elif message.startswith("42"):
            name, *args = json.loads(message[2:])
            if name == "agenda_changed" and args:
                version = args[0].get("version")
                self.received.setdefault(version, time.time())
        return None


async def _client_main(spec: dict) -> None:
    connections = [Connection(url, cookie, key) for key, url, cookie in spec["clients"]]
    tasks = []
    limit = asyncio.Semaphore(spec.get("concurrency", 40))
    started = time.time()

    async def open_one(conn: Connection) -> None:
        async with limit:
            tasks.append(asyncio.create_task(conn.run()))
            try:
                await asyncio.wait_for(conn.connected.wait(), timeout=60)
            except TimeoutError:
                conn.error = conn.error or "no Socket.IO connect answer within 60 s"

    await asyncio.gather(*(open_one(c) for c in connections))
    ok = [c for c in connections if c.connected.is_set() and not c.closed and not c.error]
    _say(
        {
            "ready": len(ok),
            "failed": len(connections) - len(ok),
            "errors": sorted({c.error for c in connections if c.error})[:5],
            "connect_s": round(time.time() - started, 2),
        }
    )
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    command = json.loads(line)  # {"version": V, "timeout": seconds}
    version, deadline = command["version"], time.monotonic() + command["timeout"]
    while time.monotonic() < deadline and any(version not in c.received for c in ok):
        await asyncio.sleep(0.02)
    _say(
        {
            "times": {c.key: c.received.get(version) for c in connections},
            "dropped": sum(1 for c in ok if c.closed),
        }
    )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------------------------
# Orchestrator
# --------------------------------------------------------------------------------------------


def _env(database_url: str, redis_url: str, secret: str) -> dict:
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "APP_ENV": "production",
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_OUTBOX_DIR": "/tmp/rdvia-load-outbox",
        "UPLOAD_DIR": "/tmp/rdvia-load-uploads",
    }


@contextmanager
def _scratch_database(server_url: str, keep: bool):
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from app.config import database_uri

    base = database_uri(server_url, instance_path=None)
    name = f"rdvia_load_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _local(day: date, hour: int) -> datetime:
    aware = datetime.combine(day, dtime(hour), tzinfo=ZoneInfo("Europe/Paris"))
    return aware.astimezone(UTC).replace(tzinfo=None)


def _seed(env: dict, clients: int) -> dict:
    """Event, organiser, `clients` registrations with one member each; returns what we need."""
    import sqlalchemy as sa
    from flask.sessions import SecureCookieSessionInterface

    from app import create_app
    from app.models import (
        Event,
        MeetingTable,
        Membership,
        Organisation,
        Registration,
        User,
        db,
    )
    from app.models.enums import (
        EventStatus,
        MemberRole,
        OrganisationKind,
        RegistrationRole,
        RegistrationStatus,
    )
    from app.services.event_setup import add_session, generate_slots

    app = create_app(env=env)
    with app.app_context():
        now = datetime(2026, 1, 1)
        organiser = User(email=ORGANISER, name="Organisatrice", email_confirmed_at=now)
        organiser.set_password(PASSWORD)
        day = date.today() + timedelta(days=30)
        event = Event(
            slug="charge-temps-reel",
            title="Charge temps réel",
            status=EventStatus.REGISTRATION_OPEN,
            starts_on=day,
            ends_on=day,
            meeting_minutes=20,
            pause_minutes=5,
        )
        for name, start, end in (("Matin", 9, 12), ("Après-midi", 14, 17)):
            add_session(
                event=event, name=name, starts_at=_local(day, start), ends_at=_local(day, end)
            )
        generate_slots(event=event)
        event.tables = [MeetingTable(label=f"T{i}", position=i) for i in range(1, 11)]
        event.organisers.append(organiser)
        db.session.add_all([organiser, event])
        db.session.flush()
        users, registrations = [], []
        for i in range(clients):
            provider = i % 2 == 1
            org = Organisation(
                kind=OrganisationKind.PROVIDER if provider else OrganisationKind.COMPANY,
                name=f"Organisation de charge {i:05d}",
            )
            user = User(
                email=f"p{i:05d}@load.example.org",
                name=f"Participant {i}",
                email_confirmed_at=now,
                password_hash=organiser.password_hash,
            )
            db.session.add_all(
                [org, user, Membership(user=user, organisation=org, role=MemberRole.OWNER)]
            )
            registration = Registration(
                event=event,
                organisation=org,
                role=RegistrationRole.PROVIDER if provider else RegistrationRole.SEEKER,
                status=RegistrationStatus.APPROVED,
            )
            db.session.add(registration)
            users.append(user)
            registrations.append(registration)
        db.session.commit()
        # What Flask-Login stores after a login, signed with the server's key.
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        cookies = [
            f"{cookie_name}={serializer.dumps({'_user_id': u.get_id(), '_fresh': False})}"
            for u in users
        ]
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(Registration.event_id == event.id)
        )
        seed = {
            "slug": event.slug,
            "event_id": event.id,
            "registrations": [r.id for r in registrations],
            "cookies": cookies,
            "count": count,
        }
        db.session.remove()
        db.engine.dispose()
    return seed


def _add_draft(env: dict, event_id: int, registration_ids: list[int], version: int) -> int:
    """A draft schedule (version `version`): each company meets the provider next to it."""
    from app import create_app
    from app.models import Event, Meeting, Schedule, db

    app = create_app(env=env)
    with app.app_context():
        event = db.session.get(Event, event_id)
        slots = [s.id for s in event.slots]
        draft = Schedule(event=event, version=version)
        db.session.add(draft)
        db.session.flush()
        # A different slot in every version, so that every agenda changes.
        for n, i in enumerate(range(0, len(registration_ids) - 1, 2)):
            db.session.add(
                Meeting(
                    schedule_id=draft.id,
                    registration_a_id=registration_ids[i],
                    registration_b_id=registration_ids[i + 1],
                    slot_id=slots[(n + version) % len(slots)],
                )
            )
        db.session.commit()
        draft_id = draft.id
        db.session.remove()
        db.engine.dispose()
    return draft_id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_web(env: dict, port: int, threads: int, log: Path) -> subprocess.Popen:
    args = [
        sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
        "-b", f"127.0.0.1:{port}", "--threads", str(threads),
        "--worker-connections", str(threads + 100), "--access-logfile", "/dev/null",
        "wsgi:app",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_serving(proc: subprocess.Popen, base: str, log: Path) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{base} exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{base}/", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    sys.exit(f"{base} did not start:\n{log.read_text()[-3000:]}")


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _worker_pid(master: int) -> int | None:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            return int(stat.parent.name)
    return None


def _proc_status(pid: int | None) -> dict:
    if pid is None:
        return {}
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Threads", "VmRSS"):
            values[key] = value.strip()
    return values


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process, all its threads."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    if not found:
        sys.exit("no CSRF token in the page")
    return found.group(1)


class Browser:
    """The organiser's browser: cookies kept by hand (production cookies are Secure, and
    this benchmark speaks plain HTTP to 127.0.0.1, as the proxy would)."""

    def __init__(self, base: str):
        import requests

        self.base, self.http, self.cookies = base, requests.Session(), {}

    def request(self, method: str, path: str, **kw):
        response = self.http.request(
            method, self.base + path, cookies=self.cookies, allow_redirects=False, timeout=300, **kw
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def login(self) -> None:
        token = _csrf(self.request("GET", "/compte/connexion").text)
        response = self.request(
            "POST",
            "/compte/connexion",
            data={"csrf_token": token, "email": ORGANISER, "password": PASSWORD},
        )
        if response.status_code != 302:
            errors = re.findall(r"class=\"[^\"]*error[^\"]*\"[^>]*>([^<]+)", response.text)
            sys.exit(f"organiser login failed: {response.status_code} {errors}")


def _start_clients(assignments: list[tuple[int, str, str]], processes: int) -> list:
    chunks = [assignments[i::processes] for i in range(processes)]
    procs = []
    for chunk in chunks:
        proc = subprocess.Popen(
            [sys.executable, __file__, "client"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        proc.stdin.write(json.dumps({"clients": chunk}) + "\n")
        proc.stdin.flush()
        procs.append(proc)
    return procs


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_phase(args, env: dict, seed: dict, processes: int, version: int, logs: Path) -> dict:
    threads = args.clients // processes + 200
    ports = [_free_port() for _ in range(processes)]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    web = [
        _start_web(env, port, threads, logs / f"web{version}-{n}.log")
        for n, port in enumerate(ports)
    ]
    clients = []
    try:
        for proc, base, n in zip(web, bases, range(processes), strict=True):
            _wait_serving(proc, base, logs / f"web{version}-{n}.log")
        draft_id = _add_draft(env, seed["event_id"], seed["registrations"], version)
        organiser = Browser(bases[-1])  # the change goes through the last process
        organiser.login()
        planning = f"/organisateur/evenements/{seed['slug']}/planning"
        token = _csrf(organiser.request("GET", "/espace/").text)

        assignments = [
            (rid, bases[i % processes], cookie)
            for i, (rid, cookie) in enumerate(
                zip(seed["registrations"], seed["cookies"], strict=True)
            )
        ]
        t_connect = time.time()
        clients = _start_clients(assignments, args.client_processes)
        ready = [json.loads(c.stdout.readline()) for c in clients]
        connected = sum(r["ready"] for r in ready)
        connect_s = time.time() - t_connect
        errors = sorted({e for r in ready for e in r["errors"]})
        workers = [_worker_pid(p.pid) for p in web]
        time.sleep(2)  # let the last connect handlers finish their queries
        # What the open connections cost at rest (pings only): CPU share over 5 s.
        cpu = [_cpu_seconds(pid) for pid in workers]
        time.sleep(5)
        idle_cpu = [
            round((_cpu_seconds(pid) - c) / 5 * 100) for pid, c in zip(workers, cpu, strict=True)
        ]
        server = [_proc_status(pid) for pid in workers]
        load_before = _load()

        for c in clients:
            c.stdin.write(json.dumps({"version": version, "timeout": args.timeout}) + "\n")
            c.stdin.flush()
        # The request runs in a thread: the clients' latencies do not wait for its answer.
        answer: dict = {}

        def publish() -> None:
            try:
                response = organiser.request(
                    "POST", f"{planning}/versions/{draft_id}/publier", data={"csrf_token": token}
                )
                answer["status"] = response.status_code
            except Exception as exc:  # noqa: BLE001 - reported in the results
                answer["status"] = f"{type(exc).__name__}: {exc}"
            answer["seconds"] = round(time.time() - t0, 2)

        requester = threading.Thread(target=publish)
        t0 = time.time()
        requester.start()
        results = [json.loads(c.stdout.readline()) for c in clients]
        requester.join(timeout=300)
    finally:
        for c in clients:
            if c.poll() is None:
                c.stdin.close()
                try:
                    c.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    c.kill()
        _stop(web)

    times = {int(k): v for r in results for k, v in r["times"].items()}
    base_of = {rid: base for rid, base, _c in assignments}
    latencies = [t - t0 for t in times.values() if t is not None]
    missed = sum(1 for t in times.values() if t is None)
    per_process = {}
    for n, base in enumerate(bases):
        mine = [times[rid] - t0 for rid in times if base_of[rid] == base and times[rid] is not None]
        if mine:
            per_process[f"process {n + 1}"] = {
                "clients": sum(1 for rid in times if base_of[rid] == base),
                "p50": _percentile(mine, 50),
                "p99": _percentile(mine, 99),
                "max": max(mine),
            }
    return {
        "processes": processes,
        "clients": len(times),
        "connected": connected,
        "connect_errors": errors,
        "connect_s": round(connect_s, 1),
        "missed": missed,
        "dropped": sum(r["dropped"] for r in results),
        # The first client marks when the server started emitting: before it, the request
        # was publishing (the transaction); after it, the broadcast itself.
        "first": min(latencies) if latencies else None,
        "p50": _percentile(latencies, 50) if latencies else None,
        "p95": _percentile(latencies, 95) if latencies else None,
        "p99": _percentile(latencies, 99) if latencies else None,
        "max": max(latencies) if latencies else None,
        "mean": statistics.fmean(latencies) if latencies else None,
        "publish_http": answer,
        "server_after_connect": server,
        "server_idle_cpu_percent": idle_cpu,
        "load_before": load_before,
        "per_process": per_process,
    }


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--phases", default="1,2", help="web processes per phase, e.g. 1,2")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for events")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LOAD_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres"),
        help="a PostgreSQL server URL; a scratch database is created on it and dropped",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--output", type=Path, help="append the results as JSON lines here")
    args = parser.parse_args()
    logs = Path("/tmp") / f"rdvia-load-{secrets.token_hex(3)}"
    logs.mkdir()
    secret = secrets.token_hex(32)
    with _scratch_database(args.postgres, args.keep_database) as database_url:
        env = _env(database_url, args.redis, secret)
        subprocess.run(
            [sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
            capture_output=True,
        )  # fmt: skip
        t = time.time()
        seed = _seed(env, args.clients)
        print(f"seeded {seed['count']} registrations in {time.time() - t:.1f} s; logs in {logs}")
        rows = []
        for version, processes in enumerate(int(p) for p in args.phases.split(",")):
            row = run_phase(args, env, seed, processes, version + 1, logs)
            rows.append(row)
            print(json.dumps(row, indent=1))
    print()
    print(
        "| web processes | clients connected | missed | first s | p50 s | p95 s | p99 s | max s "
        "| load before |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['processes']} | {row['connected']}/{row['clients']} | {row['missed']} | "
            f"{_fmt(row['first'])} | {_fmt(row['p50'])} | {_fmt(row['p95'])} | {_fmt(row['p99'])} | "
            f"{_fmt(row['max'])} | {row['load_before']} |"
        )
    if args.output:
        with args.output.open("a") as fh:
            for row in rows:
                fh.write(json.dumps({"at": datetime.now(UTC).isoformat(), **row}) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["client"]:
        asyncio.run(_client_main(json.loads(sys.stdin.readline())))
    else:
        main()
