"""Retention of the staff audit log: entries go after ``AUDIT_LOG_RETENTION_DAYS``.

With them goes Django's own change history of the admin (``admin.LogEntry``), which names
the same people and objects.

The log is append-only for everything else (``models.AuditEntryQuerySet``); this purge is
the one way out, run by beat through ``privacy.tasks.purge_store`` (the store table,
``privacy.stores``, names it). Two years by default: long enough to answer for a
broadcast or an erasure, not a permanent record of every employee's clicks.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry

from titz_broadcast.batches import delete_in_batches

from .models import AuditEntry


def purge_audit_log(now: datetime) -> int:
    """Delete entries (and admin history) older than the retention period; count them."""
    cutoff = now - timedelta(days=settings.AUDIT_LOG_RETENTION_DAYS)
    return delete_in_batches(AuditEntry.objects.filter(at__lt=cutoff)) + delete_in_batches(
        LogEntry.objects.filter(action_time__lt=cutoff)
    )
