"""Retention: consent events are kept for ``CONSENT_LOG_RETENTION_DAYS`` after an opt-out.

Run by beat through ``privacy.tasks.purge_store``; ``privacy.stores`` names each purge.

An opted-out subscription's events (identified by its Kennziffer, which is never reused)
are removed once its opt-out is older than the retention period. Events of residents who
are still subscribed are never purged: they are the proof of a current consent. The
removed rows leave gaps in the chain, so one ``checkpoint`` row, appended in the same
transaction, records each gap's last hash; ``chain.verify`` bridges exactly those gaps.
The same transaction signs that row with the gaps (``checkpoints.sign``): only gaps a
signed checkpoint attests count when the log or an export is verified.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction

from titz_broadcast.batches import delete_in_batches

from . import chain, checkpoints, replies
from .models import (
    ChainHead,
    ConsentEvent,
    ProcessedMessage,
    SentReply,
    SignedCheckpoint,
    Subscriber,
)

Action = ConsentEvent.Action
CHUNK = 1000
# Meta redelivers a webhook for up to 7 days; remember handled ids a little longer.
PROCESSED_MESSAGE_DAYS = 8


def purge_consent_log(now: datetime) -> int:
    """Remove events of subscriptions that ended before the retention period; count them.

    All in one transaction with the chain head locked: a crash cannot leave gaps without
    the checkpoint that explains them.
    """
    cutoff = now - timedelta(days=settings.CONSENT_LOG_RETENTION_DAYS)
    with transaction.atomic():
        ChainHead.objects.select_for_update().filter(pk=1).first()
        ended = set(
            ConsentEvent.objects.filter(action=Action.OPT_OUT, occurred_at__lt=cutoff)
            .exclude(subscriber_code__in=Subscriber.objects.values("code"))
            .values_list("subscriber_code", flat=True)
        )
        doomed = []
        codes = sorted(ended)
        for start in range(0, len(codes), CHUNK):
            doomed += ConsentEvent.objects.filter(
                subscriber_code__in=codes[start : start + CHUNK]
            ).values_list("seq", "hash")
        if not doomed:
            return 0
        doomed.sort()
        gaps = []
        for seq, row_hash in doomed:
            if gaps and gaps[-1][1] == seq - 1:
                gaps[-1][1:] = [seq, row_hash]
            else:
                gaps.append([seq, seq, row_hash])
        for start in range(0, len(doomed), CHUNK):
            seqs = [seq for seq, _ in doomed[start : start + CHUNK]]
            # A plain QuerySet: the model's own manager refuses deletes outside this purge.
            models.QuerySet(ConsentEvent).filter(seq__in=seqs).delete()
        row = chain.append(
            Action.CHECKPOINT,
            occurred_at=now,
            source="retention",
            details={"purged": len(doomed), "before": chain.format_time(cutoff), "gaps": gaps},
        )
        checkpoints.sign(row.seq, SignedCheckpoint.Kind.RETENTION, now=now, gaps=gaps)
    return len(doomed)


def purge_bookkeeping(now: datetime) -> int:
    """Forget handled message ids and sent replies' records after Meta's redelivery
    period, and expired throttles."""
    processed = delete_in_batches(
        ProcessedMessage.objects.filter(
            processed_at__lt=now - timedelta(days=PROCESSED_MESSAGE_DAYS)
        )
    )
    # Sent replies' records: their statuses come within the same redelivery period.
    sent = delete_in_batches(
        SentReply.objects.filter(sent_at__lt=now - timedelta(days=PROCESSED_MESSAGE_DAYS))
    )
    # The reply throttle knows its own longest period (the daily cap's window included).
    throttles = delete_in_batches(replies.expired(now))
    return processed + sent + throttles
