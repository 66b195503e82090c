"""The webhook's inbox: store events exactly once, hand the new ones on, retry failures.

"Hand on" means sending the ``whatsapp.signals`` to the receivers of other apps; this
module never queues Celery work itself (``tasks.py`` does, one layer up).

Every event ends up in the event store through ``store.insert_new``, whose unique key
skips Meta's retries and duplicates. Two paths lead there:

- Statuses are only kept in the request, sealed, in the intake (``intake.py``: a Redis
  list; without Redis, pending rows of the event store), and ``receive`` tells its caller
  so (``Received.statuses_waiting``). The view then has ``tasks.catch_up_soon`` ask a
  worker to dispatch them (``catch_up``), at most once per
  ``WHATSAPP_STATUS_BATCH_SECONDS`` per web process, so the statuses of many POSTs reach
  their receivers as one list and are applied with set-based SQL. That is what lets the
  endpoint keep up with Meta's single-status webhooks at over 1,000/s; the staff see a
  status about a second later. Beat catches up every few seconds too, so a lost broker
  message or a stopped worker delays statuses, never loses them.
- Inbound messages and user preferences are dispatched in the request: a resident's
  "Stop" takes effect before we answer Meta.

The request's events and each batch drained from Redis go through ``_dispatch_new``: one
transaction, new rows inserted already marked processed, optimistically: if every
receiver succeeds, that is the whole write. If one raises, all of it is rolled back and
the events are stored again with each signal in a savepoint: the failing receiver's
events (its signal is not sent twice) become pending rows, the encrypted event kept for
``dispatch_due``, and the others are processed.

If the process dies before a commit, that part was not stored and not acknowledged, so
Meta sends the POST again, and what was already kept is recognised by its key. A
concurrent duplicate of a POST waits on the unique key until the first one commits, and
then finds its events already there: dedupe holds under concurrency too.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from . import intake, store
from .events import InboundMessage, StatusUpdate, UserPreference
from .models import WebhookEvent
from .redaction import describe
from .retry import backoff
from .sealing import KIND_OF, seal, unseal
from .signals import inbound_message, status_update, user_preference

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # longer than the receivers should take for one batch
MAX_ATTEMPTS = 8  # about 2 hours of retries with the backoff below
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
DUE_BATCH = 1000  # one claim, one signal, one set-based apply
BATCHES_PER_RUN = 20  # what one catch-up handles before it lets other work in

Event = InboundMessage | StatusUpdate | UserPreference


class Received(NamedTuple):
    """What ``receive`` leaves to its caller to do once the request has committed.

    The caller decides how work is queued, so that this module stays free of Celery.
    """

    statuses_waiting: bool  # statuses were kept in the intake: have a worker apply them


class Stored(NamedTuple):
    """An event just inserted into the event store, or claimed from it."""

    row_id: int
    event: Event


class Send(NamedTuple):
    """One signal to send, with its keyword arguments and the stored events it carries."""

    signal: Signal
    kwargs: dict
    events: list[Stored]


class Failure(NamedTuple):
    """Stored events whose receiver raised ``exc``."""

    events: list[Stored]
    exc: Exception


class SeenFailure(NamedTuple):
    """A failure already seen in the fast path: the Python ids of its events, and why."""

    event_ids: set[int]
    exc: Exception


class Outcome(NamedTuple):
    """What sending the signals of a batch came to."""

    done: list[int]  # row ids whose receivers succeeded
    failures: list[Failure]


def receive(events) -> Received:
    """Store ``events``; dispatch the new ones now, or soon for statuses (module docstring)."""
    keyed = {}
    for event in _recent(events):
        keyed.setdefault(store.event_key(event), event)
    deferred, immediate = [], []
    for item in map(store.Keyed._make, keyed.items()):
        (deferred if isinstance(item.event, StatusUpdate) else immediate).append(item)
    if deferred:
        intake.put(deferred)
    if immediate:
        _dispatch_new(immediate)
    return Received(statuses_waiting=bool(deferred))


def _recent(events):
    """Drop messages and preferences older than Meta's retry window: they are replays.

    Meta retries a webhook for 7 days; once our de-duplication rows are purged, only the
    age tells a captured, correctly signed "Start" replayed later from a real one. The
    POST is still answered 200, so Meta (or whoever replays) has no reason to try again.
    Statuses pass: a replayed one can repeat a delivery's state or end a subscription
    (131050), never create consent.
    """
    hours = settings.WHATSAPP_EVENT_MAX_AGE_HOURS
    if not hours:
        return events
    oldest = timezone.now() - timedelta(hours=hours)
    recent = []
    for event in events:
        if isinstance(event, StatusUpdate) or event.timestamp >= oldest:
            recent.append(event)
        else:
            # The event key holds the keyed hash of Meta's id (``whatsapp.ids``), no number.
            logger.warning(
                "webhook: ignored %s of %s, older than %s hours (a replay?)",
                store.event_key(event),
                event.timestamp.isoformat(),
                hours,
            )
    return recent


def _dispatch_new(items):
    """Store the ``store.Keyed`` events and dispatch the new ones, in one transaction.

    Returns how many were new.
    """
    failed = None
    try:
        # Fast path: no savepoints, so a batch costs the INSERT, the receivers' own
        # statements and one COMMIT. Any failure rolls back all of it, nothing is stored ...
        with transaction.atomic():
            fresh = _store(items)
            for send in _signals(fresh):
                try:
                    send.signal.send(sender=WebhookEvent, **send.kwargs)
                    if _transaction_aborted():
                        raise DatabaseError("a receiver swallowed a database error")
                except Exception as exc:
                    failed = SeenFailure({id(stored.event) for stored in send.events}, exc)
                    raise
        return len(fresh)
    except Exception as exc:
        logger.info("webhook: %s in one transaction, again with savepoints", type(exc).__name__)
    # ... and the events are stored again, each signal in a savepoint of its own, so that a
    # failing receiver fails only its own events; the signal that failed above is not sent
    # again as it was. A database outage raises here (the view answers 503).
    with transaction.atomic():
        fresh = _store(items)
        for failure in _send_signals(fresh, failed).failures:
            _record_failure(_row_ids(failure.events), failure.exc, unsealed=failure.events)
    return len(fresh)


def _transaction_aborted():
    """True after a receiver caught a database error outside a savepoint of its own.

    PostgreSQL would then answer our COMMIT with a silent ROLLBACK, and we would answer
    Meta 200 for events never stored.
    """
    info = getattr(connection.connection, "info", None)
    status = getattr(info, "transaction_status", None)
    return getattr(status, "name", "") == "INERROR"


def _store(items):
    """Insert the new ``store.Keyed`` events as processed; returns them as ``Stored``."""
    now = timezone.now()
    rows = [(item.key, KIND_OF[type(item.event)], "", now) for item in items]
    new_ids = store.insert_new(rows)
    # pop: a drained batch may hold one event twice (Meta sent it in two POSTs).
    return [Stored(new_ids.pop(item.key), item.event) for item in items if item.key in new_ids]


def _row_ids(events):
    return [stored.row_id for stored in events]


def _signals(items):
    """The ``Send`` for the ``Stored`` events, in order.

    Inbound messages and user preferences go one signal per event, in order; statuses go
    as one list at the end, so receivers can apply them with set-based SQL.
    """
    statuses = []
    for stored in items:
        if isinstance(stored.event, StatusUpdate):
            statuses.append(stored)
        elif isinstance(stored.event, InboundMessage):
            yield Send(inbound_message, {"event": stored.event}, [stored])
        else:
            yield Send(user_preference, {"event": stored.event}, [stored])
    if statuses:
        yield Send(status_update, {"events": [stored.event for stored in statuses]}, statuses)


def dispatch(items):
    """Send the signals for stored, pending ``Stored`` events and record the outcome."""
    with transaction.atomic():
        outcome = _send_signals(items)
        if outcome.done:
            WebhookEvent.objects.filter(id__in=outcome.done).update(
                processed_at=timezone.now(), data="", next_attempt_at=None
            )
        for failure in outcome.failures:
            _record_failure(_row_ids(failure.events), failure.exc)


def _send_signals(items, failed=None) -> Outcome:
    """Send the signals, each in a savepoint.

    A receiver that raises fails only its own events (a ``Failure`` each), and its writes
    are rolled back with its savepoint. A batch of statuses that fails is sent again one
    status at a time, so that one poisoned status cannot hold the others back. ``failed``
    (a ``SeenFailure``) is a failure already seen for these events: it is recorded (or
    isolated) without sending the batch again.
    """
    outcome = Outcome(done=[], failures=[])
    for send in _signals(items):
        if failed and any(id(stored.event) in failed.event_ids for stored in send.events):
            exc = failed.exc
        else:
            try:
                with transaction.atomic():
                    send.signal.send(sender=WebhookEvent, **send.kwargs)
            except Exception as error:
                exc = error
            else:
                outcome.done.extend(_row_ids(send.events))
                continue
        if send.signal is status_update and len(send.events) > 1:
            _isolate_statuses(send.events, outcome)
        else:
            outcome.failures.append(Failure(send.events, exc))
    return outcome


def _isolate_statuses(events, outcome):
    for stored in events:
        try:
            with transaction.atomic():
                status_update.send(sender=WebhookEvent, events=[stored.event])
        except Exception as exc:
            outcome.failures.append(Failure([stored], exc))
        else:
            outcome.done.append(stored.row_id)


def _backoff(attempts):
    """When the next attempt is due after ``attempts`` failures (``retry.py``'s table)."""
    seconds = backoff(attempts, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_MAX_SECONDS, jitter=0.2)
    return timedelta(seconds=seconds)


def _record_failure(row_ids, exc, give_up=False, unsealed=()):
    """Count a failed attempt and schedule the retry (or give up).

    ``unsealed`` holds the ``Stored`` events that ``receive`` stored as processed, without
    data: they become pending rows again, with the event encrypted for the retry.
    """
    if unsealed:
        WebhookEvent.objects.bulk_update(
            [
                WebhookEvent(id=stored.row_id, data=seal(stored.event), processed_at=None)
                for stored in unsealed
            ],
            ["data", "processed_at"],
        )
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


def dispatch_due(limit=DUE_BATCH):
    """Dispatch up to ``limit`` due events (deferred statuses, retries); returns the count.

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
            items.append(Stored(row.id, unseal(row.kind, row.data)))
        except (InvalidToken, ValueError, KeyError, TypeError) as exc:
            # Undecryptable (its key was removed from NUMBER_ENCRYPTION_KEYS): no retry helps.
            _record_failure([row.id], exc, give_up=True)
    dispatch(items)
    return len(items)


@dataclass(frozen=True)
class CatchUp:
    dispatched: int
    more: bool  # stopped at ``max_batches``: run again
    complete: bool  # nothing due is known to wait (Redis was reachable, nothing left)


def catch_up(max_batches=BATCHES_PER_RUN):
    """Dispatch the intake's statuses and what is due in the store, in bounded batches."""
    new = []
    drained = intake.drain(lambda items: new.append(_dispatch_new(items)), max_batches)
    dispatched = sum(new)
    for _ in range(max_batches):
        handled = dispatch_due(DUE_BATCH)
        dispatched += handled
        if handled < DUE_BATCH:
            more = drained is intake.Drained.MORE
            return CatchUp(dispatched, more, drained is intake.Drained.EMPTY)
    return CatchUp(dispatched, more=True, complete=False)


def statuses_waiting() -> bool:
    """True while status events wait to be applied: in the intake, or due in the store.

    "Due" counts the status rows whose time has come (``dispatch_due`` takes them on its
    next run): they may hold the evidence a caller waits for (the broadcast sweeper's
    "sent" webhooks). A row waiting out its retry backoff does not count, as it did not
    for ``catch_up``: one event whose receiver keeps failing must not hold the sweeper up
    for the two hours of its retries. Read-only and cheap (an ``LLEN`` and an indexed
    ``EXISTS``); the applying is left to this app's own task.
    """
    if intake.waiting():
        return True
    return WebhookEvent.objects.filter(
        kind=WebhookEvent.Kind.STATUS,
        processed_at__isnull=True,
        next_attempt_at__lte=timezone.now(),
    ).exists()


def purge(now, chunk=5000, max_chunks=10_000):
    """Delete events received ``WHATSAPP_EVENT_RETENTION_DAYS`` before ``now`` that were
    processed or given up; count them. Run by beat through ``privacy.tasks.purge_store``."""
    cutoff = now - timedelta(days=settings.WHATSAPP_EVENT_RETENTION_DAYS)
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
