"""Fault injection: the errors a sender must survive, at chosen rates.

One random draw per request picks at most one fault, so the shares add up exactly and a
seeded run injects the same faults into the same request numbers every time.
"""

import random
import threading
import time

from .errors import MetaError

RATE_LIMIT = "rate_limit"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"


class FaultInjector:
    def __init__(self, config):
        self._lock = threading.Lock()
        self.reconfigure(config)

    def reconfigure(self, config):
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)
            self._buckets = {}

    def draw(self):
        """Which fault (if any) this request gets."""
        config = self._config
        with self._lock:
            roll = self._random.random()
        if roll < config.rate_limit_share:
            return RATE_LIMIT
        roll -= config.rate_limit_share
        if roll < config.server_error_share:
            return SERVER_ERROR
        roll -= config.server_error_share
        if roll < config.timeout_share:
            return TIMEOUT
        return None

    def check_pair_limit(self, recipient):
        """Meta's pair limit: a burst of ``pair_limit_burst``, then one per interval.

        A token bucket per recipient; raises 131056 when it is empty.
        """
        config = self._config
        if not config.pair_limit:
            return
        now = time.monotonic()
        with self._lock:
            tokens, since = self._buckets.get(recipient, (config.pair_limit_burst, now))
            tokens = min(
                config.pair_limit_burst, tokens + (now - since) / config.pair_limit_interval_s
            )
            if tokens < 1:
                self._buckets[recipient] = (tokens, now)
                raise MetaError(131056)
            self._buckets[recipient] = (tokens - 1, now)
