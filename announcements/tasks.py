"""Celery tasks of the delivery engine: they carry out what ``announcements.engine`` decides.

The engine's modules never queue work, nor import this module: ``scheduler.tick`` returns
the lanes to start and ``sending.run_batch`` what its lane does next, and the tasks here
send those messages and apply those decisions. No queue is named here: the project's
router (``titz_broadcast.queues``) runs ``tick`` on the urgent queue, so a long broadcast
on the default queue never delays starting the next warning, and a batch task on the
urgent queue when its fourth argument, ``urgent``, is true.
"""

from celery import shared_task

from . import staging, template_sync
from .engine import scheduler, sending


def start_lanes(lanes):
    """One batch task per lane, ``urgent`` as its fourth argument for the router."""
    for lane in lanes:
        send_batch.apply_async((lane.announcement_id, lane.lo, lane.hi, lane.urgent))


def run_tick(now=None):
    """One heartbeat: the scheduler decides, then its lanes go out (``now`` for tests)."""
    result = scheduler.tick(now)
    start_lanes(result.lanes_to_start)
    return result


@shared_task(name="announcements.send_batch")
def send_batch(announcement_id, lo, hi, urgent=False):
    """Send a broadcast's due deliveries with ids in ``[lo, hi]``; continue in a new task."""
    result = sending.run_batch(announcement_id, lo, hi)
    if result.pause_reason:
        if result.pause_all:
            scheduler.pause_all(result.pause_reason)
        else:
            scheduler.pause([announcement_id], result.pause_reason)
    elif result.drained:
        scheduler.finish_if_done(announcement_id)
    elif result.continue_after is not None:
        send_batch.apply_async((announcement_id, lo, hi, urgent), countdown=result.continue_after)


@shared_task(name="announcements.tick", ignore_result=True)
def tick():
    run_tick()


@shared_task(name="announcements.purge_staged_uploads", ignore_result=True)
def purge_staged_uploads():
    """Drop uploads kept for forms that were never corrected (``staging``)."""
    return staging.purge()


@shared_task(name="announcements.sync_templates", ignore_result=True)
def sync_templates():
    """Read the templates from Meta: the safety net for a missed template webhook."""
    return template_sync.sync_templates()
