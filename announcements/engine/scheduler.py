"""Which broadcasts run, and the lanes (batch tasks) that carry them.

The database is the source of truth, the broker only a means of transport. Every few
seconds ``tick`` (Celery beat) looks at the rows: it starts approved broadcasts whose time
has come, hands out retries that became due, re-dispatches a broadcast whose batch tasks
went missing (a lost broker message, a Redis restart), sweeps stale claims and finishes
broadcasts with nothing left to send. A lost or duplicated task therefore costs a few
seconds, never a message: batch tasks only send rows they claimed themselves.

Each broadcast runs as ``BROADCAST_LANES`` batch tasks over contiguous id ranges of its
deliveries (``Lane``). A batch task re-enqueues itself every ``BROADCAST_TASK_SECONDS``,
so the broker never holds more than a few messages per broadcast and an urgent warning,
on its own queue, reaches a worker within seconds.

This module decides, it never enqueues: ``tick`` returns a ``TickResult`` whose lanes
``announcements.tasks`` sends off as batch tasks once the tick is done (the project's
router puts an urgent lane on the urgent queue). When lanes were last handed out is
recorded on the announcement (``lanes_dispatched_at``) before they are returned, in the
database, so every worker process and beat see the same answer. Should the lanes then
not reach the broker, the broadcast makes no progress, and the tick re-dispatches it
after ``stall_seconds()``. A broadcast's image or PDF is uploaded right after its start,
before its lanes exist (``attachment``). Announcement status changes go through
``announcements.services`` (audited); delivery status changes through ``deliveries``.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from .. import services
from ..models import Announcement, Delivery
from . import attachment, deliveries, fanout, statuses, sweeper

logger = logging.getLogger(__name__)
Status = Announcement.Status
MAX_STARTS_PER_TICK = 20


class Lane(NamedTuple):
    """One batch task's share of a broadcast: its due deliveries with ids in ``[lo, hi]``."""

    announcement_id: int
    lo: int
    hi: int
    urgent: bool


@dataclass(frozen=True)
class TickResult:
    """What a tick decided: the lanes to start, in order (urgent broadcasts' first)."""

    lanes_to_start: list[Lane] = field(default_factory=list)
    started: list[int] = field(default_factory=list)  # broadcasts started by this tick
    requeued: int = 0  # stale claims the sweeper queued again


def stall_seconds():
    """No claim for this long while rows are due means the batch tasks are gone."""
    return max(10.0, 5 * settings.BROADCAST_TASK_SECONDS)


def start_due_announcements(now=None):
    """Start approved broadcasts whose time has come; returns their ids.

    Each start is one transaction: lock the announcement (``SKIP LOCKED`` on PostgreSQL,
    so a second beat takes the next one or none; SQLite serialises writers anyway), create
    the deliveries, mark it sending. Urgent ones first. No lane is handed out here:
    ``tick`` plans each broadcast's lanes right after its start, and a broadcast started
    without them (as tests and benchmarks do) gets them from the next tick.
    """
    return [announcement.pk for announcement in _start_due(now or timezone.now())]


