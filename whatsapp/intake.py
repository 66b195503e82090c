"""Where the webhook keeps status events until a worker dispatches them.

Statuses are most of the webhook traffic: Meta sends up to three for every message
(sent, delivered, read), mostly one per POST. With Redis, the request appends them,
sealed, to one Redis list: one round trip, shared with the process's other threads
(``grouped_append``), and no database work in the request (the README's performance
section). ``drain`` hands them to the dispatch in batches of 1,000, which stores each
batch in the event store (the unique key drops Meta's duplicates) and applies it in one
transaction. Without Redis (the embedded default), or while Redis cannot be reached, the
request inserts them into the event store itself.

Nothing is lost in between. Meta gets its 200 only after the list (or the database) has
the events; Redis keeps the list on disk like the broker's queues (docker-compose runs it
with ``--appendonly yes``). A drain trims a batch from the list only after the dispatch
committed it, and only while it holds the drain lock: a drain that lost its lock trims
nothing, and the next one hands over the same events again, which the unique key skips.

Whoever can write to Redis must not be able to apply a status: each entry carries an
HMAC-SHA256 over its content with a key of its own (``WHATSAPP_INTAKE_KEY``, not shared
with the broker or the number keys). An entry without a valid one is dropped, logged
and counted (``rejected``); it is never applied.
"""

import enum
import hashlib
import hmac
import json
import logging
import secrets
import time

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils import timezone
from redis.exceptions import RedisError

from . import store
from .grouped_append import GroupedAppend
from .redaction import describe
from .redis_client import redis_client
from .sealing import KIND_OF, seal, unseal

logger = logging.getLogger(__name__)

KEY = "whatsapp:status-intake"
LOCK_KEY = "whatsapp:status-intake:drain"
REJECTED_KEY = "whatsapp:status-intake:rejected"  # entries dropped for a bad HMAC, ever
LOCK_SECONDS = 60  # far longer than one batch takes; a dead drain blocks the next this long
LOCK_WAIT_SECONDS = 10  # a drain waits this long for another one to finish
BATCH = store.INSERT_CHUNK
_APPEND = GroupedAppend(KEY)  # the threads of a web process share their RPUSHes

# Trim what the caller has stored, but only while it still holds the lock.
_TRIM = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def put(items):
    """Keep the ``store.Keyed`` statuses for a worker (see the module docstring)."""
    rows = [(key, KIND_OF[type(event)], seal(event)) for key, event in items]
    if settings.REDIS_URL:
        try:
            entries = [json.dumps([*row, _mac(*row[1:])]) for row in rows]
            _APPEND.append(redis_client(), entries)
            return
        except RedisError as exc:
            logger.warning("status intake: Redis unreachable, storing in the database: %s", exc)
    now = timezone.now()
    store.insert_new([(*row, now) for row in rows], due=now)


class Drained(enum.Enum):
    EMPTY = "empty"  # the list is empty now (or there is no Redis)
    MORE = "more"  # ``max_batches`` moved, more is waiting: run again
    BLOCKED = "blocked"  # Redis unreachable or another drain busy: beat tries again


def waiting():
    """True if statuses wait in the Redis list, or Redis cannot tell (then assume they do)."""
    if not settings.REDIS_URL:
        return False
    try:
        return bool(redis_client().llen(KEY))
    except RedisError as exc:
        logger.warning("status intake: Redis unreachable, statuses may wait there: %s", exc)
        return True


def drain(dispatch, max_batches=20):
    """Hand the statuses kept in Redis to ``dispatch``, a list of ``store.Keyed`` at a time.

    ``dispatch`` stores and applies a batch and commits; then the batch leaves the list.
    """
    if not settings.REDIS_URL:
        return Drained.EMPTY
    try:
        return _drain(redis_client(), dispatch, max_batches)
    except RedisError as exc:
        logger.warning("status intake: Redis unreachable, its statuses wait there: %s", exc)
        return Drained.BLOCKED


def _drain(client, dispatch, max_batches):
    token = _lock(client)
    if token is None:
        logger.warning("status intake: another drain holds the lock")
        return Drained.BLOCKED
    try:
        for _ in range(max_batches):
            raw = client.lrange(KEY, 0, BATCH - 1)
            if not raw:
                return Drained.EMPTY
            items = [_decode(entry) for entry in raw]
            forged = items.count(_FORGED)
            if forged:
                client.incrby(REJECTED_KEY, forged)
            dispatch([item for item in items if item and item is not _FORGED])
            if not client.eval(_TRIM, 2, KEY, LOCK_KEY, token, len(raw)):
                logger.warning("status intake: drain lock expired, leaving the rest")
                return Drained.BLOCKED
            if len(raw) < BATCH:
                return Drained.EMPTY
        return Drained.MORE
    finally:
        client.eval(_RELEASE, 1, LOCK_KEY, token)


def _lock(client):
    token = secrets.token_hex(16)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not client.set(LOCK_KEY, token, nx=True, px=LOCK_SECONDS * 1000):
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)
    return token


def _mac(kind: str, data: str) -> str:
    message = json.dumps([kind, data], separators=(",", ":")).encode()
    return hmac.new(settings.WHATSAPP_INTAKE_KEY.encode(), message, hashlib.sha256).hexdigest()


def rejected() -> int:
    """How many entries were dropped for a missing or wrong HMAC since Redis began."""
    return int(redis_client().get(REJECTED_KEY) or 0)


_FORGED = object()


def _decode(raw):
    try:
        entry = json.loads(raw)
        *_key, kind, data, mac = entry if isinstance(entry, list) and len(entry) == 4 else [""] * 4
        if not (isinstance(mac, str) and hmac.compare_digest(mac, _mac(kind, data))):
            logger.error("status intake: dropping an entry without a valid HMAC")
            return _FORGED
        event = unseal(kind, data)
        # Re-derived, not trusted: entries put before an upgrade may key a raw id.
        return store.Keyed(store.event_key(event), event)
    except (ValueError, TypeError, KeyError, InvalidToken) as exc:
        # Unreadable (or its key was removed from NUMBER_ENCRYPTION_KEYS): kept, it would
        # block the list forever.
        logger.error("status intake: dropping an unreadable entry: %s", describe(exc))
        return None
