"""Retention: what the broadcast engine keeps only for a while, and when it goes.

Run by beat like the other apps' purges (``subscribers.retention``, the webhook event
store's ``whatsapp.inbox.purge``), never in the engine's own heartbeat: how long to keep
a row is a question of its own, and the tick must stay cheap.

``UnmatchedStatus`` holds status webhooks for a message id no delivery knows yet, so that
a status arriving before the worker stored the send response is applied when the hash
appears (``engine.statuses``). Meta retries a webhook for up to 7 days: after that, a
status still unmatched never belonged to a broadcast (the automatic replies to residents
have statuses too) and is dropped.
"""

from datetime import datetime, timedelta

from .models import UnmatchedStatus

UNMATCHED_RETENTION = timedelta(days=7)


def purge_unmatched_statuses(now: datetime) -> int:
    """Delete unmatched statuses received more than ``UNMATCHED_RETENTION`` ago; count them.

    One ``DELETE`` (the model has no relations or signals to collect), on the index of
    ``received_at``.
    """
    deleted, _ = UnmatchedStatus.objects.filter(received_at__lt=now - UNMATCHED_RETENTION).delete()
    return deleted
