"""Purges of the stores the libraries keep: sessions (Django) and log-in attempts (axes).

Our own apps purge their stores themselves (``announcements.retention``,
``subscribers.retention``, ``audit.retention``, ``whatsapp.inbox.purge``); these two
tables belong to no app of ours, so their rule lives here. ``stores.STORES`` names both.
"""

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session

from titz_broadcast.batches import delete_in_batches


def purge_sessions(now: datetime) -> int:
    """Delete expired sessions (what ``clearsessions`` does, in bounded batches)."""
    return delete_in_batches(Session.objects.filter(expire_date__lt=now))


def purge_login_attempts(now: datetime) -> int:
    """Delete axes' records older than ``LOGIN_ATTEMPT_RETENTION_DAYS``; count them.

    Far longer than the lock-out (``AXES_COOLOFF_HOURS``), so no running lock-out is
    lifted. An attempt's expiration row goes with it (cascade).
    """
    cutoff = now - timedelta(days=settings.LOGIN_ATTEMPT_RETENTION_DAYS)
    return sum(
        delete_in_batches(model.objects.filter(attempt_time__lt=cutoff))
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
