"""Cross-site websocket hijacking: another site's page cannot open a Socket.IO connection."""

from __future__ import annotations

import pytest

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost.evil.example"])
def test_a_connection_from_another_origin_is_refused(client, origin):
    response = client.get(HANDSHAKE, headers={"Origin": origin})
    assert response.status_code == 400
    assert "sid" not in response.get_data(as_text=True)


def test_a_connection_from_the_site_itself_is_accepted(client):
    response = client.get(HANDSHAKE, headers={"Origin": "http://localhost"})
    assert response.status_code == 200
    assert '"sid"' in response.get_data(as_text=True)
