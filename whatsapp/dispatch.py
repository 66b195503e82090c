"""Store webhook events exactly once, signal the new ones, and retry failed dispatches.

The happy path of a POST is one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (which
tells us which events are new: Meta retries and duplicates are silently skipped), the
signals, and one ``UPDATE`` marking the events processed. Rows are inserted with a short
lease in ``next_attempt_at``: if the process dies while receivers run, the retry task
picks the events up once the lease expires, so a crash cannot lose an event that Meta
will never send again.
"""

import logging
import random
from collections import defaultdict
from datetime import timedelta

from cryptography.fernet import InvalidToken
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .events import InboundMessage, StatusUpdate
from .models import WebhookEvent
from .redaction import describe
from .sealing import KIND_OF, seal, unseal
from .signals import inbound_message, status_update, user_preference

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # longer than any receiver should take for one POST
MAX_ATTEMPTS = 8  # about 2 hours of retries with the backoff below
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
INSERT_CHUNK = 1000  # Meta sends at most 1,000 updates per POST
RETRY_BATCH = 200


def event_key(event):
    if isinstance(event, StatusUpdate):
        return f"st:{event.message_id}:{event.status}"
    if isinstance(event, InboundMessage):
        return f"in:{event.message_id}"
    return f"up:{event.event_id}"


def receive(events):
    """Store ``events`` and dispatch those not seen before; returns how many were new."""
    keyed = {}
    for event in events:
        keyed.setdefault(event_key(event), event)
    if not keyed:
        return 0
    items = list(keyed.items())
    fresh = []
    for start in range(0, len(items), INSERT_CHUNK):
        chunk = items[start : start + INSERT_CHUNK]
        new_ids = _insert_new(chunk)
        fresh.extend((new_ids[key], event) for key, event in chunk if key in new_ids)
    dispatch(fresh)
    return len(fresh)


def _insert_new(chunk):
    # The ORM's bulk_create(ignore_conflicts=True) cannot say which rows were inserted;
    # RETURNING after ON CONFLICT DO NOTHING can (PostgreSQL, SQLite >= 3.35).
    ops = connection.ops
    now = timezone.now()
    received, lease = ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(now + LEASE)
    params = []
    for key, event in chunk:
        params += (key, KIND_OF[type(event)], seal(event), received, lease)
    columns = ", ".join(
        ops.quote_name(c)
        for c in ("key", "kind", "data", "received_at", "next_attempt_at", "attempts", "last_error")
    )
    values = ", ".join(["(%s, %s, %s, %s, %s, 0, '')"] * len(chunk))
    # Only quoted identifiers and placeholders are interpolated; values go as parameters.
    sql = (
        f"INSERT INTO {ops.quote_name(WebhookEvent._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES {values} ON CONFLICT ({ops.quote_name('key')}) DO NOTHING "
        f"RETURNING {ops.quote_name('id')}, {ops.quote_name('key')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {key: row_id for row_id, key in cursor.fetchall()}


def dispatch(items):
    """Send the signals for ``(row_id, event)`` pairs and record the outcome per row.

    Inbound messages and user preferences go one signal per event, in order; statuses go
    as one list, so receivers can apply them with set-based SQL. A receiver that raises
    fails only its own events: they are kept for ``retry_due``.
    """
    done, failures = [], []
    statuses = []
    for row_id, event in items:
        if isinstance(event, StatusUpdate):
            statuses.append((row_id, event))
            continue
        signal = inbound_message if isinstance(event, InboundMessage) else user_preference
        try:
            signal.send(sender=WebhookEvent, event=event)
        except Exception as exc:
            failures.append(([row_id], exc))
        else:
            done.append(row_id)
    if statuses:
        _dispatch_statuses(statuses, done, failures)
    if done:
        WebhookEvent.objects.filter(id__in=done).update(
            processed_at=timezone.now(), data="", next_attempt_at=None
        )
    for row_ids, exc in failures:
        _record_failure(row_ids, exc)


def _dispatch_statuses(statuses, done, failures):
    try:
        status_update.send(sender=WebhookEvent, events=[event for _, event in statuses])
    except Exception as exc:
        if len(statuses) == 1:
            failures.append(([statuses[0][0]], exc))
            return
        # Isolate the status that breaks the batch, so it cannot hold the others back.
        for row_id, event in statuses:
            try:
                status_update.send(sender=WebhookEvent, events=[event])
            except Exception as single_exc:
                failures.append(([row_id], single_exc))
            else:
                done.append(row_id)
    else:
        done.extend(row_id for row_id, _ in statuses)


def _backoff(attempts):
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _record_failure(row_ids, exc, give_up=False):
    error = describe(exc)
    now = timezone.now()
    by_attempts = defaultdict(list)
    for row_id, attempts in WebhookEvent.objects.filter(id__in=row_ids).values_list(
        "id", "attempts"
    ):
        by_attempts[attempts + 1].append(row_id)
    for attempts, ids in by_attempts.items():
        stop = give_up or attempts >= MAX_ATTEMPTS
        WebhookEvent.objects.filter(id__in=ids).update(
            attempts=F("attempts") + 1,
            last_error=error,
            next_attempt_at=None if stop else now + _backoff(attempts),
        )
        log = logger.error if stop else logger.warning
        log(
            "webhook events %s failed (attempt %d%s): %s",
            ids,
            attempts,
            ", giving up" if stop else "",
            error.rstrip().rsplit("\n", 1)[-1],
        )


def retry_due(limit=RETRY_BATCH):
    """Dispatch again up to ``limit`` events whose retry time has come; returns the count.

    Rows are claimed (their lease renewed) in a short transaction with ``SKIP LOCKED``, so
    two workers never dispatch the same event at once, and no lock is held while the
    receivers run.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .only("id", "kind", "data")[:limit]
        )
        if not rows:
            return 0
        WebhookEvent.objects.filter(id__in=[r.id for r in rows]).update(next_attempt_at=now + LEASE)
    items = []
    for row in sorted(rows, key=lambda r: r.id):
        try:
            items.append((row.id, unseal(row.kind, row.data)))
        except (InvalidToken, ValueError, KeyError, TypeError) as exc:
            # Undecryptable (its key was removed from NUMBER_ENCRYPTION_KEYS): no retry helps.
            _record_failure([row.id], exc, give_up=True)
    dispatch(items)
    return len(items)


def purge(days, chunk=5000, max_chunks=10_000):
    """Delete events received more than ``days`` ago that were processed or given up."""
    cutoff = timezone.now() - timedelta(days=days)
    old = WebhookEvent.objects.filter(received_at__lt=cutoff).exclude(
        processed_at__isnull=True, next_attempt_at__isnull=False
    )
    deleted = 0
    for _ in range(max_chunks):
        ids = list(old.values_list("id", flat=True)[:chunk])
        if not ids:
            break
        deleted += WebhookEvent.objects.filter(id__in=ids).delete()[0]
    return deleted
