"""The whole product as separate processes on loopback ports, for the browser journeys.

Web server, Celery worker, beat and the WhatsApp simulator run exactly as ``make run``
starts them, each in its own process group so teardown also ends their children (the
prefork pool, runserver's threads). Everything they write goes to a temp ``VAR_DIR``;
with ``DATABASE_URL``/``REDIS_URL`` set (CI) they use a separate database ``titz_e2e`` and
Redis database 14, so the unit tests' data and the E2E stack never meet.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from simulator.testing import SimulatorClient
from titz_broadcast import devenv

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
E2E_DATABASE = "titz_e2e"
E2E_REDIS_DB = 14
# The office's own phone for test sends; never a subscriber in these journeys.
OFFICE_TEST_NUMBER = "4915199999999"
# Deliveries a batch task claims per step: small, so a journey sees a broadcast in progress.
BATCH_SIZE = 10
STARTUP_SECONDS = 60
# As in the Procfile: one worker process for all queues, and beat.
WORKER_ARGS = (
    "-A titz_broadcast worker -Q urgent,replies,default -c 1 --loglevel=INFO "
    "--without-gossip --without-mingle --without-heartbeat"
)
BEAT_ARGS = "-A titz_broadcast beat --loglevel=INFO"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_path(url, path):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def prepare_database(var_dir):
    """A fresh, empty database URL: a new PostgreSQL database or a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{var_dir / 'e2e.sqlite3'}"
    import psycopg

    admin_url = _with_path(url.replace("postgres://", "postgresql://", 1), "/postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {E2E_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {E2E_DATABASE}")
    return _with_path(url, f"/{E2E_DATABASE}")


def prepare_redis():
    """The E2E Redis database, emptied; "" without ``REDIS_URL`` (filesystem broker)."""
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis"):
        return ""
    import redis

    e2e_url = _with_path(url, f"/{E2E_REDIS_DB}")
    client = redis.Redis.from_url(e2e_url)
    client.flushdb()
    client.close()
    return e2e_url


class Stack:
    """Start with ``start()``, always ``stop()``; ``manage()`` runs commands against it."""

    def __init__(self, tmp_dir):
        self.tmp = Path(tmp_dir)
        self.var_dir = self.tmp / "var"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.web_port, self.sim_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.sim = SimulatorClient(self.sim_url)
        self._processes = {}
        self.env = None

    def _environment(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("WHATSAPP_", "CELERY_", "SIMULATOR_", "BROADCAST_"))
            and key not in ("DATABASE_URL", "REDIS_URL", "OTP_REQUIRED", "TEST_RECIPIENTS")
        }
        env = {**devenv.values(), **env}  # the demo's keys and credentials
        env.update(
            DJANGO_SETTINGS_MODULE="titz_broadcast.settings",
            PYTHONUNBUFFERED="1",
            DEBUG="1",
            VAR_DIR=str(self.var_dir),
            MEDIA_ROOT=str(self.var_dir / "media"),
            STATIC_ROOT=str(self.var_dir / "static"),
            DATABASE_URL=prepare_database(self.var_dir),
            WHATSAPP_BACKEND="whatsapp.backends.cloud_api.CloudAPIBackend",
            WHATSAPP_API_BASE_URL=self.sim_url,
            CELERY_TASK_ALWAYS_EAGER="0",
            # The embedded demo's relaxation: staff log in with a password only.
            OTP_REQUIRED="0",
            TEST_RECIPIENTS=f"+{OFFICE_TEST_NUMBER}",
            # Start due broadcasts within a second instead of three.
            BROADCAST_TICK_SECONDS="1",
            BROADCAST_BATCH_SIZE=str(BATCH_SIZE),
            SIMULATOR_WEBHOOK_URL=f"{self.base_url}/whatsapp/webhook/",
            SIMULATOR_SENT_DELAY_MS="20",
            SIMULATOR_DELIVERED_DELAY_MS="60",
            SIMULATOR_READ_DELAY_MS="150",
            SIMULATOR_READ_SHARE="1.0",
            SIMULATOR_WEBHOOK_LINGER_MS="10",
        )
        redis_url = prepare_redis()
        if redis_url:
            env["REDIS_URL"] = redis_url
        return env

    def manage(self, *args, check=True, timeout=120):
        """``manage.py ARGS`` in the stack's environment; returns the finished process."""
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"manage.py {args[0]} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def orm(self, code):
        """Run Python with Django set up in the stack's database; returns what it printed."""
        return self.manage("shell", "--no-imports", "-c", code).stdout.strip()

    def _spawn(self, name, argv):
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - fixed argv built in this module
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._processes[name] = (process, log)

    def log(self, name):
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self):
        self.env = self._environment()
        self.manage("migrate", "--noinput", timeout=300)
        self._spawn(
            "simulator",
            [sys.executable, "-m", "simulator", "--port", str(self.sim_port)],
        )
        self._wait_http("simulator", f"{self.sim_url}/_sim/stats")
        # Staff logins for the three roles and a superuser; templates from the simulator.
        self.manage("demo_setup")
        self._spawn(
            "web",
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.web_port}", "--noreload"],
        )
        celery = str(VENV_BIN / "celery")
        self._spawn(
            "worker",
            [celery, *WORKER_ARGS.split()],
        )
        self._spawn(
            "beat",
            [celery, *BEAT_ARGS.split(), f"--schedule={self.tmp / 'celerybeat-schedule'}"],
        )
        self._wait_http("web", f"{self.base_url}/healthz")
        self._wait_log("worker", "ready.")
        self._wait_log("beat", "beat: Starting")
        return self

    def _check_alive(self, name):
        for other, (process, _log) in self._processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{other} exited with {process.returncode} while waiting for {name}:\n"
                    f"{self.log(other)[-4000:]}"
                )

    def _wait_http(self, name, url):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready at {url}:\n{self.log(name)[-4000:]}")

    def _wait_log(self, name, marker):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            self._check_alive(name)
            if marker in self.log(name):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not log {marker!r}:\n{self.log(name)[-4000:]}")

    def stop(self):
        """SIGTERM every process group, then SIGKILL what is left after a grace period."""
        for process, _log in self._processes.values():
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process, log in self._processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=5)
            log.close()
        self._processes.clear()
        self.sim.http.close()


def _signal_group(process, sig):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
