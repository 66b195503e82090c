"""The processes a benchmark needs: database, simulator, Celery workers, gunicorn.

Spawning and waiting are the test harness's (``tests/fixtures/processes.py``); each
service logs to a temporary directory, printed when a service dies before it is ready.

A bench leaves nothing behind, however it ends (issue 32: a bench ended by a timeout left
its worker and gunicorn running, and they took another app's tasks from the same Redis
database). Every child runs in a process group of its own, registered in ``_running``:
``guard_exits`` turns SIGTERM and SIGHUP into ``SystemExit`` (Ctrl-C already raises), so
every ``finally`` stops its services, and at exit whatever is still registered is
killed with its group. Against SIGKILL of the bench, the kernel kills the children
(``die_with_parent``), and their pools and gunicorn workers follow their parent. The
bench's Redis database must be empty when it starts (``claim_redis``): one that another
app or a leftover bench uses is refused, never flushed.
"""

import atexit
import contextlib
import functools
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

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


class RedisInUse(SystemExit):
    """The bench's Redis database holds keys: someone else's, or a leftover bench's."""


def claim_redis(url):
    """Refuse to run on a Redis database that is not empty; flush it again at exit."""
    with redis.Redis.from_url(url) as client:
        keys = client.dbsize()
    if keys:
        raise RedisInUse(
            f"bench: the Redis database {url} holds {keys} keys; another app or a bench still"
            " running uses it. Stop it, or point REDIS_URL at an empty database."
        )
    atexit.register(_flush, url)


def _flush(url):
    with redis.Redis.from_url(url) as client:
        client.flushdb()


_running = {}  # pid -> Service: started and not yet stopped


def end_children():
    """SIGKILL every registered child with its process group (at exit, after a signal)."""
    for service in list(_running.values()):
        service.kill()
        _running.pop(service.process.pid, None)


def _exit_on(signum, _frame):
    raise SystemExit(128 + signum)


def guard_exits():
    """SIGTERM/SIGHUP unwind like Ctrl-C (``finally`` runs); at exit, end every child."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on)
    atexit.register(end_children)


@functools.cache
def _log_dir():
    return tempfile.mkdtemp(prefix="titz-bench-")


def start(name, args, env):
    """A registered child in its own process group, killed if the bench dies."""
    service = Service(name, args, env, _log_dir(), die_with_parent=True)
    _running[service.process.pid] = service
    return service


def stop(service, grace=15):
    service.stop(grace=grace)
    _running.pop(service.process.pid, None)


def run(name, args, env, timeout):
    """Run a child to its end like ``subprocess.run``; returns its output (its log)."""
    service = start(name, args, env)
    try:
        service.process.wait(timeout=timeout)
    finally:
        stop(service, grace=5)
    if service.process.returncode:
        raise subprocess.CalledProcessError(service.process.returncode, args, service.log())
    return service.log()


@contextlib.contextmanager
def process(name, args, env, ready_url=None):
    service = start(name, args, env)
    try:
        if ready_url:
            service.wait_for_http(ready_url, STARTUP_SECONDS)
        yield service.process
    finally:
        stop(service)


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
