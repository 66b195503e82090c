"""One batch task's work: claim deliveries, send them, record the outcome, in bulk.

Per step, ``BROADCAST_BATCH_SIZE`` rows of the task's id range are claimed in one UPDATE
(queued → sending, ``attempts + 1``) and committed before any request leaves, so no
transaction or row lock is held across a call to Meta and a replayed task finds nothing to
send twice. Each request carries the delivery id as ``biz_opaque_callback_data``. The
results of a step are written with one UPDATE per kind of outcome.

Errors are decided by class (``whatsapp.exceptions``):

- transient: back to queued with exponential backoff and jitter (``whatsapp.retry``), at
  most ``BROADCAST_MAX_ATTEMPTS`` attempts; 130429 also slows the shared rate limiter,
  131056 delays only that recipient (4^n s, Meta's advice);
- a network error after the request may have left (read timeout, reset): no evidence
  either way, so the claim stays and the sweeper decides after the grace period;
- recipient errors: failed, with the German explanation, not retried;
- request errors (template, media): every recipient would fail the same way, so the
  broadcast pauses and staff read why; account errors (token, policy, payment) pause every
  broadcast.

Before each step the template's status is read with the broadcast's (one query, as
before): a template Meta paused or disabled (``template_health``) pauses the broadcast
instead of sending another message with it.

``run_batch`` decides and returns a ``BatchResult``; the batch task (``announcements.tasks``)
acts on it: continue in a new task, finish or pause the broadcast (``scheduler``). This
module never queues work itself, and the statuses it writes are ``deliveries``' moves.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone
from urllib3.exceptions import NewConnectionError

from whatsapp import get_backend, ratelimit
from whatsapp.errors import MAX_UNKNOWN_RETRIES, explain
from whatsapp.exceptions import (
    AccountError,
    PairRateLimitError,
    PermanentError,
    RecipientError,
    ThroughputError,
    TransientError,
    WhatsAppError,
)
from whatsapp.retry import backoff

from .. import template_health
from ..models import Announcement
from . import attachment, deliveries, statuses
from .deliveries import Deferred, Failed, Retry, Sent

logger = logging.getLogger(__name__)
SLOT_GROUP_SECONDS = 0.1  # at high rates, reserve this much sending time per round trip
SINGLE_SLOT_RATE = 200  # at or below this rate, reserve each slot just before its send


@dataclass
class Outcome:
    """What happened to the rows of one step, grouped for one statement each."""

    sent: list[Sent] = field(default_factory=list)
    retry: list[Retry] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # delivery ids never attempted
    deferred: list[Deferred] = field(default_factory=list)  # pair limit, not tried
    cancelled: list[int] = field(default_factory=list)  # delivery ids without a subscriber
    expired: list[int] = field(default_factory=list)  # claimed, but "gültig bis" came first
    undeliverable: set = field(default_factory=set)  # subscriber ids (131026)
    stop_reason: str = ""  # set when the broadcast (or all) must pause
    pause_all: bool = False
    error: Exception | None = None  # the step broke off (see send_rows)

    def settled_ids(self):
        rows = [*self.sent, *self.retry, *self.failed, *self.deferred]
        ids = {row.delivery_id for row in rows} | set(self.released) | set(self.cancelled)
        return ids | set(self.expired)


@dataclass(frozen=True)
class BatchResult:
    """What the batch task does next; ``DONE`` and ``DRAINED`` are the usual two.

    ``continue_after``: seconds after which this lane continues in a new task (``None``:
    this task is the lane's last). ``drained``: the lane has no due row left, so the
    broadcast may be finished. ``pause_reason``: pause the broadcast, or with ``pause_all``
    every running one, and show staff why.
    """

    continue_after: float | None = None
    drained: bool = False
    pause_reason: str = ""
    pause_all: bool = False

    @property
    def done(self):
        return self.continue_after is None


DONE = BatchResult()
DRAINED = BatchResult(drained=True)


def run_batch(announcement_id, lo, hi, *, seconds=None):
    """Send the due deliveries in ``[lo, hi]`` for up to ``seconds``; a ``BatchResult``.

    A broadcast that is not urgent stops before each step while an urgent warning is
    approved or sending and continues ``BROADCAST_TASK_SECONDS`` later, so that the
    warning's batches get the workers (with one worker process, nothing else would let
    them overtake).
    """
    deadline = time.monotonic() + (settings.BROADCAST_TASK_SECONDS if seconds is None else seconds)
    announcement = Announcement.objects.select_related("template").filter(pk=announcement_id)
    announcement = announcement.first()
    if announcement is None or announcement.status != Announcement.Status.SENDING:
        return DONE
    media_state = attachment.prepare(announcement)  # a fresh media id before any send
    if not media_state.ok:
        return BatchResult(
            continue_after=media_state.retry_after,
            pause_reason=media_state.pause_reason,
            pause_all=media_state.pause_all,
        )
    send_kwargs = announcement.send_kwargs()
    expires_at = announcement.valid_until.timestamp() if announcement.valid_until else None
    versions = {
        version.language: version.send_kwargs(send_kwargs)
        for version in announcement.versions.select_related("template")
    }
    template_status = announcement.template.status
    while True:
        if template_health.is_blocked(template_status):
            reason = template_health.pause_reason(template_status, announcement.template.name)
            return BatchResult(pause_reason=reason)
        if not announcement.urgent and urgent_waiting():
            return BatchResult(continue_after=settings.BROADCAST_TASK_SECONDS)
        rows = deliveries.claim(
            announcement_id, lo, hi, settings.BROADCAST_BATCH_SIZE, timezone.now()
        )
        if not rows:
            return DRAINED
        outcome = send_rows(rows, send_kwargs, versions, expires_at)
        record(outcome, timezone.now())
        logger.info(
            "announcement %s batch %s-%s: sent=%s retry=%s failed=%s",
            announcement_id, lo, hi, len(outcome.sent), len(outcome.retry), len(outcome.failed),
        )  # fmt: skip
        if outcome.error is not None:
            raise outcome.error  # recorded first; the tick re-dispatches once Redis is back
        if outcome.stop_reason:
            return BatchResult(pause_reason=outcome.stop_reason, pause_all=outcome.pause_all)
        status, template_status = _state(announcement_id)
        if status != Announcement.Status.SENDING:
            return DONE
        if time.monotonic() >= deadline:
            return BatchResult(continue_after=0)


def urgent_waiting():
    """An urgent warning is approved (due at once) or being sent."""
    return Announcement.objects.filter(
        urgent=True, status__in=[Announcement.Status.APPROVED, Announcement.Status.SENDING]
    ).exists()


def _state(announcement_id):
    """``(status, template status)`` of the broadcast, in one query."""
    row = Announcement.objects.filter(pk=announcement_id).values_list("status", "template__status")
    return row.first() or ("", "")


def send_rows(rows, send_kwargs, versions=None, expires_at=None):
    """Send each claimed row once, paced by the shared limiter; never raises.

    ``expires_at`` (a POSIX timestamp) is the broadcast's "gültig bis": a row whose turn
    comes at or after it is expired, not sent, even within a step claimed before it.

    If the step itself breaks off (Redis, which holds the limiter and the pair gate, went
    away between two sends), the outcome still lists what was sent, so ``record`` keeps
    those messages instead of leaving the sweeper to send them again; the rows not yet tried
    are released and ``outcome.error`` tells the caller to stop. Only a row whose request
    was under way stays claimed for the sweeper. ``versions`` maps a row's language to
    its version's arguments (``AnnouncementVersion.send_kwargs``); others get German.
    """
    outcome, attempted = Outcome(), set()
    try:
        _send_rows(rows, send_kwargs, versions or {}, outcome, attempted, expires_at)
    except Exception as error:
        outcome.error = error
        settled = outcome.settled_ids() | attempted
        outcome.released.extend(row[0] for row in rows if row[0] not in settled)
    return outcome


def _send_rows(rows, send_kwargs, versions, outcome, attempted, expires_at):
    from subscribers.models import Subscriber

    subscriber_ids = {row[1] for row in rows if row[1] is not None}
    subscribers = Subscriber.objects.in_bulk(subscriber_ids)
    admitted = ratelimit.pair_gate().admit(subscriber_ids) if subscriber_ids else set()
    limiter = ratelimit.rate_limiter()
    backend = get_backend()
    group = _slot_group(limiter.rate, len(rows))
    pending = []
    for delivery_id, subscriber_id, attempts, *language in rows:
        subscriber = subscribers.get(subscriber_id)
        if subscriber is None:
            outcome.cancelled.append(delivery_id)  # opted out since the fan-out
        elif subscriber_id not in admitted:
            outcome.deferred.append(Deferred(_later(ratelimit.PAIR_INTERVAL_SECONDS), delivery_id))
        else:
            kwargs = versions.get(language[0] if language else "", send_kwargs)
            pending.append((delivery_id, subscriber, attempts, kwargs))
    window = send_window()
    send_by = time.monotonic() + window if window else None
    for start in range(0, len(pending), group):
        chunk = pending[start : start + group]
        reservation = limiter.reserve(len(chunk))
        for index, (delivery_id, subscriber, attempts, kwargs) in enumerate(chunk):
            late = send_by is not None and attempted and time.monotonic() > send_by
            if outcome.stop_reason or late:
                outcome.released.append(delivery_id)
                continue
            reservation.wait_for(index)
            if expires_at is not None and time.time() >= expires_at:
                outcome.expired.append(delivery_id)  # checked after the wait for a slot
                continue
            attempted.add(delivery_id)
            _send_one(backend, limiter, delivery_id, subscriber, attempts, kwargs, outcome)


def send_window():
    """Seconds after its claim by which a row's request must have left, or it is released.

    The sweeper dates a claim from the step's claim, not from its request. In a long step
    (slow answers, read timeouts) a row sent late could time out, be queued again by the
    sweeper before Meta's webhook settles it, and be sent twice. Sending only within half
    of what the grace period leaves after the timeouts keeps a request's whole life inside
    the grace period; released rows go back to the queue untouched, and each step sends
    at least one row. 0 (no limit) when the grace period does not even cover the timeouts.
    """
    timeouts = settings.WHATSAPP_CONNECT_TIMEOUT + settings.WHATSAPP_READ_TIMEOUT
    return max(0.0, settings.BROADCAST_CLAIM_GRACE_SECONDS - timeouts) / 2


def _slot_group(rate, count):
    """How many slots to reserve at once.

    A worker that is late for a reserved slot (a slow response) sends as soon as it can,
    closer to the next worker's slots; reserving one slot at a time at Meta's usual rates
    keeps the count in any one second at the limit. Above ``SINGLE_SLOT_RATE`` one round
    trip to Redis per message would cost throughput, so slots are reserved in groups.
    """
    if not rate:
        return count
    return 1 if rate <= SINGLE_SLOT_RATE else max(1, int(rate * SLOT_GROUP_SECONDS))


def _send_one(backend, limiter, delivery_id, subscriber, attempts, send_kwargs, outcome):
    try:
        result = backend.send_template(
            subscriber.recipient(), **send_kwargs, callback_data=str(delivery_id)
        )
    except AccountError as error:
        outcome.released.append(delivery_id)
        outcome.stop_reason, outcome.pause_all = _reason(error), True
    except RecipientError as error:
        outcome.failed.append(Failed(error.code, _reason(error), delivery_id))
        if error.code in statuses.UNDELIVERABLE_CODES:
            outcome.undeliverable.add(subscriber.pk)
    except PermanentError as error:  # RequestError and anything else permanent
        outcome.released.append(delivery_id)
        outcome.stop_reason = _reason(error)
    except TransientError as error:
        _transient(limiter, error, delivery_id, attempts, outcome)
    except WhatsAppError as error:  # ConfigurationError: our settings, not Meta
        outcome.released.append(delivery_id)
        outcome.stop_reason = _reason(error)
    else:
        outcome.sent.append(Sent(result.message_id, delivery_id))


def _transient(limiter, error, delivery_id, attempts, outcome):
    if isinstance(error, ThroughputError):
        limiter.slow_down()
    if error.code is None and error.http_status is None and not _surely_unsent(error):
        return  # may have reached Meta: the claim stays for the sweeper (see sweeper.py)
    limit = MAX_UNKNOWN_RETRIES if getattr(error, "unknown", False) else None
    if attempts >= min(filter(None, [limit, settings.BROADCAST_MAX_ATTEMPTS])):
        outcome.failed.append(Failed(error.code, _reason(error), delivery_id))
        return
    outcome.retry.append(
        Retry(_later(_retry_delay(error, attempts)), error.code, _reason(error), delivery_id)
    )


def _retry_delay(error, attempts):
    """Seconds until the next attempt (the table in ``whatsapp.retry``).

    131056 is Meta's pair limit: 4^n seconds, as it advises (4 s, 16 s, ... 1024 s from the
    fifth attempt on), no jitter. Anything else transient backs off exponentially from
    ``BROADCAST_RETRY_BASE_SECONDS`` with jitter, so rows that failed together (Meta down)
    do not come back together, but never sooner than Meta's ``Retry-After``.
    """
    if isinstance(error, PairRateLimitError):
        return backoff(attempts, base=4, factor=4, cap=1024)
    delay = backoff(
        attempts,
        base=settings.BROADCAST_RETRY_BASE_SECONDS,
        cap=settings.BROADCAST_RETRY_MAX_SECONDS,
        jitter=0.5,
    )
    return max(delay, error.retry_after or 0)


def _surely_unsent(error):
    """True when the request cannot have reached Meta (no connection was made)."""
    cause = error.__cause__
    if isinstance(cause, requests.ConnectTimeout):
        return True
    reason = getattr(cause.args[0], "reason", None) if cause is not None and cause.args else None
    return isinstance(reason, NewConnectionError)


def _reason(error):
    return (error.explanation or explain(error.code))[:500]


def _later(seconds):
    return timezone.now() + timedelta(seconds=seconds)


def record(outcome, now):
    """Write a step's results (``deliveries.record_step``), then what they make known.

    A status that arrived before its send response waits in ``UnmatchedStatus`` until the
    hash is stored: here.
    """
    deliveries.record_step(
        now,
        sent=outcome.sent,
        retry=outcome.retry,
        failed=outcome.failed,
        released=outcome.released,
        deferred=outcome.deferred,
        cancelled=outcome.cancelled,
        expired=outcome.expired,
    )
    if outcome.sent:
        statuses.match_unmatched([wamid_hash for wamid_hash, _ in outcome.sent])
    statuses.recount_undeliverable(outcome.undeliverable)
