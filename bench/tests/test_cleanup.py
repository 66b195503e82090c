"""A bench leaves nothing behind: its children end on every exit path, and it refuses a
Redis database that something else uses (issue 32).

Each test runs a small bench-like driver in a process of its own: it starts a "worker"
through ``bench.env`` that itself starts a child (as a prefork pool or gunicorn does),
prints both pids, and waits to be ended the way a bench is ended: SIGTERM (a timeout),
SIGINT (Ctrl-C), SIGKILL.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench import env as benv
from tests.fixtures.processes import wait_until

ROOT = Path(__file__).resolve().parents[2]
DRIVER = textwrap.dedent(
    """
    import subprocess, sys, time
    from bench import env as benv

    benv.guard_exits()
    worker = (
        "import subprocess, sys, time;"
        "pool = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
        "print(pool.pid, flush=True); time.sleep(600)"
    )
    with benv.process("worker", [sys.executable, "-c", worker], {}) as process:
        while not open(benv._log_dir() + "/worker.log").read().strip():
            time.sleep(0.05)
        pool = open(benv._log_dir() + "/worker.log").read().split()[0]
        print(process.pid, pool, flush=True)
        time.sleep(600)
    """
)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its (re)parent to reap it has ended too.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ")[-1][0] != "Z"


def _driver():
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    pids = [int(pid) for pid in driver.stdout.readline().split()]
    assert len(pids) == 2 and all(map(_alive, pids))
    return driver, pids


def _end_driver(how, expected_gone):
    driver, pids = _driver()
    try:
        driver.send_signal(how)
        driver.wait(timeout=30)
        gone = [pids[i] for i in expected_gone]
        wait_until(lambda: not any(map(_alive, gone)), 10, f"children gone after {how!r}")
    finally:
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_the_worker_and_its_pool_end_however_the_bench_ends(how):
    _end_driver(how, expected_gone=(0, 1))


def test_a_killed_bench_takes_its_worker_along():
    """SIGKILL runs no code of the bench: the kernel ends the worker (``die_with_parent``);
    a real worker's pool and gunicorn's workers end with their parent, this stand-in's
    sleeping child does not, so only the worker is checked here."""
    _end_driver(signal.SIGKILL, expected_gone=(0,))


def test_a_child_that_ends_by_itself_is_no_longer_killed_at_exit():
    service = benv.start("quick", [sys.executable, "-c", "pass"], {})
    service.process.wait(timeout=10)
    benv.stop(service)
    assert service.process.pid not in benv._running
    started = time.monotonic()
    benv.end_children()
    assert time.monotonic() - started < 1


@pytest.mark.redis
def test_a_redis_database_in_use_is_refused_and_never_flushed():
    import redis

    url = os.environ["REDIS_URL"]
    with redis.Redis.from_url(url) as client:
        client.flushdb()  # the session's own database: what earlier tests left
        client.set("someone-else:key", "1")
        try:
            with pytest.raises(benv.RedisInUse, match="holds 1 keys"):
                benv.claim_redis(url)
            assert client.get("someone-else:key") == b"1"
        finally:
            client.delete("someone-else:key")
        benv.claim_redis(url)  # empty now: the bench may use it
