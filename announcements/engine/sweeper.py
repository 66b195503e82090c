"""Stale claims: deliveries left in "sending" by a worker that died or lost its answer.

A delivery is claimed ("sending") before the request to Meta and settled after it. If the
worker is killed in between, or the request timed out after Meta may have accepted it,
nobody knows whether the resident got the message. Two kinds of evidence settle it: the
stored send response (``wamid_hash``) or a status webhook, which names the delivery in
``biz_opaque_callback_data`` and moves it to sent/delivered/read/failed. Only a claim
older than ``BROADCAST_CLAIM_GRACE_SECONDS`` (default 5 minutes, far longer than Meta
needs for the "sent" webhook) with neither is queued again. Status webhooks are applied
by a worker of the whatsapp app shortly after they arrive (``whatsapp.inbox``, run by its
own beat task), so after the workers were down the evidence may still be waiting: while
``whatsapp.inbox.statuses_waiting()`` says so, the sweeper judges nothing and leaves it to
a later tick, once those statuses are applied. It never applies them itself: the
webhook's receivers are the whatsapp app's to run, not the broadcast engine's.

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

from whatsapp.inbox import statuses_waiting

from . import deliveries

logger = logging.getLogger(__name__)


def requeue_stale_claims(now):
    """Queue stale claims without evidence again; fail those out of attempts.

    Returns the number queued again; 0 also when status webhooks still wait to be applied
    (the next tick tries again).
    """
    stale = deliveries.stale_claims(now - timedelta(seconds=settings.BROADCAST_CLAIM_GRACE_SECONDS))
    if not stale.exists():
        return 0
    if statuses_waiting():
        logger.warning("sweeper: status webhooks are still waiting to be applied, not sweeping")
        return 0
    failed = deliveries.give_up_stale(
        stale.filter(attempts__gte=settings.BROADCAST_MAX_ATTEMPTS),
        now,
        _("Delivery uncertain: no confirmation from WhatsApp after several attempts."),
    )
    requeued = deliveries.requeue_stale(stale, now)
    if failed or requeued:
        logger.warning("sweeper: %s stale claims queued again, %s failed", requeued, failed)
    return requeued
