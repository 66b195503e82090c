"""The processes a benchmark needs: database, simulator, Celery workers, gunicorn.

Spawning and waiting are the test harness's (``tests/fixtures/processes.py``); each
service logs to a temporary directory, printed when a service dies before it is ready.
"""

import contextlib
import functools
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fixtures.processes import Service, child_environment, free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
STARTUP_SECONDS = 30


def base_environment():
    """The shell's environment (its ``DATABASE_URL``/``REDIS_URL`` too) under the bench's."""
    defaults = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/titz_bench",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
    }
    values = dict(
        DJANGO_SETTINGS_MODULE="titz_broadcast.settings",
        # Production settings: DEBUG keeps every SQL statement in memory and wraps each
        # cursor call; with it off, the checks demand keys other than the published ones.
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECRET_KEY="bench-only-" + "b" * 50,
        NUMBER_HASH_KEY="bench-only-number-hash-key-0123456789",
        NUMBER_ENCRYPTION_KEYS="YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXktMDA=",
        WHATSAPP_PHONE_NUMBER_ID="100000000000001",
        WHATSAPP_BUSINESS_ACCOUNT_ID="200000000000001",
        # Fresh per run: with DEBUG off the checks refuse dev.env's published ones.
        WHATSAPP_ACCESS_TOKEN=secrets.token_urlsafe(24),
        WHATSAPP_APP_SECRET=secrets.token_urlsafe(24),
        WHATSAPP_VERIFY_TOKEN=secrets.token_urlsafe(24),
        CELERY_TASK_ALWAYS_EAGER="0",
        WHATSAPP_BACKEND="whatsapp.backends.cloud_api.CloudAPIBackend",
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="600",
    )
    return child_environment(values, defaults=defaults, inherit=os.environ)


def setup_django(env):
    os.environ.update(env)
    import django

    django.setup()


def ensure_database(env):
    """Create the benchmark database if needed and migrate it (PostgreSQL expected)."""
    import psycopg

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )


@functools.cache
def _log_dir():
    return tempfile.mkdtemp(prefix="titz-bench-")


@contextlib.contextmanager
def process(name, args, env, ready_url=None):
    service = Service(name, args, env, _log_dir())
    try:
        if ready_url:
            service.wait_for_http(ready_url, STARTUP_SECONDS)
        yield service.process
    finally:
        service.stop(grace=15)


@contextlib.contextmanager
def simulator(env, **config):
    port = free_port()
    flags = []
    for key, value in {"webhook_url": "", "strict_templates": "0", **config}.items():
        flags += [f"--{key.replace('_', '-')}", str(value)]
    args = [PYTHON, "-m", "simulator", "--host", "127.0.0.1", "--port", str(port), *flags]
    args += ["--log-level", "WARNING"]
    url = f"http://127.0.0.1:{port}"
    with process("simulator", args, env, ready_url=url + "/_sim/stats"):
        yield url


@contextlib.contextmanager
def workers(env, concurrency=2):
    args = [str(BIN / "celery"), "-A", "titz_broadcast", "worker", "--loglevel=WARNING"]
    args += [f"--concurrency={concurrency}", "--queues=urgent,replies,default", "--without-gossip"]
    args += ["--without-mingle", "--without-heartbeat", "--pool=prefork"]
    with process("worker", args, env) as proc:
        time.sleep(3)  # let the pool fork and connect to the broker
        yield proc


@contextlib.contextmanager
def gunicorn(env, app="titz_broadcast.webhook_wsgi:application"):
    """Gunicorn as deployed: the project's ``gunicorn.conf.py``, on a free loopback port.

    ``app`` defaults to the ``webhooks`` process (docker-compose's receiver of Meta's
    POSTs); ``titz_broadcast.wsgi:application`` is ``web``, the admin's full stack.
    """
    port = free_port()
    args = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app]
    with process("gunicorn", args, env, ready_url=f"http://127.0.0.1:{port}/healthz"):
        yield f"http://127.0.0.1:{port}"
