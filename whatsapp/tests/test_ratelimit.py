"""The per-number pacing limiter and the pair gate, in process and in Redis."""

import threading
import time

import pytest

from whatsapp import ratelimit


def send_times(limiter, count, group):
    """The times the limiter gives each send, read from its reservations: the schedule
    itself, not the wall clock, so a loaded machine cannot make these tests flaky."""
    times = []
    for start in range(0, count, group):
        n = min(group, count - start)
        reservation = limiter.reserve(n)
        times.extend(reservation.start + index * reservation.step for index in range(n))
    return times


def max_in_window(times, window):
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_local_limiter_paces_instead_of_bursting():
    limiter = ratelimit.LocalLimiter(rate=200)
    times = send_times(limiter, 60, group=20)
    assert times[-1] - times[0] == pytest.approx(59 / 200, rel=0.05)  # 59 intervals of 5 ms
    assert max_in_window(times, 0.1) <= 21  # never a burst of a whole group


def test_local_limiter_is_shared_by_threads_and_slows_down():
    limiter = ratelimit.LocalLimiter(rate=100)
    times = []
    threads = [threading.Thread(target=lambda: times.extend(send_times(limiter, 20, 5)))
               for _ in range(3)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(times) == 60
    assert max(times) - min(times) >= 0.55
    limiter.slow_down(0.3)
    before = time.monotonic()
    limiter.reserve(1).wait_for(0)
    assert time.monotonic() - before >= 0.25


def test_unlimited_limiter_never_waits():
    reservation = ratelimit.UnlimitedLimiter().reserve(1000)
    assert reservation.step == 0
    assert reservation.start <= time.monotonic()


def test_local_pair_gate_admits_each_recipient_once_per_six_seconds():
    gate = ratelimit.LocalPairGate()
    assert gate.admit([1, 2]) == {1, 2}
    assert gate.admit([2, 3]) == {3}


@pytest.fixture
def redis_client(settings):
    import os

    settings.REDIS_URL = os.environ["REDIS_URL"]
    client = ratelimit.redis_client()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.mark.redis
def test_redis_limiter_is_shared_by_independent_limiters(redis_client):
    limiters = [ratelimit.RedisLimiter(redis_client, 100, "test-number") for _ in range(3)]
    times = []
    threads = [
        threading.Thread(target=lambda lim=lim: times.extend(send_times(lim, 30, 10)))
        for lim in limiters
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(times) == 90
    assert max(times) - min(times) >= 0.85  # 89 intervals of 10 ms, whoever asks
    assert max_in_window(times, 0.5) <= 52


@pytest.mark.redis
def test_redis_limiter_slow_down_delays_everyone(redis_client):
    first = ratelimit.RedisLimiter(redis_client, 1000, "test-number")
    other = ratelimit.RedisLimiter(redis_client, 1000, "test-number")
    first.slow_down(0.3)
    before = time.monotonic()
    reservation = other.reserve(2)
    reservation.wait_for(1)
    assert time.monotonic() - before >= 0.28
    assert reservation.step == pytest.approx(2 * 0.001)  # slowed interval


@pytest.mark.redis
def test_redis_pair_gate(redis_client):
    gate = ratelimit.RedisPairGate(redis_client, "test-number")
    assert gate.admit([1, 2]) == {1, 2}
    assert ratelimit.RedisPairGate(redis_client, "test-number").admit([2, 3]) == {3}


@pytest.mark.django_db  # the rate comes from Meta's throughput too (whatsapp.limits)
def test_take_token_uses_the_shared_limiter(settings):
    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 50
    limiter = ratelimit.rate_limiter()
    before = time.monotonic()
    ratelimit.take_token()
    ratelimit.take_token()
    # Two slots are gone: the next one starts at least two intervals after the first,
    # which started no earlier than ``before`` (however long this machine stalls).
    following = limiter.reserve(1).start
    assert following >= before + 2 / 50 - 1e-9
