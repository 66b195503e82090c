"""The whole product as separate processes on loopback ports, for the browser journeys.

Web server, Celery worker, beat and the WhatsApp simulator run exactly as ``make run``
starts them, each in its own process group so teardown also ends their children (the
prefork pool, runserver's threads). Everything they write goes to a temp ``VAR_DIR``;
with ``DATABASE_URL``/``REDIS_URL`` set (CI) they use a separate database ``titz_e2e`` and
Redis database 14, so the unit tests' data and the E2E stack never meet. Spawning and
waiting are the shared harness's (``tests/fixtures/processes.py``).
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.fixtures.processes import Service, child_environment, free_port, stop_all
from tests.fixtures.simulator import SimulatorClient
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

    def __init__(self, tmp_dir, *, redis_url=None, overrides=None):
        """``redis_url`` replaces the E2E Redis database ("" for none, the filesystem
        broker); ``overrides`` are settings over the stack's own (the soak's DEBUG off)."""
        self.redis_url, self.overrides = redis_url, overrides or {}
        self.tmp = Path(tmp_dir)
        self.var_dir = self.tmp / "var"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.web_port, self.sim_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.sim = SimulatorClient(self.sim_url)
        self.services = {}
        self.env = None

    def _environment(self):
        """The demo's keys and credentials (``dev.env``) under the stack's own settings."""
        values = dict(
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
            # Official warnings from this stack's simulator (its NINA stand-in), none at start.
            NINA_API_BASE_URL=self.sim_url,
            NINA_POLL_SECONDS="1",
            SIMULATOR_NINA_DEMO="0",
        )
        redis_url = prepare_redis() if self.redis_url is None else self.redis_url
        if redis_url:
            values["REDIS_URL"] = redis_url
        return child_environment({**values, **self.overrides}, defaults=devenv.values())

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
        self.services[name] = Service(name, argv, self.env, self.tmp)
        return self.services[name]

    def log(self, name):
        return self.services[name].log() if name in self.services else ""

    def _ready(self, service, *, url=None, marker=None):
        """Wait for ``service``; any service of the stack that dies meanwhile fails it."""
        watch = list(self.services.values())
        if url:
            service.wait_for_http(url, STARTUP_SECONDS, watch=watch)
        else:
            service.wait_for_log(marker, STARTUP_SECONDS, watch=watch)

    def start(self):
        self.env = self._environment()
        self.manage("migrate", "--noinput", timeout=300)
        simulator = self._spawn(
            "simulator",
            [sys.executable, "-m", "simulator", "--port", str(self.sim_port)],
        )
        self._ready(simulator, url=f"{self.sim_url}/_sim/stats")
        if self.overrides.get("DEBUG") == "0":
            self.manage("sync_templates")  # demo_setup's logins exist only with DEBUG on
        else:
            # Staff logins for the three roles and a superuser; templates from the simulator.
            self.manage("demo_setup")
        web = self._spawn(
            "web",
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.web_port}", "--noreload"],
        )
        celery = str(VENV_BIN / "celery")
        worker = self._spawn(
            "worker",
            [celery, *WORKER_ARGS.split()],
        )
        beat = self._spawn(
            "beat",
            [celery, *BEAT_ARGS.split(), f"--schedule={self.tmp / 'celerybeat-schedule'}"],
        )
        self._ready(web, url=f"{self.base_url}/healthz")
        self._ready(worker, marker="ready.")
        self._ready(beat, marker="beat: Starting")
        return self

    def stop(self):
        """SIGTERM every process group, then SIGKILL what is left after a grace period."""
        stop_all(list(self.services.values()), grace=10)
        self.services.clear()
        self.sim.http.close()
