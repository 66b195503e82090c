"""Run one store's purge and record the run (``PurgeRun``): date, rows removed, failure.

The record is what the Löschkonzept shows as "last run": a purge that stopped running
(beat down, a failing query) is visible there, not only in a log nobody reads.
"""

import logging

from django.utils import timezone

from .models import PurgeRun
from .stores import BY_KEY

logger = logging.getLogger(__name__)


def run(key: str, now=None) -> PurgeRun:
    """Purge the store ``key`` as of ``now``; the recorded run. A failure is recorded, then
    raised again (the task fails visibly, the next beat run tries again)."""
    store = BY_KEY[key]
    now = now or timezone.now()
    record = PurgeRun.objects.create(store=key, started_at=timezone.now())
    try:
        record.removed = store.run_purge(now)
    except Exception as error:
        record.error = type(error).__name__
        raise
    finally:
        record.finished_at = timezone.now()
        record.save(update_fields=["removed", "error", "finished_at"])
    logger.info("retention %s: %s rows removed", key, record.removed)
    return record


def last_runs() -> dict[str, PurgeRun]:
    """The latest run of each store, ``{key: run}`` (one query per store, on an index)."""
    runs = {}
    for key in BY_KEY:
        latest = PurgeRun.objects.filter(store=key).order_by("-started_at", "-id").first()
        if latest is not None:
            runs[key] = latest
    return runs
