"""The beat task that imports official warnings (routed in ``titz_broadcast.queues``).

``poll`` runs every ``NINA_POLL_SECONDS`` when ``NINA_ARS`` is set (settings.py adds the
beat entry only then; the task also returns at once without it). The importer decides and
carries out; this task records the import's health and writes to the approvers. It never
raises: a failed poll is counted (``health``), and the next poll is the retry.
"""

import logging

from celery import shared_task
from django.conf import settings

from . import health, importer, notify
from .client import NinaClient, NinaError

logger = logging.getLogger(__name__)


def run_poll(client=None):
    """One poll: read, decide, apply, notify; returns the ``Applied`` results."""
    if not settings.NINA_ARS:
        return []
    client = client or NinaClient()
    try:
        plan = importer.plan(client, settings.NINA_ARS)
    except NinaError as error:
        logger.warning("nina: poll failed: %s", error)
        health.record_failure(str(error))
        return []
    applied = [importer.apply(decision) for decision in plan.decisions]
    if plan.errors:
        logger.warning("nina: poll partly failed: %s", "; ".join(plan.errors))
        health.record_failure(plan.errors[0])
    else:
        health.record_success()
    waiting = [a.announcement for a in applied if a.waiting and a.announcement is not None]
    notify.notify_waiting(waiting)
    for result in applied:
        if result.decision.action != "seen":
            logger.info(
                "nina: %s %s v%s", result.decision.action,
                result.decision.warning.identifier, result.decision.warning.version,
            )  # fmt: skip
    return applied


@shared_task(name="nina.poll", ignore_result=True)
def poll():
    run_poll()
