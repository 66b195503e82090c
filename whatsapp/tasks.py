"""Queued and periodic work for the webhook event store: dispatch due events, purge."""

from celery import shared_task
from django.conf import settings

from titz_broadcast import queues

from . import dispatch


@shared_task(queue=queues.URGENT, ignore_result=True)
def dispatch_due_events():
    """Apply the statuses the webhook kept, and retry events whose receivers failed.

    Queued by the webhook and run by beat every few seconds. Urgent queue: a failed
    inbound "Stop" must not wait behind a broadcast, and the staff follow a broadcast's
    statuses while it sends. A run handles a bounded number of batches and then queues
    the next run, so a large backlog never occupies the worker for long. What is blocked
    (Redis down, another run draining) waits for beat instead of spinning.
    """
    result = dispatch.catch_up()
    if result.more:
        dispatch_due_events.apply_async()
    return result.dispatched


@shared_task(queue=queues.DEFAULT, ignore_result=True)
def purge_processed_events():
    """Delete handled (or given-up) events after ``WHATSAPP_EVENT_RETENTION_DAYS``."""
    return dispatch.purge(settings.WHATSAPP_EVENT_RETENTION_DAYS)
