"""Malformed, oversized and flooding Socket.IO clients are refused or ignored; others go on."""

from __future__ import annotations

import threading

import pytest
import socketio as socketio_client
import websocket
from werkzeug.serving import make_server

from app.extensions import socketio
from app.realtime import WATCH_LIMIT
from tests.conftest import make_app, own_app_context


@pytest.fixture
def event(factory):
    return factory.event(slug="forum-ouvert")


@pytest.mark.parametrize(
    "payload",
    [
        None,
        42,
        "forum-ouvert",
        ["forum-ouvert"],
        {"event": 5},
        {"event": ["forum-ouvert"]},
        {"event": {"$ne": ""}},
        {"event": "x" * 10_000},
        {"event": ""},
        {},
    ],
    ids=[
        "none",
        "int",
        "str",
        "list",
        "int-slug",
        "list-slug",
        "dict-slug",
        "long-slug",
        "empty-slug",
        "empty",
    ],
)
def test_malformed_watch_is_refused_and_the_connection_still_works(app, event, payload):
    with own_app_context():
        client = socketio.test_client(app)
        assert client.emit("watch", payload, callback=True) == {"ok": False}
        assert client.emit("watch", {"event": "forum-ouvert"}, callback=True) == {
            "ok": True,
            "organiser": False,
        }
        client.disconnect()


def test_a_flood_of_watch_events_is_ignored_beyond_the_limit(app, event):
    with own_app_context():
        flooder = socketio.test_client(app)
        answers = [
            flooder.emit("watch", {"event": "forum-ouvert"}, callback=True)
            for _ in range(WATCH_LIMIT + 30)
        ]
        assert all(a["ok"] for a in answers[:WATCH_LIMIT])
        assert answers[WATCH_LIMIT:] == [{"ok": False, "error": "too-many"}] * 30
        # Another connection is not affected by the flooder.
        other = socketio.test_client(app)
        assert other.emit("watch", {"event": "forum-ouvert"}, callback=True)["ok"] is True
        flooder.disconnect()
        other.disconnect()


def test_an_unknown_event_name_is_ignored(app, event):
    with own_app_context():
        client = socketio.test_client(app)
        assert client.emit("join_room", {"room": "event:1:organisers"}, callback=True) is None
        assert client.emit("watch", {"event": "forum-ouvert"}, callback=True)["ok"] is True
        client.disconnect()


def test_an_oversized_message_closes_that_connection_only(database_url, event):
    app = make_app(database_url)  # created last: it serves the sockets (see test_live.py)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    big = websocket.create_connection(
        f"ws://127.0.0.1:{server.server_port}/socket.io/?EIO=4&transport=websocket", timeout=10
    )
    try:
        assert big.recv().startswith("0")  # Engine.IO open
        big.send("40")  # Socket.IO connect
        assert big.recv().startswith("40")
        big.send('42["watch",{"event":"' + "x" * 200_000 + '"}]')
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            while True:  # until the server closes this connection (over 64 KB)
                if not big.recv():
                    raise websocket.WebSocketConnectionClosedException("closed")
    finally:
        big.shutdown()  # closes the socket even when the server already closed the stream
    try:
        fine = socketio_client.Client(reconnection=False)
        fine.connect(base, transports=["websocket"])
        assert fine.call("watch", {"event": "forum-ouvert"}, timeout=10)["ok"] is True
        fine.disconnect()
    finally:
        server.shutdown()
