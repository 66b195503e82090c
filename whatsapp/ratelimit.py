"""Meta's per-number throughput limit and the per-recipient pair limit, shared by workers.

Meta allows 80 messages per second per business number, counting everything we send
(broadcasts and the automatic replies to residents) and answers 130429 beyond it. A classic
token bucket with a burst capacity would let 160 messages through in one second, so this is
a pacing limiter (GCRA): every message gets its own slot, ``1 / rate`` seconds after the
previous one, on one clock. With ``REDIS_URL`` the slots live in Redis and are handed out
by one atomic Lua script, so every worker on every machine shares them and Redis' own clock
is the only clock; without Redis (the embedded default, one worker) an in-process limiter
does the same.

Callers reserve a few slots at a time (about 0.1 s worth) to keep one round trip per group,
not per message, and sleep until each slot comes.
"""

import threading
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import limits
from .redis_client import redis_client

PAIR_INTERVAL_SECONDS = 6.0  # Meta: one message every 6 s to the same user (131056)
SLOWDOWN_FACTOR = 2.0  # after 130429 the interval doubles ...
SLOWDOWN_SECONDS = 30.0  # ... for this long
# Requests reach Meta some milliseconds apart from their slots (wake-up, client and network
# delays). Over any one second, messages paced at r per second can then number up to
# r * (1 + jitter) + 1: pacing 3 % below the limit absorbs about 18 ms of jitter at 80/s
# (measured on a loaded two-core machine: 81 in one second at 1 %), and a broadcast still
# ends within 5 % of the ideal time.
HEADROOM = 0.97

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local step = tonumber(ARGV[1]) * tonumber(redis.call('GET', KEYS[2]) or '1')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + tonumber(ARGV[2]) * step
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX',
           math.ceil((new_tat - now) * 1000) + 1000)
return {string.format('%.6f', tat - now), string.format('%.9f', step)}
"""

_PENALIZE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX',
           math.ceil((new_tat - now) * 1000) + 1000)
redis.call('SET', KEYS[2], ARGV[2], 'PX', math.ceil(tonumber(ARGV[3]) * 1000))
return 1
"""


_ADMIT = """
local admitted = {}
for i, key in ipairs(KEYS) do
  admitted[i] = redis.call('SET', key, 1, 'NX', 'PX', ARGV[1]) and 1 or 0
end
return admitted
"""


@dataclass(frozen=True)
class Reservation:
    """``count`` consecutive slots: slot ``i`` is due at ``start + i * step`` (monotonic)."""

    start: float
    step: float
    count: int

    def wait_for(self, index):
        delay = self.start + index * self.step - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class UnlimitedLimiter:
    """``WHATSAPP_MESSAGES_PER_SECOND = 0``: no pacing (benchmarks, tests)."""

    rate = 0.0

    def reserve(self, count):
        return Reservation(time.monotonic(), 0.0, count)

    def slow_down(self, seconds=1.0):
        """Nothing to slow; Meta's 130429 is still retried per delivery."""


class LocalLimiter:
    """In-process pacing for the embedded default (one worker process, no Redis)."""

    def __init__(self, rate):
        self.rate = rate
        self._lock = threading.Lock()
        self._tat = 0.0
        self._slow_until = 0.0

    def reserve(self, count):
        with self._lock:
            now = time.monotonic()
            factor = SLOWDOWN_FACTOR if now < self._slow_until else 1.0
            step = factor / self.rate
            start = max(self._tat, now)
            self._tat = start + count * step
            return Reservation(start, step, count)

    def slow_down(self, seconds=1.0):
        with self._lock:
            now = time.monotonic()
            self._tat = max(self._tat, now) + seconds
            self._slow_until = now + SLOWDOWN_SECONDS


class RedisLimiter:
    """Pacing shared through Redis; the key names the phone number it protects."""

    def __init__(self, client, rate, phone_number_id):
        self.rate = rate
        self._client = client
        self._keys = [f"titz:wa:{phone_number_id}:tat", f"titz:wa:{phone_number_id}:slow"]
        self._reserve = client.register_script(_RESERVE)
        self._penalize = client.register_script(_PENALIZE)

    def reserve(self, count):
        delay, step = self._reserve(keys=self._keys, args=[1.0 / self.rate, count])
        return Reservation(time.monotonic() + float(delay), float(step), count)

    def slow_down(self, seconds=1.0):
        self._penalize(keys=self._keys, args=[seconds, SLOWDOWN_FACTOR, SLOWDOWN_SECONDS])


class LocalPairGate:
    """In-process memory of whom we wrote to in the last six seconds."""

    def __init__(self):
        self._lock = threading.Lock()
        self._until = {}

    def admit(self, keys):
        now = time.monotonic()
        with self._lock:
            if len(self._until) > 10_000:
                self._until = {k: t for k, t in self._until.items() if t > now}
            admitted = set()
            for key in keys:
                if self._until.get(key, 0.0) <= now:
                    self._until[key] = now + PAIR_INTERVAL_SECONDS
                    admitted.add(key)
            return admitted


class RedisPairGate:
    """One ``SET NX PX`` per recipient, all in one script call per group of messages.

    A single command with many keys costs the client a fraction of a pipeline of as many
    commands (each of which redis-py packs and parses on its own).
    """

    def __init__(self, client, phone_number_id):
        self._prefix = f"titz:wa:{phone_number_id}:pair:"
        self._admit = client.register_script(_ADMIT)

    def admit(self, keys):
        keys = list(keys)
        if not keys:
            return set()
        flags = self._admit(
            keys=[self._prefix + str(key) for key in keys],
            args=[int(PAIR_INTERVAL_SECONDS * 1000)],
        )
        return {key for key, ok in zip(keys, flags, strict=True) if ok}


def rate_limiter():
    """The limiter for ``WHATSAPP_PHONE_NUMBER_ID`` at the rate ``limits`` allows.

    That is Meta's throughput for the number, bounded by ``WHATSAPP_MESSAGES_PER_SECOND``.
    """
    return _limiter(limits.messages_per_second())


@cache
def _limiter(messages_per_second):
    rate = messages_per_second * HEADROOM
    if rate <= 0:
        return UnlimitedLimiter()
    if settings.REDIS_URL:
        return RedisLimiter(redis_client(), rate, settings.WHATSAPP_PHONE_NUMBER_ID)
    return LocalLimiter(rate)


@cache
def pair_gate():
    if settings.REDIS_URL:
        return RedisPairGate(redis_client(), settings.WHATSAPP_PHONE_NUMBER_ID)
    return LocalPairGate()


def take_token():
    """Wait for one slot: every message outside a broadcast (e.g. a reply) calls this."""
    rate_limiter().reserve(1).wait_for(0)


@receiver(setting_changed)
def _forget_limiters(setting, **kwargs):
    """The limiters are built once per process from settings; rebuild them if those change."""
    if setting in {"REDIS_URL", "WHATSAPP_MESSAGES_PER_SECOND", "WHATSAPP_PHONE_NUMBER_ID"}:
        _limiter.cache_clear()
        pair_gate.cache_clear()
