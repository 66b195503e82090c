"""Celery tasks of the delivery engine; the logic lives in ``announcements.engine``.

``tick`` runs every ``BROADCAST_TICK_SECONDS`` on the urgent queue, so a long broadcast on
the default queue never delays starting the next warning.
"""

from celery import shared_task

from .engine import dispatch, sending


@shared_task(name="announcements.send_batch")
def send_batch(announcement_id, lo, hi, urgent=False):
    """Send a broadcast's due deliveries with ids in ``[lo, hi]``; continue in a new task."""
    countdown = sending.run_batch(announcement_id, lo, hi)
    if countdown is not None:
        send_batch.apply_async(
            (announcement_id, lo, hi, urgent), queue=dispatch.queue_for(urgent), countdown=countdown
        )


@shared_task(name="announcements.tick", ignore_result=True)
def tick():
    dispatch.tick()
