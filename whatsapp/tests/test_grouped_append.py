"""The threads of a web process share their RPUSHes, and each still returns only once
Redis has its entries (or raises, as alone). Against the real Redis."""

import os
import threading

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from whatsapp.grouped_append import GroupedAppend

pytestmark = pytest.mark.redis
KEY = "test:grouped-append"


@pytest.fixture
def client():
    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)
    client.delete(KEY)
    yield client
    client.delete(KEY)


def _rpush_calls(client):
    return client.info("commandstats").get("cmdstat_rpush", {}).get("calls", 0)


def _run_together(count, target):
    errors = []

    def run(i):
        try:
            target(i)
        except Exception as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_threads_arriving_during_an_rpush_share_the_next_and_lose_nothing(client):
    grouped = GroupedAppend(KEY)
    started = threading.Event()
    # Redis holds write commands for a moment: the first thread's RPUSH is in flight
    # while the other 15 arrive, so they all wait for the one RPUSH after it.
    client.execute_command("CLIENT", "PAUSE", 300, "WRITE")
    calls_before = _rpush_calls(client)

    def append(i):
        if i:
            started.wait(5)
        else:
            started.set()
        grouped.append(client, [f"{i}-a", f"{i}-b"])

    assert _run_together(16, append) == []
    entries = [value.decode() for value in client.lrange(KEY, 0, -1)]
    assert sorted(entries) == sorted(f"{i}-{part}" for i in range(16) for part in "ab")
    for i in range(16):  # a caller's entries stay together and in order
        assert entries.index(f"{i}-b") == entries.index(f"{i}-a") + 1
    assert _rpush_calls(client) - calls_before < 16


def test_when_the_rpush_fails_every_caller_of_the_group_gets_the_error():
    unreachable = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    grouped = GroupedAppend(KEY)
    errors = _run_together(8, lambda i: grouped.append(unreachable, [str(i)]))
    assert len(errors) == 8
    assert all(isinstance(error, redis.ConnectionError) for error in errors)


def test_a_lone_caller_appends_at_once(client):
    grouped = GroupedAppend(KEY)
    grouped.append(client, ["only"])
    assert client.lrange(KEY, 0, -1) == [b"only"]
