"""The retention purge task: beat runs it once per store (``CELERY_BEAT_SCHEDULE``).

One task with the store's key as argument, so every store is purged, recorded and routed
the same way (``titz_broadcast.queues``: the default queue, after broadcasts' urgent work).
"""

from celery import shared_task

from . import runs


@shared_task(name="privacy.purge_store", ignore_result=True)
def purge_store(key: str) -> int:
    """Purge one store of ``privacy.stores.STORES``; the number of rows removed."""
    return runs.run(key).removed
