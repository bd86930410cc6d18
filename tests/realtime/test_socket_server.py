"""The app serves Socket.IO over websockets; with REDIS_URL, emits cross processes via Redis."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import redis
import socketio
from flask_socketio import SocketIO
from werkzeug.serving import make_server

from tests.conftest import make_app, service_missing


@pytest.fixture
def serve(database_url):
    """Start the app on a free local port in a thread; yield its base URL."""
    servers = []

    def start(**overrides) -> str:
        app = make_app(database_url, **overrides)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


def _connect(url: str) -> tuple[socketio.Client, list]:
    received: list = []
    client = socketio.Client(reconnection=False)
    client.on("announcement", lambda data: received.append(data))
    client.connect(url, transports=["websocket"], wait_timeout=10)
    return client, received


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_socketio_client_connects_over_websocket(serve):
    url = serve()
    client, _ = _connect(url)
    try:
        assert client.connected
        assert client.transport() == "websocket"
    finally:
        client.disconnect()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing(f"Redis at {url} is unreachable: {exc}")
    return url


def test_emit_from_another_process_reaches_client_through_redis(serve, redis_url):
    channel = f"rdvia-test-{uuid.uuid4().hex[:8]}"
    url = serve(REDIS_URL=redis_url, SOCKETIO_CHANNEL=channel)
    client, received = _connect(url)
    try:
        # A write-only emitter, as a background worker or another web process uses it.
        emitter = SocketIO(message_queue=redis_url, channel=channel)
        message = {"text": "La salle B ouvre à 14h"}
        assert _wait_for(lambda: (emitter.emit("announcement", message) or True) and received, 10)
        assert received[0] == message
    finally:
        client.disconnect()
