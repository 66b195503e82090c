"""A minimal Cloud API client for the simulator's own tests.

The real client is ``whatsapp.backends.cloud_api``; see test_cloud_api_backend.py.
"""

import requests

API = "v25.0"


class Graph:
    """Sends as the app would, with the token the simulator expects."""

    def __init__(self, sim):
        self.sim = sim
        self.session = requests.Session()
        self.session.trust_env = False
        self.token = sim.settings()["WHATSAPP_ACCESS_TOKEN"]

    def url(self, object_id, edge):
        return f"{self.sim.base_url}/{API}/{object_id}/{edge}"

    def send(self, body, token=None, phone_number_id=None):
        headers = {} if token == "" else {"Authorization": f"Bearer {token or self.token}"}
        url = self.url(phone_number_id or self.sim.config.phone_number_id, "messages")
        return self.session.post(url, json=body, headers=headers, timeout=10)

    def text(self, to, body="Hallo", **extra):
        return self.send(
            {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}
            | extra
        )
