"""The beat task that imports official warnings (routed in ``titz_broadcast.queues``).

``poll`` runs every ``NINA_POLL_SECONDS`` when ``NINA_ARS`` is set (settings.py adds the
beat entry only then; the task also returns at once without it). The importer decides and
carries out; this task records the import's health and writes to the approvers. It never
raises: a failed poll is counted (``health``), and the next poll is the retry.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from . import health, importer, notify
from .client import NinaClient, NinaError

logger = logging.getLogger(__name__)
# A poll is a dashboard and at most ``MAX_WARNINGS_PER_POLL`` details, each within
# ``NINA_TOTAL_TIMEOUT``; past this the next poll (minutes later) is the better retry.
POLL_SOFT_LIMIT_S = 120


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
    except Exception:  # a bug or an answer nobody foresaw: counted, never silent
        logger.exception("nina: poll failed unexpectedly")
        health.record_failure(_("The import failed unexpectedly; see the server log."))
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


@shared_task(
    name="nina.poll",
    ignore_result=True,
    soft_time_limit=POLL_SOFT_LIMIT_S,
    time_limit=POLL_SOFT_LIMIT_S + 30,
)
def poll():
    try:
        run_poll()
    except SoftTimeLimitExceeded:
        logger.warning("nina: poll stopped after %s s", POLL_SOFT_LIMIT_S)
        health.record_failure(_("NINA does not answer in time."))
