"""Queued and periodic work for the webhook event store: dispatch due events.

The only module of this app that queues Celery work: ``inbox`` (the logic) says what
should happen, the view and beat come here to have it queued. Queues are chosen by the
project's router (``titz_broadcast.queues.route``), by task name. The purge of old events
(``inbox.purge``) is run by ``privacy.tasks.purge_store``, with every other retention.
"""

import time

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import inbox, limits

# Per web process: when it last queued a dispatch of the deferred statuses (monotonic).
# Threads may race and queue two; the second finds little to do.
_last_queued = float("-inf")


def catch_up_soon():
    """Have a worker apply the statuses the request kept, once the request has committed.

    At most once per ``WHATSAPP_STATUS_BATCH_SECONDS`` per web process, and that run waits
    out the window, so the statuses of many POSTs are applied as one batch (``inbox``'s
    docstring). ``robust``: a broker outage must not turn a stored POST into an error;
    beat catches up.
    """
    transaction.on_commit(_queue_dispatch, robust=True)


def _queue_dispatch():
    global _last_queued
    window = settings.WHATSAPP_STATUS_BATCH_SECONDS
    now = time.monotonic()
    if now - _last_queued < window:
        return  # the queued dispatch runs after this commit and takes these statuses too
    _last_queued = now
    dispatch_due_events.apply_async(countdown=window)


@shared_task(name="whatsapp.tasks.dispatch_due_events", ignore_result=True)
def dispatch_due_events():
    """Apply the statuses the webhook kept, and retry events whose receivers failed.

    Queued by the webhook and run by beat every few seconds. Urgent queue (the router in
    ``titz_broadcast.queues``): a failed inbound "Stop" must not wait behind a broadcast,
    and the staff follow a broadcast's statuses while it sends. A run handles a bounded
    number of batches and then queues the next run, so a large backlog never occupies the
    worker for long. What is blocked (Redis down, another run draining) waits for beat
    instead of spinning.
    """
    result = inbox.catch_up()
    if result.more:
        dispatch_due_events.apply_async()
    return result.dispatched


def refresh_limits_soon():
    """Have a worker read the limits from Meta, once the request has committed."""
    transaction.on_commit(refresh_limits.delay, robust=True)


@shared_task(name="whatsapp.tasks.refresh_limits", ignore_result=True)
def refresh_limits():
    """Read the messaging limit, throughput and quality of our number from the Graph API.

    Queued at start-up (beat), by the account webhooks, and hourly by beat.
    """
    health = limits.refresh()
    return str(health) if health else None
