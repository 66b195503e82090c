"""SQLite under load, in both of its set-ups: the embedded default and SQLite with Redis.

Issue 32: on SQLite with Redis as broker and status intake, about 60 "Start" webhooks posted
4 at a time once put the web process into a permanent "database disk image is malformed"
state. These soaks run the product as separate processes (runserver, worker, beat, the
simulator playing Meta; ``e2e.stack``) with DEBUG off and fresh secrets, post a few hundred
signed "Start" webhooks 8 at a time, then send a broadcast to everyone, and require: no
5xx, no "locked" or "malformed" in any log, every resident welcomed exactly once and
reached by the broadcast exactly once, and every status applied.

The Redis soak uses the session's ``REDIS_URL`` database (emptied before and after); the
embedded one needs nothing but Python.
"""

import base64
import json
import os
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.fernet import Fernet

from e2e.stack import Stack
from tests.fixtures.processes import wait_until

RESIDENTS = 300
CONCURRENCY = 8
FIRST_NUMBER = 4915170000000
PROBLEMS = re.compile(r"malformed|database is locked|database table is locked|Traceback", re.I)
SERVER_ERROR = re.compile(r'" 5\d\d ')


def production_like():
    """DEBUG off with secrets of its own: the system checks refuse dev.env's values."""
    token = secrets.token_urlsafe(24)
    return {
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "NUMBER_HASH_KEY": secrets.token_urlsafe(32),
        "NUMBER_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "WHATSAPP_ACCESS_TOKEN": token,
        "SIMULATOR_ACCESS_TOKEN": token,
        "WHATSAPP_APP_SECRET": secrets.token_urlsafe(24),
        "WHATSAPP_VERIFY_TOKEN": secrets.token_urlsafe(24),
        "WHATSAPP_INTAKE_KEY": secrets.token_urlsafe(32),
        "CONSENT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "CONN_MAX_AGE": "60",
    }


def _empty_redis(url):
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()


def soak(tmp_path, redis_url):
    # SQLite whatever DATABASE_URL the session has (CI's PostgreSQL).
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'soak.sqlite3'}"}
    stack = Stack(tmp_path, redis_url=redis_url, overrides={**production_like(), **database})
    numbers = [str(FIRST_NUMBER + index) for index in range(RESIDENTS)]
    try:
        stack.start()
        started = time.monotonic()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            answers = list(pool.map(lambda number: stack.sim.inbound(number, "Start"), numbers))
        starts_seconds = time.monotonic() - started
        assert sorted(set(answers)) == [200], {code: answers.count(code) for code in answers}
        wait_until(lambda: len(stack.sim.messages()) >= RESIDENTS, 120, "every resident welcomed")
        stack.orm(
            "from django.utils import timezone\n"
            "from announcements.models import Announcement, MessageTemplate\n"
            "t = MessageTemplate.objects.get(name='titz_nachricht', language='de')\n"
            "Announcement.objects.create(title='Soak', body='An alle', template=t,"
            " template_params=['Soak', 'An alle'], status=Announcement.Status.APPROVED,"
            " approved_at=timezone.now())"
        )
        read_all = (
            "from announcements.models import Delivery\n"
            f"print(Delivery.objects.filter(status='read').count() == {RESIDENTS})"
        )
        wait_until(lambda: stack.orm(read_all) == "True", 180, "the broadcast read by everyone")
        total_seconds = time.monotonic() - started
        messages = stack.sim.messages()
        welcomes = [m["to"].lstrip("+") for m in messages if m["type"] != "template"]
        broadcasts = [m["to"].lstrip("+") for m in messages if m["type"] == "template"]
        assert sorted(welcomes) == sorted(numbers) == sorted(broadcasts)
        # Still healthy after the load: the failure reported stayed until a restart.
        assert stack.sim.inbound(str(FIRST_NUMBER + RESIDENTS), "Start") == 200
        logs = {name: stack.log(name) for name in ("web", "worker", "beat")}
        for name, log in logs.items():
            assert not PROBLEMS.findall(log), f"{name}: {PROBLEMS.findall(log)[:5]}"
        assert not SERVER_ERROR.findall(logs["web"])
        posts = logs["web"].count('"POST /whatsapp/webhook/')
        print(
            json.dumps(
                {
                    "setup": "redis" if redis_url else "embedded",
                    "starts": RESIDENTS,
                    "concurrency": CONCURRENCY,
                    "webhook_posts": posts,
                    "server_errors": 0,
                    "starts_seconds": round(starts_seconds, 1),
                    "total_seconds": round(total_seconds, 1),
                }
            )
        )
    finally:
        stack.stop()


def test_embedded_sqlite_takes_hundreds_of_concurrent_starts_and_a_broadcast(tmp_path):
    soak(tmp_path, redis_url="")


@pytest.mark.redis
def test_sqlite_with_redis_intake_takes_hundreds_of_concurrent_starts_and_a_broadcast(tmp_path):
    url = os.environ["REDIS_URL"]
    _empty_redis(url)
    try:
        soak(tmp_path, redis_url=url)
    finally:
        _empty_redis(url)
