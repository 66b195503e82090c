"""The webhook handshake's verify token never reaches an access log.

Meta verifies the webhook with ``GET /whatsapp/webhook/?hub.mode=subscribe&
hub.verify_token=...&hub.challenge=...``. Both web servers run as real processes here,
with the project's own configuration, and their logs are read back.
"""

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.processes import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKEN = "verify-token-Zq81xK"
HANDSHAKE = f"/whatsapp/webhook/?hub.mode=subscribe&hub.verify_token={TOKEN}&hub.challenge=4711"


def environment(tmp_path):
    """The test session's environment (development keys), on a database of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "titz_broadcast.settings",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
        "WHATSAPP_VERIFY_TOKEN": TOKEN,
        "PYTHONUNBUFFERED": "1",
    }


def serve_one_handshake(command, tmp_path, logged=None):
    """Start ``command``, answer one verification GET, stop; returns what it printed.

    The log line follows the response, so the server is stopped only once ``logged()``
    says it is written (a log file), or half a second later (stdout, read at the end).
    """
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{command_port(command)}{HANDSHAKE}"
    try:

        def answered():
            assert process.poll() is None, "the web server exited"
            return requests.get(url, timeout=5)

        response = wait_until(answered, 30, "the web server", ignore=requests.ConnectionError)
        assert (response.status_code, response.text) == (200, "4711")
        if logged is None:
            time.sleep(0.5)
        else:
            wait_until(logged, 10, "the access log line", interval=0.1)
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0]
    return output


def command_port(command):
    return next(arg for arg in command if arg.startswith("127.0.0.1:")).rsplit(":", 1)[1]


def test_gunicorn_access_log_leaves_out_the_verify_token(tmp_path):
    port, log = free_port(), tmp_path / "access.log"
    command = [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    command += ["--access-logfile", str(log)]
    output = serve_one_handshake(
        command, tmp_path, lambda: log.exists() and "/whatsapp/webhook/" in log.read_text()
    )
    access = log.read_text()
    assert '"GET /whatsapp/webhook/ HTTP/1.1" 200' in access
    for secret in (TOKEN, "hub.verify_token"):
        assert secret not in access
        assert secret not in output


def test_runserver_log_leaves_out_the_verify_token(tmp_path):
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    command += ["--skip-checks"]
    output = serve_one_handshake(command, tmp_path)
    assert '"GET /whatsapp/webhook/ HTTP/1.1" 200' in output
    assert TOKEN not in output and "hub.verify_token" not in output


@pytest.mark.parametrize("name", ["django.server", "django.request"])
def test_django_request_loggers_strip_query_strings(name, caplog):
    logger = logging.getLogger(name)
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logger.addHandler(handler)
    try:
        logger.warning('"%s" %s %s', f"GET {HANDSHAKE} HTTP/1.1", "403", "61")
        logger.warning(f"Forbidden: {HANDSHAKE}")
    finally:
        logger.removeHandler(handler)
    assert seen == [
        '"GET /whatsapp/webhook/ HTTP/1.1" 403 61',
        "Forbidden: /whatsapp/webhook/",
    ]
