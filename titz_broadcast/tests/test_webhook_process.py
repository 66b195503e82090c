"""The ``webhooks`` process: Meta's webhook without the admin's middleware, as a real gunicorn.

It serves the same view on the same settings as ``web``, so what matters here is what it
does differently: only the webhook and the health check are routed, no session cookie or
admin header is added, keep-alive clients still get a Content-Length, and it refuses to
start on a configuration the system checks reject, like ``web`` and the workers.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.fixtures import payloads
from tests.fixtures.processes import free_port, wait_until
from tests.fixtures.webhooks import sign

from .test_access_log import environment

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
APP = "titz_broadcast.webhook_wsgi:application"


def gunicorn(port, env):
    command = [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), APP]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.fixture
def webhooks(tmp_path):
    env = environment(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    process = gunicorn(port, env)
    base = f"http://127.0.0.1:{port}"

    def up():
        assert process.poll() is None, process.communicate()[0]
        return requests.get(f"{base}/healthz", timeout=5).status_code == 200

    try:
        wait_until(up, 30, "the webhooks process", ignore=requests.ConnectionError)
        yield base, env["WHATSAPP_APP_SECRET"]
    finally:
        process.terminate()
        process.communicate(timeout=10)


def status_post(secret):
    entry = payloads.status_entry("wamid.test-1", "delivered", payloads.DEFAULT_NUMBER)
    body = json.dumps(payloads.statuses_payload([entry])).encode()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}


def test_it_takes_signed_statuses_and_nothing_else(webhooks):
    base, secret = webhooks
    body, headers = status_post(secret)
    accepted = requests.post(f"{base}/whatsapp/webhook/", data=body, headers=headers, timeout=5)
    assert (accepted.status_code, accepted.text) == (200, "OK")
    assert accepted.headers["Content-Length"] == "2"
    assert "Set-Cookie" not in accepted.headers
    headers["X-Hub-Signature-256"] = sign(body, "forged")
    forged = requests.post(f"{base}/whatsapp/webhook/", data=body, headers=headers, timeout=5)
    assert forged.status_code == 403
    assert requests.get(f"{base}/admin/", timeout=5).status_code == 404


def test_it_refuses_to_start_without_production_secrets(tmp_path):
    env = {**environment(tmp_path), "DEBUG": "0", "WHATSAPP_APP_SECRET": "", "SECRET_KEY": ""}
    process = gunicorn(free_port(), env)
    output = process.communicate(timeout=60)[0]
    assert process.returncode != 0
    assert "System checks failed, refusing to start" in output
