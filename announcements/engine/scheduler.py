"""Which broadcasts run, and which batch tasks carry them.

The database is the source of truth, the broker only a means of transport. Every few
seconds ``tick`` (Celery beat) looks at the rows: it starts approved broadcasts whose time
has come, hands out retries that became due, re-dispatches a broadcast whose batch tasks
went missing (a lost broker message, a Redis restart), sweeps stale claims and finishes
broadcasts with nothing left to send. A lost or duplicated task therefore costs a few
seconds, never a message: batch tasks only send rows they claimed themselves.

Each broadcast runs as ``BROADCAST_LANES`` batch tasks over contiguous id ranges of its
deliveries. A batch task re-enqueues itself every ``BROADCAST_TASK_SECONDS``, so the
broker never holds more than a few messages per broadcast and an urgent warning, on its
own queue, reaches a worker within seconds.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from titz_broadcast import queues

from .. import services
from ..delivery_models import Delivery
from ..models import Announcement
from . import fanout, statuses, sweeper

logger = logging.getLogger(__name__)
Status = Announcement.Status
MAX_STARTS_PER_TICK = 20
DISPATCH_MEMORY_SECONDS = 24 * 3600


def stall_seconds():
    """No claim for this long while rows are due means the batch tasks are gone."""
    return max(10.0, 5 * settings.BROADCAST_TASK_SECONDS)


def queue_for(urgent):
    return queues.URGENT if urgent else queues.DEFAULT


def start_due_announcements(now=None):
    """Start approved broadcasts whose time has come; returns their ids.

    Each start is one transaction: lock the announcement (``SKIP LOCKED`` on PostgreSQL,
    so a second beat takes the next one or none; SQLite serialises writers anyway), create
    the deliveries, mark it sending. Urgent ones first.
    """
    now = now or timezone.now()
    started = []
    for _ in range(MAX_STARTS_PER_TICK):
        with transaction.atomic():
            due = Announcement.objects.filter(
                Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now), status=Status.APPROVED
            ).order_by("-urgent", "approved_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            announcement = due.first()
            if announcement is None:
                break
            created = fanout.create_deliveries(announcement, now)
            services.start_sending(announcement)
            transaction.on_commit(lambda a=announcement: dispatch(a.pk, a.urgent))
        logger.info("announcement %s: started, %s deliveries", announcement.pk, created)
        started.append(announcement.pk)
    return started


def dispatch(announcement_id, urgent=False):
    """Enqueue the batch tasks (lanes) that cover the broadcast's due queued deliveries."""
    from ..tasks import send_batch

    now = timezone.now()
    bounds = Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        announcement_id=announcement_id,
        status=Delivery.Status.QUEUED,
    ).aggregate(lo=Min("id"), hi=Max("id"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None:
        finish_if_done(announcement_id)
        return 0
    lanes = max(1, min(settings.BROADCAST_LANES, hi - lo + 1))
    width = -(-(hi - lo + 1) // lanes)
    cache.set(_dispatched_key(announcement_id), now, timeout=DISPATCH_MEMORY_SECONDS)
    for lane in range(lanes):
        first = lo + lane * width
        send_batch.apply_async(
            (announcement_id, first, min(hi, first + width - 1), urgent), queue=queue_for(urgent)
        )
    return lanes


def finish_if_done(announcement_id):
    """Sending → sent / partly failed / failed once no delivery is queued or in flight."""
    pending = Delivery.objects.filter(
        announcement_id=announcement_id,
        status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING],
    )
    if pending.exists():
        return False
    announcement = Announcement.objects.filter(pk=announcement_id, status=Status.SENDING).first()
    if announcement is None:
        return False
    try:
        services.finish_sending(announcement)
    except services.TransitionError:
        return False  # paused, stopped or finished by someone else meanwhile
    return True


def pause(announcement_ids, reason):
    """The engine pauses broadcasts itself (account or request errors) and says why."""
    for announcement in Announcement.objects.filter(pk__in=announcement_ids, status=Status.SENDING):
        try:
            services.pause(announcement, None, reason)
        except services.TransitionError:
            continue
        logger.warning("announcement %s: paused by the engine: %s", announcement.pk, reason)


def pause_all(reason):
    """An account-level error stops every running broadcast: all would fail the same way."""
    pause(Announcement.objects.filter(status=Status.SENDING).values_list("pk", flat=True), reason)


def _dispatched_key(announcement_id):
    return f"announcements:dispatched:{announcement_id}"


def _keep_running(announcement, now):
    """Hand out due retries, or dispatch a broadcast that has no batch tasks at work.

    That is one never dispatched (the start's message was lost), one resumed since its last
    dispatch (``updated_at`` is set by every transition), or one without a claim for
    ``stall_seconds()`` (tasks lost with a broker or worker).
    """
    due_retries = Delivery.objects.filter(
        announcement_id=announcement.pk,
        status=Delivery.Status.QUEUED,
        next_attempt_at__lte=now,
    ).update(next_attempt_at=None, updated_at=now)
    if due_retries:
        dispatch(announcement.pk, announcement.urgent)
        return
    ready = Delivery.objects.filter(
        announcement_id=announcement.pk,
        status=Delivery.Status.QUEUED,
        next_attempt_at__isnull=True,
    )
    if not ready.exists():
        finish_if_done(announcement.pk)
        return
    last_dispatch = cache.get(_dispatched_key(announcement.pk))
    if last_dispatch is not None and announcement.updated_at <= last_dispatch:
        stall = timedelta(seconds=stall_seconds())
        last_claim = Delivery.objects.filter(announcement_id=announcement.pk).aggregate(
            last=Max("claimed_at")
        )["last"]
        if max(filter(None, [last_claim, last_dispatch])) > now - stall:
            return  # the batch tasks are at work (or were just sent off)
        logger.warning("announcement %s: no progress, re-dispatching", announcement.pk)
    dispatch(announcement.pk, announcement.urgent)


def tick(now=None):
    """The periodic heartbeat of the engine (see the module docstring)."""
    now = now or timezone.now()
    sweeper.requeue_stale_claims(now)
    start_due_announcements(now)
    for announcement in Announcement.objects.filter(status=Status.SENDING).only(
        "pk", "urgent", "updated_at"
    ):
        _keep_running(announcement, now)
    Delivery.objects.filter(
        announcement__status=Status.CANCELLED, status=Delivery.Status.QUEUED
    ).update(status=Delivery.Status.CANCELLED, updated_at=now)
    statuses.match_unmatched()
