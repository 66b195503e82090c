"""Whether the import works: consecutive failed polls and since when.

One failed poll is a hiccup (NINA is slow now and then, and the client retried already);
from ``FAILURES_SHOWN`` on the overview says "Import gestört seit ...", so staff know
that warnings may be missing and watch the NINA app themselves meanwhile.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

import alerts.services

from .models import ImportHealth

FAILURES_SHOWN = 3
ALERT_KEY = "nina-import"  # raised (mailed, on the banner) from FAILURES_SHOWN on


def current():
    health, _created = ImportHealth.objects.get_or_create(pk=1)
    return health


def record_success(now=None):
    alerts.services.resolve(ALERT_KEY)
    ImportHealth.objects.update_or_create(
        pk=1,
        defaults={
            "consecutive_failures": 0,
            "failing_since": None,
            "last_error": "",
            "last_success_at": now or timezone.now(),
        },
    )


def record_failure(message, now=None):
    health = current()
    health.consecutive_failures += 1
    health.failing_since = health.failing_since or now or timezone.now()
    health.last_error = str(message)[:300]
    health.save()
    if health.consecutive_failures >= FAILURES_SHOWN:
        why = _(
            "Official warnings could not be fetched from NINA {count} times in a row, so "
            "warnings may be missing: watch the NINA app meanwhile. Last error: {error}"
        )
        alerts.services.raise_alert(
            ALERT_KEY,
            _("NINA import disturbed"),
            format_lazy(why, count=health.consecutive_failures, error=health.last_error),
            reverse("admin:index"),
        )
    return health


def disturbed_since():
    """When the import started failing, once it has failed often enough to say so."""
    health = ImportHealth.objects.filter(pk=1).first()
    if health is None or health.consecutive_failures < FAILURES_SHOWN:
        return None
    return health.failing_since
