"""Logo uploads: limited in size and type; a refusal says why and keeps what was typed."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from app.models import Organisation, db
from tests.security.world import module_world, tiny_png

PHP = b"<?php system($_GET['c']); ?>"
HTML = b"<html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
NOT_IMAGE = "Le logo doit être une image PNG, JPEG, WebP ou GIF."
TOO_BIG = "Le logo est trop lourd (1 Mo au plus)."


def noisy_png(side: int) -> bytes:
    """An incompressible PNG (random pixels): about 3 bytes per pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


def bomb_png() -> bytes:
    """A small file declaring a huge image (decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def world(database_url):
    yield from module_world(database_url, roles=("anonymous", "participant"))


BOUNDARY = "sec-boundary"


def multipart(fields: dict[str, str], file: tuple[str, bytes, str]) -> bytes:
    """A multipart body built by hand (the test client would spool big files to disk)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    filename, data, mimetype = file
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="logo"; filename="{filename}"\r\n'
        f"Content-Type: {mimetype}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _upload(world, data: bytes, filename: str, mimetype: str = "image/png"):
    fields = {"name": "Fournisseur IA", "description": "Texte saisi à garder"}
    return world.client("participant").post(
        f"/espace/organisations/{world.values['org_id']}",
        data=multipart(fields, (filename, data, mimetype)),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def _logo_path(world) -> str | None:
    with world.app.app_context():
        return db.session.get(Organisation, world.values["org_id"]).logo_path


@pytest.mark.parametrize(
    ("data", "filename", "mimetype", "message"),
    [
        (PHP, "shell.png", "image/png", NOT_IMAGE),
        (PHP, "shell.php", "application/x-php", NOT_IMAGE),
        (HTML, "page.png", "image/png", NOT_IMAGE),
        (SVG, "logo.svg", "image/svg+xml", NOT_IMAGE),
        (SVG, "logo.png", "image/png", NOT_IMAGE),
        (bomb_png(), "bomb.png", "image/png", NOT_IMAGE),
        (noisy_png(700), "big.png", "image/png", TOO_BIG),
    ],
    ids=["php-as-png", "php", "html-as-png", "svg-script", "svg-as-png", "bomb", "over-1MB"],
)
def test_bad_logo_is_refused_with_a_message(world, data, filename, mimetype, message):
    before = _logo_path(world)
    response = _upload(world, data, filename, mimetype)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body
    assert "Texte saisi à garder" in body  # nothing typed is lost
    assert _logo_path(world) == before


def test_body_over_the_request_limit_is_refused_with_a_message(world):
    response = _upload(world, b"\x89PNG" + b"0" * (5 * 1024 * 1024), "huge.png")
    assert response.status_code == 413
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "trop volumineux" in response.get_data(as_text=True)


def test_good_logo_is_kept_and_served_as_an_image(world):
    response = _upload(world, tiny_png((16, 16)), "logo.png")
    assert response.status_code == 302
    path = _logo_path(world)
    assert path.endswith(".png") and "logo" not in path  # our name, never the uploader's
    served = world.client("anonymous").get(f"/espace/logos/{world.values['org_id']}")
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()


def test_image_with_trailing_html_is_only_ever_served_as_an_image(world):
    """A polyglot (valid PNG + HTML) is an image: served as image/png, never sniffed."""
    response = _upload(world, tiny_png() + HTML, "polyglot.png")
    assert response.status_code == 302
    served = world.client("anonymous").get(f"/espace/logos/{world.values['org_id']}")
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in served.headers
    served.close()
