"""Whether the import works: consecutive failed polls and since when.

One failed poll is a hiccup (NINA is slow now and then, and the client retried already);
from ``FAILURES_SHOWN`` on the overview says "Import gestört seit ...", so staff know
that warnings may be missing and watch the NINA app themselves meanwhile.
"""

from django.utils import timezone

from .models import ImportHealth

FAILURES_SHOWN = 3


def current():
    health, _created = ImportHealth.objects.get_or_create(pk=1)
    return health


def record_success(now=None):
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
    return health


def disturbed_since():
    """When the import started failing, once it has failed often enough to say so."""
    health = ImportHealth.objects.filter(pk=1).first()
    if health is None or health.consecutive_failures < FAILURES_SHOWN:
        return None
    return health.failing_since
