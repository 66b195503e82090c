"""Fixtures for the simulator's tests: a webhook receiver, a Graph client, a free port.

The receiver stands in for the Django app: a real loopback HTTP server that records what
the simulator posts, so tests check signatures and payloads on the wire. The
``simulator`` fixture itself is shared (``tests/fixtures/simulator.py``).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fixtures import processes

from .graph import Graph


class Receiver:
    """Captures webhook POSTs; answers with ``statuses`` in turn, then 200."""

    def __init__(self):
        self.posts = []
        self.statuses = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.posts.append((dict(self.headers), body))
                    code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/whatsapp/webhook/"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def payloads(self):
        with self.lock:
            return [json.loads(body) for _, body in self.posts]

    def statuses_received(self):
        return [
            status
            for payload in self.payloads()
            for entry in payload["entry"]
            for change in entry["changes"]
            for status in change["value"].get("statuses", [])
        ]

    def wait_for_statuses(self, count, timeout=5.0):
        def arrived():
            return len(self.statuses_received()) >= count

        processes.wait_until(arrived, timeout, f"{count} statuses arrive", interval=0.01)
        return self.statuses_received()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def graph(simulator):
    return Graph(simulator)


@pytest.fixture
def free_port():
    return processes.free_port()
