"""Shared pieces of the HTTP benchmarks: a scratch PostgreSQL database, the production server
(gunicorn) and RQ workers as real processes, and a small browser-like HTTP client.

Nothing here is used by the test suite; see benchmarks/README.md.
"""

from __future__ import annotations

import contextlib
import html.parser
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_PG = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


@contextlib.contextmanager
def scratch_database(base_url: str = DEFAULT_PG) -> Iterator[str]:
    """A new empty PostgreSQL database, dropped afterwards."""
    name = f"rdvia_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, *, redis_url: str | None, outbox: str, **extra: str) -> dict:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "APP_ENV": "development",  # plain http here: production cookies are Secure
        "SECRET_KEY": "benchmark-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "MAIL_OUTBOX_DIR": outbox,
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="rdvia-bench-uploads-"),
        "SERVER_NAME": "",
        **extra,
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return {k: v for k, v in env.items() if v != ""}


def flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, check=check, capture_output=True, text=True
    )


def python(env: dict, code: str) -> str:
    """Run code with an app context in a fresh interpreter; returns its stdout."""
    prelude = (
        "from app import create_app\napp = create_app()\nctx = app.app_context()\nctx.push()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        listing = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True
        ).stdout.split()
        children = [int(x) for x in listing]
        found.extend(children)
        todo.extend(children)
    return found


class Process:
    """A child process in its own process group (so that a kill takes its children too)."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self.handle = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        # The whole tree: RQ's work horse and the solver leave the process group (setsid).
        for pid in [*_descendants(self.handle.pid), self.handle.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.handle.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.handle.wait(timeout=30)

    @property
    def alive(self) -> bool:
        return self.handle.poll() is None


def gunicorn(env: dict, port: int, log: Path, *, threads: int = 64) -> Process:
    """The production command of docs/deploy.md (deploy/gunicorn.conf.py), then wait for it."""
    process = Process(
        [
            str(BIN / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "--threads",
            str(threads),
            "--worker-connections",
            str(threads + 100),
            "--access-logfile",
            "/dev/null",
            "wsgi:app",
        ],
        env,
        log,
    )
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def rq_worker(env: dict, log: Path) -> Process:
    return Process([str(BIN / "flask"), "worker"], env, log)


def wait_http(url: str, process: Process | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive:
            raise RuntimeError(f"server exited; see {process.log}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class _FormParser(html.parser.HTMLParser):
    """The forms of a page: action, method, and default values of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action") or "",
                    "method": (a.get("method") or "get").lower(),
                    "fields": [],
                    "id": a.get("id"),
                }
            )
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file", "image"):
                return
            fields.append((a["name"], a.get("value") or ("y" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._first_option = None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                fields.append((self._select, a.get("value", "")))
                self._select = None
        elif tag == "textarea" and a.get("name"):
            fields.append((a["name"], ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if self._first_option:
                self.forms[-1]["fields"].append((self._select, self._first_option))
            self._select = None


class Client:
    """A browser-like session: fetches a page, fills a form, submits it with its CSRF token."""

    def __init__(self, base: str, timeout: float = 60):
        self.base = base
        self.http = requests.Session()
        self.timeout = timeout

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(urljoin(self.base, path), timeout=self.timeout, **kw)

    def submit(
        self, path: str, values: dict, *, form_index: int | None = None, action_contains: str = ""
    ) -> requests.Response:
        page = self.get(path)
        page.raise_for_status()
        parser = _FormParser()
        parser.feed(page.text)
        forms = [
            f for f in parser.forms if f["method"] == "post" and action_contains in f["action"]
        ]
        if not action_contains:  # not the site-wide forms of the header (language, log out)
            forms = [f for f in forms if not re.search(r"/langue|/deconnexion", f["action"])]
        if not forms:
            raise RuntimeError(f"no POST form on {path}")
        if form_index is None:  # the form that has the most of the fields to fill
            names = set(values)
            forms.sort(key=lambda f: -len(names & {k for k, _ in f["fields"]}))
            form_index = 0
        form = forms[form_index]
        data = [(k, v) for k, v in form["fields"] if k not in values]
        for key, value in values.items():
            if isinstance(value, list):
                data.extend((key, v) for v in value)
            else:
                data.append((key, value))
        target = urljoin(page.url, form["action"] or page.url)
        return self.http.post(target, data=data, timeout=self.timeout, allow_redirects=True)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
