"""Periodic work for the webhook event store: retry failed dispatches, purge old rows."""

from celery import shared_task
from django.conf import settings

from titz_broadcast import queues

from . import dispatch


@shared_task(queue=queues.URGENT, ignore_result=True)
def retry_failed_events():
    """Re-dispatch events whose receivers failed (or whose web process died).

    Urgent queue: a failed inbound "Stop" must not wait behind a broadcast. Each run
    handles at most a few batches so a poisoned backlog cannot occupy the worker; the
    next run 30 s later continues.
    """
    total = 0
    for _ in range(5):
        handled = dispatch.retry_due()
        total += handled
        if handled < dispatch.RETRY_BATCH:
            break
    return total


@shared_task(queue=queues.DEFAULT, ignore_result=True)
def purge_processed_events():
    """Delete handled (or given-up) events after ``WHATSAPP_EVENT_RETENTION_DAYS``."""
    return dispatch.purge(settings.WHATSAPP_EVENT_RETENTION_DAYS)
