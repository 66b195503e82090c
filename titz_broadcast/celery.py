"""The Celery app; configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "titz_broadcast.settings")

app = Celery("titz_broadcast")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_misconfiguration(**kwargs):
    import django

    django.setup()  # idempotent; beat has not set Django up yet at this point
    from .startup import refuse_misconfiguration

    refuse_misconfiguration()


@beat_init.connect
def _read_limits_from_meta(**kwargs):
    """At start-up: Meta's messaging limit and throughput replace the settings' guess."""
    from whatsapp.tasks import refresh_limits_soon

    refresh_limits_soon()