def _start_due(now):
    """Start due broadcasts one by one, yielding each once its start has committed."""
    for _ in range(MAX_STARTS_PER_TICK):
        with transaction.atomic():
            due = Announcement.objects.filter(
                Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now), status=Status.APPROVED
            ).order_by("-urgent", "approved_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            announcement = due.first()
            if announcement is None:
                return
            created = fanout.create_deliveries(announcement, now)
            services.start_sending(announcement)
        logger.info("announcement %s: started, %s deliveries", announcement.pk, created)
        yield announcement


def plan_lanes(announcement_id, urgent=False):
    """The lanes that cover the broadcast's due queued deliveries, recorded as handed out.

    With none due, the broadcast may be done (``finish_if_done``) and there is no lane.
    """
    now = timezone.now()
    bounds = Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        announcement_id=announcement_id,
        status=deliveries.QUEUED,
    ).aggregate(lo=Min("id"), hi=Max("id"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None:
        finish_if_done(announcement_id)
        return []
    count = max(1, min(settings.BROADCAST_LANES, hi - lo + 1))
    width = -(-(hi - lo + 1) // count)
    # Not a transition: ``updated_at`` stays, so a resume after this still shows as newer.
    Announcement.objects.filter(pk=announcement_id).update(lanes_dispatched_at=now)
    firsts = [lo + lane * width for lane in range(count)]
    return [Lane(announcement_id, first, min(hi, first + width - 1), urgent) for first in firsts]


def finish_if_done(announcement_id):
    """Sending → sent / partly failed / failed once no delivery is queued or in flight."""
    pending = Delivery.objects.filter(announcement_id=announcement_id, status__in=deliveries.OPEN)
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
        services.alert_paused(announcement, reason)


def pause_all(reason):
    """An account-level error stops every running broadcast: all would fail the same way."""
    pause(Announcement.objects.filter(status=Status.SENDING).values_list("pk", flat=True), reason)


def _keep_running(announcement, now):
    """Lanes for due retries, or for a broadcast that has no batch tasks at work.

    That is one never dispatched (the start's lanes were lost), one resumed since its last
    dispatch (``updated_at`` is set by every transition), or one without a claim for
    ``stall_seconds()`` (tasks lost with a broker or worker).
    """
    due_retries = Delivery.objects.filter(
        announcement_id=announcement.pk,
        status=deliveries.QUEUED,
        next_attempt_at__lte=now,
    ).update(next_attempt_at=None, updated_at=now)
    if due_retries:
        return plan_lanes(announcement.pk, announcement.urgent)
    ready = Delivery.objects.filter(
        announcement_id=announcement.pk,
        status=deliveries.QUEUED,
        next_attempt_at__isnull=True,
    )
    if not ready.exists():
        finish_if_done(announcement.pk)
        return []
    last_dispatch = announcement.lanes_dispatched_at
    if last_dispatch is not None and announcement.updated_at <= last_dispatch:
        stall = timedelta(seconds=stall_seconds())
        last_claim = Delivery.objects.filter(announcement_id=announcement.pk).aggregate(
            last=Max("claimed_at")
        )["last"]
        if max(filter(None, [last_claim, last_dispatch])) > now - stall:
            return []  # the batch tasks are at work (or were just sent off)
        logger.warning("announcement %s: no progress, re-dispatching", announcement.pk)
    return plan_lanes(announcement.pk, announcement.urgent)


def expire_due(now):
    """Stop what has passed its "gültig bis": nothing of it is sent from now on.

    Queued deliveries become "expired" in one UPDATE per announcement (the sweeper's
    re-queues and due retries too: it runs every tick while the broadcast is open); a
    running broadcast then finishes as "abgelaufen" once its claims in flight are settled
    (``services.finish_sending``), one not started yet is expired at once. The claim
    refuses rows of an expired broadcast meanwhile (``deliveries.claim``). Returns the ids
    of the announcements looked at.
    """
    due = Announcement.objects.filter(
        valid_until__lte=now, status__in=[*services.ACTIONS["expire"].sources, Status.SENDING]
    )
    seen = []
    for announcement in due.only("pk", "status", "valid_until", "title"):
        seen.append(announcement.pk)
        expired = deliveries.expire_queued(announcement.deliveries.all(), now)
        if expired:
            logger.info("announcement %s: %s deliveries expired", announcement.pk, expired)
        if announcement.status == Status.SENDING:
            finish_if_done(announcement.pk)
            continue
        try:
            services.expire(announcement)
        except services.TransitionError:
            continue  # moved on meanwhile (approved and started, cancelled)
    return seen


def tick(now=None):
    """The periodic heartbeat of the engine (see the module docstring)."""
    now = now or timezone.now()
    requeued = sweeper.requeue_stale_claims(now)
    expire_due(now)
    lanes, started = [], []
    for announcement in _start_due(now):
        started.append(announcement.pk)
        media_state = attachment.prepare(announcement)  # once, before the lanes exist
        if media_state.pause_all:
            pause_all(media_state.pause_reason)
            continue
        if media_state.pause_reason:
            pause([announcement.pk], media_state.pause_reason)
        if not media_state.ok:
            # As if lanes had gone out: after ``stall_seconds()`` the tick hands out lanes,
            # and they try the upload again (``_keep_running``).
            waited = timezone.now()  # after the start's own updated_at
            Announcement.objects.filter(pk=announcement.pk).update(lanes_dispatched_at=waited)
            continue
        lanes += plan_lanes(announcement.pk, announcement.urgent)
    for announcement in Announcement.objects.filter(status=Status.SENDING).only(
        "pk", "urgent", "updated_at", "lanes_dispatched_at"
    ):
        lanes += _keep_running(announcement, now)
    deliveries.cancel_queued(Delivery.objects.filter(announcement__status=Status.CANCELLED), now)
    statuses.match_unmatched()
    return TickResult(lanes_to_start=lanes, started=started, requeued=requeued)
