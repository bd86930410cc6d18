"""The journeys' guard itself: a CSP violation or an uncaught script error fails the test."""

from __future__ import annotations

import pytest

from tests.e2e.support import require_e2e

require_e2e()

from tests.e2e.conftest import Web  # noqa: E402

pytestmark = pytest.mark.e2e


def test_guard_fails_on_csp_violation_and_uncaught_error(web: Web):
    page = web.page("visiteur")
    page.goto("/")
    web.shot(page, "accueil")  # a clean page passes
    # An image from another site (img-src 'self' data:) and an inline handler (script-src
    # 'self'), both refused by the site's Content-Security-Policy; then an uncaught error.
    page.evaluate(
        """() => {
          const img = document.createElement("img");
          img.src = "https://tracker.invalid/pixel.png";
          document.body.append(img);
          const div = document.createElement("div");
          div.setAttribute("onclick", "alert(1)");
          document.body.append(div);
          div.click();
          setTimeout(() => { throw new Error("e2e guard probe"); }, 0);
        }"""
    )
    page.wait_for_timeout(300)
    reported = "\n".join(web.errors)
    assert "img-src" in reported
    assert "script-src" in reported
    assert "e2e guard probe" in reported
    with pytest.raises(pytest.fail.Exception, match="the browser reported errors"):
        web.check()
    web.errors.clear()  # expected here; the teardown check must not fail this test
