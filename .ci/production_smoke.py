"""Production-install smoke test: the runtime requirements alone run web + worker.

``.ci/run`` calls this with the Python of a virtualenv built from ``requirements.txt``
only (no dev requirements), because the dev tools once hid a package the worker needs
(kombu's Redis transport imports ``packaging``). It starts, as docker-compose would, with
DEBUG off and fresh secrets against the machine's PostgreSQL and Redis: ``migrate`` (which
runs the system checks), gunicorn, a Celery worker on every queue, and the simulator in
Meta's place. A simulated resident sends "Start" through the signed webhook; the test
passes when the welcome reply, sent by the worker, reaches the simulator, and the
resident's number then stands in plain in no table and in no log of ours (web and worker
log at INFO; the simulator stands in for Meta and keeps it by design). Only loopback.

The services start through the tests' process harness (``tests/fixtures/processes.py``),
which uses the standard library only, so that this script needs nothing else either.
"""

import base64
import json
import secrets
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project's packages, the harness among them

from tests.fixtures.processes import (  # noqa: E402 - needs the path above
    Service,
    child_environment,
    free_port,
    stop_all,
    wait_until,
)

BIN = Path(sys.executable).parent
DATABASE = "titz_production_smoke"
RESIDENT = "4915100000123"
NATIONAL = RESIDENT[2:]  # without the country code: found in "+49...", "49..." and "0151..."
DEADLINE_SECONDS = 90


def environment(web_port, sim_port):
    """As bare as a container's: only PATH, HOME, LANG and TMPDIR come from outside."""
    values = dict(
        DJANGO_SETTINGS_MODULE="titz_broadcast.settings",
        PYTHONUNBUFFERED="1",
        DEBUG="0",
        # Plain HTTP on loopback; in production the TLS proxy sits in front.
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY=secrets.token_urlsafe(50),
        NUMBER_HASH_KEY=secrets.token_urlsafe(32),
        NUMBER_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        REDIS_URL="redis://127.0.0.1:6379/14",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/14",
        WHATSAPP_BACKEND="whatsapp.backends.cloud_api.CloudAPIBackend",
        WHATSAPP_API_BASE_URL=f"http://127.0.0.1:{sim_port}",
        WHATSAPP_PHONE_NUMBER_ID="100000000000777",
        WHATSAPP_BUSINESS_ACCOUNT_ID="200000000000777",
        WHATSAPP_ACCESS_TOKEN=secrets.token_urlsafe(24),
        WHATSAPP_APP_SECRET=secrets.token_urlsafe(24),
        WHATSAPP_VERIFY_TOKEN=secrets.token_urlsafe(24),
        WHATSAPP_INTAKE_KEY=secrets.token_urlsafe(32),
        CONSENT_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        SIMULATOR_WEBHOOK_URL=f"http://127.0.0.1:{web_port}/whatsapp/webhook/",
        SIMULATOR_ACCESS_TOKEN="",
        VAR_DIR=tempfile.mkdtemp(prefix="titz-smoke-"),
        WEB_CONCURRENCY="1",
        WEB_THREADS="4",
    )
    values["SIMULATOR_ACCESS_TOKEN"] = values["WHATSAPP_ACCESS_TOKEN"]
    return child_environment(values, inherit=("PATH", "HOME", "LANG", "TMPDIR"))


def recreate_database():
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        db.execute(f'CREATE DATABASE "{DATABASE}"')


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def post_json(url, data):
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def number_left_behind(services):
    """Where the resident's number stands in plain: every table of the database, our logs."""
    found = []
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{DATABASE}") as db:
        tables = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in tables.fetchall():
            query = sql.SQL("SELECT count(*) FROM {} AS row WHERE row::text LIKE %s")
            count = db.execute(query.format(sql.Identifier(table)), [f"%{NATIONAL}%"]).fetchone()
            if count[0]:
                found.append(f"table {table} ({count[0]} rows)")
    return found + [f"{s.name}.log" for s in services if NATIONAL in s.log()]


def main():
    web_port, sim_port = free_port(), free_port()
    env = environment(web_port, sim_port)
    log_dir = env["VAR_DIR"]
    recreate_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    from titz_broadcast import queues

    processes = {
        "simulator": [
            sys.executable, "-m", "simulator", "--host", "127.0.0.1", "--port", str(sim_port),
        ],
        "web": [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{web_port}"],
        "worker": [
            str(BIN / "celery"), "-A", "titz_broadcast", "worker", "--loglevel=INFO",
            "--concurrency=1", f"--queues={','.join(queues.ALL)}",
        ],
    }  # fmt: skip
    running = [Service(name, argv, env, log_dir) for name, argv in processes.items()]
    _, web, worker = running
    try:
        web.wait_for_http(f"http://127.0.0.1:{web_port}/healthz", DEADLINE_SECONDS, watch=running)
        worker.wait_for_log("ready.", DEADLINE_SECONDS, watch=running)
        answer = post_json(
            f"http://127.0.0.1:{sim_port}/_sim/inbound", {"from": RESIDENT, "text": "Start"}
        )
        if answer.get("status") != 200:
            raise SystemExit(f"production smoke test: the webhook answered {answer}")
        welcome = wait_until(
            lambda: get_json(f"http://127.0.0.1:{sim_port}/_sim/messages?to={RESIDENT}"),
            DEADLINE_SECONDS,
            "the welcome reply at the simulator",
            interval=0.5,
            ignore=(OSError,),
            services=running,
        )
        leaks = number_left_behind([web, worker])
        if leaks:
            raise SystemExit(f"production smoke test: the number stands in plain in {leaks}")
        print(
            f"production smoke test: OK, {len(welcome)} reply reached the simulator, "
            "the number is in no table and no log"
        )
    except BaseException:
        for service in running:
            print(f"--- {service.name}.log ---\n{service.log()[-4000:]}")
        raise
    finally:
        stop_all(running, grace=15)


if __name__ == "__main__":
    main()
