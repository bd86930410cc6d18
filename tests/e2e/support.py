"""What every browser-journey module shares before it may import Playwright.

`make test` installs `.[test]` only: the journey modules skip themselves at import time (with
the reason below) unless E2E=1, so a plain test run neither needs Playwright nor waits for a
browser. `make e2e` (and CI) sets E2E=1; there, a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "e2e-artifacts"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_REASON = (
    "browser journeys run only with E2E=1 (`make e2e`: installs .[test,e2e] and uses "
    "Debian's Chromium at /usr/bin/chromium)"
)


def e2e_enabled() -> bool:
    return os.environ.get("E2E") == "1"


def require_e2e() -> None:
    """Skip the calling test module (at import) unless E2E=1."""
    if not e2e_enabled():
        pytest.skip(SKIP_REASON, allow_module_level=True)
