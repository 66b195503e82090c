"""The control API answers only local JSON requests and never hands out the secrets.

A web page the developer happens to open could otherwise drive it: a ``text/plain``
``fetch`` needs no CORS preflight, and a DNS-rebinding page reaches 127.0.0.1 under its
own host name. Raw HTTP here, so the headers are exactly what a browser would send.
"""

import http.client
import json

import pytest

from tests.fixtures.simulator import running_simulator


def request(sim, method, path, body=b"", headers=None):
    host, port = sim._server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in {"Host": f"127.0.0.1:{port}", **(headers or {})}.items():
            if value is not None:
                connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


INBOUND = json.dumps({"from": "4915100000001", "text": "Start"}).encode()


@pytest.mark.parametrize("path", ["/_sim/inbound", "/_sim/reset", "/_sim/config"])
@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_post_without_json_content_type_is_refused(simulator, path, content_type):
    status, _ = request(simulator, "POST", path, INBOUND, {"Content-Type": content_type})
    assert status == 415
    assert simulator.messages() == []


def test_a_cross_site_text_plain_inbound_does_not_reach_the_app(simulator):
    simulator.configure(delay_ms=7)
    status, _ = request(
        simulator,
        "POST",
        "/_sim/config",
        b'{"delay_ms": 0}',
        {"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )
    assert status == 415
    assert simulator.config.delay_ms == 7


@pytest.mark.parametrize(
    "host", ["evil.example:{port}", "evil.example", "127.0.0.1.evil.example:{port}", "", None]
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_sim/config"),
        ("GET", "/_sim/messages"),
        ("GET", "/_sim/stats"),
        ("GET", "/_sim/conversation?number=4915100000001"),
        ("POST", "/_sim/inbound"),
    ],
)
def test_foreign_host_header_is_refused(simulator, host, method, path):
    port = simulator._server.server_address[1]
    headers = {"Host": host.format(port=port) if host is not None else None}
    headers["Content-Type"] = "application/json"
    status, _ = request(simulator, method, path, INBOUND if method == "POST" else b"", headers)
    assert status == 403


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_local_host_names_with_the_port_are_served(simulator, name):
    port = simulator._server.server_address[1]
    headers = {"Host": f"{name}:{port}", "Content-Type": "application/json; charset=utf-8"}
    assert request(simulator, "POST", "/_sim/reset", b"{}", headers)[0] == 200
    assert request(simulator, "GET", "/_sim/stats", headers={"Host": f"{name}:{port}"})[0] == 200
    # The right name on another port is someone else's origin.
    assert request(simulator, "GET", "/_sim/stats", headers={"Host": f"{name}:1"})[0] == 403


def test_ipv6_loopback_host_is_served():
    try:
        from simulator.config import SimulatorConfig
        from simulator.server import make_server

        server = make_server(SimulatorConfig(webhook_url=""), host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    from tests.fixtures.simulator import RunningSimulator

    sim = RunningSimulator(server).start()
    try:
        port = server.server_address[1]
        connection = http.client.HTTPConnection("::1", port, timeout=10)
        connection.request("GET", "/_sim/stats", headers={"Host": f"[::1]:{port}"})
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        sim.stop()


def test_config_never_returns_the_secrets():
    with running_simulator(app_secret="s3cret-app", access_token="s3cret-token") as sim:
        shown = sim.http.get(sim.base_url + "/_sim/config").json()
        changed = sim.configure(delay_ms=3)
        for values in (shown, changed):
            assert "app_secret" not in values and "access_token" not in values
            assert "s3cret" not in json.dumps(values)
        assert changed["delay_ms"] == 3
        # Still settable (and used) through the control API and the in-process handle.
        sim.configure(app_secret="another-secret")
        assert sim.config.app_secret == "another-secret"
        assert sim.settings()["WHATSAPP_APP_SECRET"] == "another-secret"


def test_the_phone_page_still_posts_json(simulator):
    page = simulator.http.get(simulator.base_url + "/").text
    assert '"Content-Type": "application/json"' in page
    assert simulator.inbound("4915100000001", "Start") is None  # no webhook configured
