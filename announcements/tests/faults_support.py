"""Real processes for the engine's fault tests: a private Redis, Celery worker and beat.

The fault tests must kill and restart things, so nothing here runs in the test process:
each service is a child process in its own process group (a SIGKILL to the group also ends
a prefork worker's pool). Redis is a private ``redis-server`` on a free port without
persistence, so a restart loses every broker message and every rate-limiter key, exactly
like a crashed production Redis; the machine's own Redis is never touched. Workers and
beat use the test process' PostgreSQL test database, so the test reads their rows.
Spawning, waiting and the child environment are the shared harness's
(``tests/fixtures/processes.py``); what is here is particular to the engine.
"""

import os
import shutil
import sys
from collections import Counter
from pathlib import Path

import redis
from django.conf import settings

from tests.fixtures.processes import Service, child_environment, free_port, stop_all, wait_until
from titz_broadcast import devenv

CELERY = str(Path(sys.executable).parent / "celery")


def child_database_url():
    """The URL of the database pytest-django created, for the child processes."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("the fault tests share their database with subprocesses: PostgreSQL")
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class RedisServer:
    """A private ``redis-server`` without persistence: a restart starts empty."""

    def __init__(self, log_dir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log_dir = log_dir
        self._service = None
        self.restarts = 0

    @staticmethod
    def available():
        return shutil.which("redis-server") is not None

    def start(self):
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"]  # fmt: skip
        name = f"redis-{self.restarts}"
        self._service = Service(name, argv, os.environ.copy(), self._log_dir)
        what = f"{name} answers PING on port {self.port}"
        wait_until(self._pong, 10, what, interval=0.05, services=[self._service])
        return self

    def _pong(self):
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return client.ping()
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def crash(self):
        self._service.kill()
        self._service.stop()

    def restart(self):
        self.restarts += 1
        return self.start()

    def stop(self):
        if self._service is not None:
            self._service.stop(grace=2)


class EngineProcesses:
    """Celery workers and beat running the engine against a simulator and a Redis."""

    def __init__(self, log_dir, redis_url, simulator, **overrides):
        self.log_dir = Path(log_dir)
        self.env = engine_environment(self.log_dir, redis_url, simulator, **overrides)
        self.services = []
        self._count = Counter()

    def _spawn(self, kind, argv):
        self._count[kind] += 1
        service = Service(f"{kind}-{self._count[kind]}", argv, self.env, self.log_dir)
        self.services.append(service)
        return service

    def worker(self, concurrency=2):
        service = self._spawn(
            "worker",
            [
                CELERY,
                "-A",
                "titz_broadcast",
                "worker",
                "-Q",
                "urgent,replies,default",
                "-c",
                str(concurrency),
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )
        service.wait_for_log("ready.")
        return service

    def beat(self):
        service = self._spawn(
            "beat",
            [
                CELERY,
                "-A",
                "titz_broadcast",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.log_dir / 'celerybeat-schedule'}",
            ],
        )
        service.wait_for_log("beat: Starting")
        return service

    def wait_until(self, predicate, timeout, what, interval=0.2):
        """``wait_until`` that shows the processes' logs when it fails."""
        try:
            return wait_until(predicate, timeout, what, interval)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None

    def logs(self, tail=3000):
        return "\n".join(f"--- {s.name}\n{s.log()[-tail:]}" for s in self.services)

    def stop(self, grace=5.0):
        """End every process; they shut down side by side within one grace period."""
        stop_all(self.services, grace)


def engine_environment(var_dir, redis_url, simulator, **overrides):
    """The engine's settings for the child processes: short intervals, test database.

    Over the development keys and credentials (``dev.env``), without the developer's own
    app settings (the harness's ``child_environment``).
    """
    values = dict(
        DJANGO_SETTINGS_MODULE="titz_broadcast.settings",
        PYTHONUNBUFFERED="1",
        DEBUG="1",
        VAR_DIR=str(var_dir),
        DATABASE_URL=child_database_url(),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        WHATSAPP_BACKEND="whatsapp.backends.cloud_api.CloudAPIBackend",
        **simulator.settings(),
        WHATSAPP_READ_TIMEOUT="5",
        WHATSAPP_MESSAGES_PER_SECOND="400",
        BROADCAST_TICK_SECONDS="1",
        BROADCAST_TASK_SECONDS="1",
        BROADCAST_BATCH_SIZE="50",
        BROADCAST_LANES="2",
        BROADCAST_RETRY_BASE_SECONDS="0.5",
        BROADCAST_RETRY_MAX_SECONDS="3",
        BROADCAST_CLAIM_GRACE_SECONDS="6",
    )
    return child_environment({**values, **overrides}, defaults=devenv.values())


def recipients_at(simulator):
    """How many messages each number received: the simulator's record is the judge."""
    return Counter(message["to"] for message in simulator.messages())
