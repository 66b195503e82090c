"""Retention: what the broadcast engine keeps only for a while, and when it goes.

Run by beat through ``privacy.tasks.purge_store`` (the store table ``privacy.stores``
names each function here, with its setting), never in the engine's own heartbeat: how
long to keep a row is a question of its own, and the tick must stay cheap.

``Delivery`` rows name a resident (Kennziffer, status times, read receipts): they are kept
``DELIVERY_RETENTION_DAYS`` after the broadcast finished. Before they go, the purge counts
them per announcement into ``DeliveryAggregate`` (``AGGREGATES``: one ``GROUP BY`` per
dimension), which ``stats`` reads from then on.

``UnmatchedStatus`` holds status webhooks for a message id no delivery knows yet, so that
a status arriving before the worker stored the send response is applied when the hash
appears (``engine.statuses``). Meta retries a webhook for up to 7 days: after that, a
status still unmatched never belonged to a broadcast (the automatic replies to residents
have statuses too) and is dropped (``UNMATCHED_STATUS_RETENTION_DAYS``).

The images and PDFs of finished announcements may show people; they are removed after
``ANNOUNCEMENT_MEDIA_RETENTION_DAYS`` (0, the default, keeps them for the archive).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.db.models.functions import Coalesce

from titz_broadcast.batches import delete_in_batches

from .models import Announcement, Delivery, DeliveryAggregate, UnmatchedStatus
from .services import ENDED

Dimension = DeliveryAggregate.Dimension


def _status_counts(deliveries):
    for row in deliveries.values("status").annotate(n=Count("pk")):
        yield row["status"], "", row["n"]


def _failure_counts(deliveries):
    rows = (
        deliveries.filter(status=Delivery.Status.FAILED)
        .values("error_code")
        .annotate(n=Count("pk"), title=Max("error_title"))
    )
    for row in rows:
        code = row["error_code"]
        yield "" if code is None else str(code), row["title"] or "", row["n"]


# dimension -> rows of (key, label, count) for one announcement's deliveries. A new
# dimension (topic, language, cost) is one entry here and one reader in ``stats``.
AGGREGATES = {
    Dimension.STATUS: _status_counts,
    Dimension.FAILURE: _failure_counts,
}


def finished_before(cutoff: datetime):
    """Announcements in an end state (``services.ENDED``: sent, failed, cancelled,
    expired, ...) whose sending ended before ``cutoff``."""
    return Announcement.objects.annotate(ended=Coalesce("finished_at", "cancelled_at")).filter(
        status__in=ENDED, ended__lt=cutoff
    )


def aggregate(announcement_id: int) -> bool:
    """Count an announcement's deliveries into ``DeliveryAggregate``, once; False if done.

    The counts are written before any row is deleted, and only while there are no
    aggregates yet: a purge interrupted between its batches resumes with the deletes and
    never counts the remaining rows a second time.
    """
    with transaction.atomic():
        locked = Announcement.objects.select_for_update().filter(pk=announcement_id)
        if not locked.exists():
            return False
        if DeliveryAggregate.objects.filter(announcement_id=announcement_id).exists():
            return False
        deliveries = Delivery.objects.filter(announcement_id=announcement_id)
        DeliveryAggregate.objects.bulk_create(
            DeliveryAggregate(
                announcement_id=announcement_id,
                dimension=dimension,
                key=key,
                label=label,
                count=count,
            )
            for dimension, rows in AGGREGATES.items()
            for key, label, count in rows(deliveries)
        )
    return True


def purge_deliveries(now: datetime) -> int:
    """Aggregate, then delete, the deliveries of broadcasts finished before the retention.

    One aggregation per announcement (a few ``GROUP BY``), then deletes in bounded batches.
    """
    cutoff = now - timedelta(days=settings.DELIVERY_RETENTION_DAYS)
    rows = Delivery.objects.filter(announcement_id=OuterRef("pk"))
    due = finished_before(cutoff).filter(Exists(rows))
    removed = 0
    for announcement_id in due.values_list("pk", flat=True):
        aggregate(announcement_id)
        removed += delete_in_batches(Delivery.objects.filter(announcement_id=announcement_id))
    return removed


def purge_unmatched_statuses(now: datetime) -> int:
    """Delete unmatched statuses received before the retention period; count them."""
    cutoff = now - timedelta(days=settings.UNMATCHED_STATUS_RETENTION_DAYS)
    return delete_in_batches(UnmatchedStatus.objects.filter(received_at__lt=cutoff))


def purge_media(now: datetime) -> int:
    """Remove the uploaded files of announcements finished before the retention; count them.

    The row stays (text, dates, statistics); only the file and its reference go. The file
    Meta holds under ``media_id`` expires there on its own (30 days).
    """
    days = settings.ANNOUNCEMENT_MEDIA_RETENTION_DAYS
    if days <= 0:
        return 0  # kept for the archive
    removed = 0
    due = finished_before(now - timedelta(days=days)).exclude(media="")
    for announcement in due.only("pk", "media").iterator(chunk_size=200):
        announcement.media.delete(save=False)
        Announcement.objects.filter(pk=announcement.pk).update(media="", media_id="")
        removed += 1
    return removed
