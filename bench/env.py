"""The processes a benchmark needs: database, simulator, Celery workers, gunicorn."""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_environment():
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/titz_bench")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    env.update(
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
    return env


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


def wait_http(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=1)
            return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


@contextlib.contextmanager
def process(args, env, ready_url=None):
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        if ready_url:
            wait_http(ready_url)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def simulator(env, **config):
    port = free_port()
    flags = []
    for key, value in {"webhook_url": "", "strict_templates": "0", **config}.items():
        flags += [f"--{key.replace('_', '-')}", str(value)]
    args = [PYTHON, "-m", "simulator", "--host", "127.0.0.1", "--port", str(port), *flags]
    args += ["--log-level", "WARNING"]
    url = f"http://127.0.0.1:{port}"
    with process(args, env, ready_url=url + "/_sim/stats"):
        yield url


@contextlib.contextmanager
def workers(env, concurrency=2):
    args = [str(BIN / "celery"), "-A", "titz_broadcast", "worker", "--loglevel=WARNING"]
    args += [f"--concurrency={concurrency}", "--queues=urgent,replies,default", "--without-gossip"]
    args += ["--without-mingle", "--without-heartbeat", "--pool=prefork"]
    with process(args, env) as proc:
        time.sleep(3)  # let the pool fork and connect to the broker
        yield proc


@contextlib.contextmanager
def gunicorn(env):
    """Gunicorn as deployed: the project's ``gunicorn.conf.py``, on a free loopback port."""
    port = free_port()
    args = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    with process(args, env, ready_url=f"http://127.0.0.1:{port}/healthz"):
        yield f"http://127.0.0.1:{port}"
