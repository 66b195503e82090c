"""Run the simulator inside a test: ``with running_simulator() as sim: ...`` or the fixture.

The server runs in a thread of the test process on a free loopback port; tests talk to it
over real HTTP, exactly as the Cloud API backend does in production. Other apps reuse the
fixture with ``from simulator.testing import simulator  # noqa: F401`` in their conftest.
"""

import contextlib
import threading
import time

import pytest
import requests

from .config import SimulatorConfig
from .server import make_server


def _django_identity():
    """The app's secret and ids when Django is configured, so both sides agree."""
    try:
        from django.conf import settings

        if not settings.configured:
            return {}
        return {
            "app_secret": settings.WHATSAPP_APP_SECRET,
            "phone_number_id": settings.WHATSAPP_PHONE_NUMBER_ID,
            "waba_id": settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
            "access_token": settings.WHATSAPP_ACCESS_TOKEN,
        }
    except (ImportError, AttributeError):
        return {}


class SimulatorClient:
    """The simulator's control API over real HTTP: what tests and the E2E stack ask it."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = requests.Session()

    def _call(self, method, path, **kwargs):
        response = self.http.request(method, self.base_url + path, timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def messages(self, to=None):
        """Recorded outbound messages (optionally for one recipient), oldest first."""
        return self._call("GET", "/_sim/messages", params={"to": to} if to else None)

    def stats(self):
        return self._call("GET", "/_sim/stats")

    def reset(self):
        self._call("POST", "/_sim/reset", json={})

    def configure(self, **values):
        return self._call("POST", "/_sim/config", json=values)

    def inbound(self, sender, text, **extra):
        """Let ``sender`` write ``text`` to the municipality; returns the app's HTTP status."""
        return self._call("POST", "/_sim/inbound", json={"from": sender, "text": text, **extra})[
            "status"
        ]

    def wait_for(self, predicate, timeout=5.0, what="condition", to=None, interval=0.02):
        """Poll ``messages(to)`` until ``predicate(messages)`` holds; return them."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages(to)
            if predicate(messages):
                return messages
            if time.monotonic() > deadline:
                raise TimeoutError(f"simulator: {what} not met within {timeout:.0f} s")
            time.sleep(interval)


class RunningSimulator(SimulatorClient):
    """A handle on a simulator server running in this process."""

    def __init__(self, server):
        host, port = server.server_address[:2]
        super().__init__(f"http://{host}:{port}")
        self._server = server
        # A short poll interval: ``stop`` waits for one poll, and tests stop a lot.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="simulator", daemon=True
        )

    @property
    def config(self):
        return self._server.simulator.config

    def settings(self):
        """Django settings that point the Cloud API backend at this simulator."""
        config = self.config
        return {
            "WHATSAPP_API_BASE_URL": self.base_url,
            "WHATSAPP_PHONE_NUMBER_ID": config.phone_number_id,
            "WHATSAPP_BUSINESS_ACCOUNT_ID": config.waba_id,
            "WHATSAPP_APP_SECRET": config.app_secret,
            "WHATSAPP_ACCESS_TOKEN": config.access_token or "dev-access-token",
        }

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.http.close()
        self._server.stop()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def running_simulator(webhook_url=None, **config):
    """Start a simulator on a free loopback port; ``webhook_url=None`` posts no webhooks.

    ``config`` takes any ``SimulatorConfig`` field. Status delays default to a few
    milliseconds so tests see sent/delivered/read quickly.
    """
    values = {
        "sent_delay_ms": 5,
        "delivered_delay_ms": 10,
        "read_delay_ms": 20,
        "webhook_linger_ms": 5,
        **_django_identity(),
        **config,
        "webhook_url": webhook_url or "",
    }
    sim = RunningSimulator(make_server(SimulatorConfig().updated(values))).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def simulator():
    """A fresh simulator per test, without webhooks (see ``running_simulator`` for those)."""
    with running_simulator() as sim:
        yield sim
