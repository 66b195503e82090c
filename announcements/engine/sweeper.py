"""Stale claims: deliveries left in "sending" by a worker that died or lost its answer.

A delivery is claimed ("sending") before the request to Meta and settled after it. If the
worker is killed in between, or the request timed out after Meta may have accepted it,
nobody knows whether the resident got the message. Two kinds of evidence settle it: the
stored send response (``wamid_hash``) or a status webhook, which names the delivery in
``biz_opaque_callback_data`` and moves it to sent/delivered/read/failed. Only a claim
older than ``BROADCAST_CLAIM_GRACE_SECONDS`` (default 5 minutes, far longer than Meta
needs for the "sent" webhook) with neither is queued again. Status webhooks are applied
by a worker shortly after they arrive (``whatsapp.dispatch``), so after the workers were
down the evidence may still be waiting: the sweeper first applies every status received
so far, and waits for the next tick if that leaves a backlog.

The remaining window, honestly: if Meta accepted the message but its webhooks do not reach
us within the grace period (our endpoint down, Meta delayed), the resident gets the message
twice. Without the grace period a crash could instead lose the message, which is worse for
a warning service. A claim that keeps going stale is failed after
``BROADCAST_MAX_ATTEMPTS`` so that it cannot loop forever.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from whatsapp.dispatch import catch_up

from ..delivery_models import Delivery, UnmatchedStatus

logger = logging.getLogger(__name__)
UNMATCHED_RETENTION = timedelta(days=7)  # Meta retries webhooks for up to 7 days


def requeue_stale_claims(now):
    """Queue stale claims without evidence again; fail those out of attempts."""
    UnmatchedStatus.objects.filter(received_at__lt=now - UNMATCHED_RETENTION).delete()
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.BROADCAST_CLAIM_GRACE_SECONDS),
        wamid_hash__isnull=True,
    )
    if not stale.exists():
        return 0
    if not catch_up().complete:
        logger.warning("sweeper: status webhooks are still waiting to be applied, not sweeping")
        return 0
    failed = stale.filter(attempts__gte=settings.BROADCAST_MAX_ATTEMPTS).update(
        status=Delivery.Status.FAILED,
        failed_at=now,
        error_code=None,
        error_title=_("Versand unklar: keine Bestätigung von WhatsApp nach mehreren Versuchen."),
        updated_at=now,
    )
    requeued = stale.update(
        status=Delivery.Status.QUEUED, claimed_at=None, next_attempt_at=now, updated_at=now
    )
    if failed or requeued:
        logger.warning("sweeper: %s stale claims queued again, %s failed", requeued, failed)
    return requeued
