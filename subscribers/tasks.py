"""Celery tasks: replies to residents, and the coalesced topic choices' log entries.

The only module of this app that queues Celery work; queues are chosen by the project's
router (``titz_broadcast.queues.route``), by task name. The retention purges
(``retention``) are run by ``privacy.tasks.purge_store``, with every other store's.
"""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from whatsapp import get_backend, ratelimit
from whatsapp.exceptions import PermanentError, TransientError
from whatsapp.numbers import calling_code

from . import topics
from .checkpoints import nightly_check
from .crypto import decrypt_identity
from .models import SentReply
from .replies import Reply

logger = logging.getLogger(__name__)


def send_replies(replies: list[Reply]) -> None:
    """Queue ``send_reply`` for each answer once the current transaction has committed.

    A rolled-back opt-in sends nothing. The broker only ever sees the encrypted identity.
    Replies have their own queue, consumed after the urgent one: a resident waiting for
    "angemeldet" must not wait behind a broadcast to thousands, and a flood of answers
    must not delay a warning.
    """
    for reply in replies:
        transaction.on_commit(
            lambda reply=reply: send_reply.apply_async(
                (reply.token, reply.body, reply.interactive, reply.kind)
            ),
            robust=True,
        )


@shared_task(
    name="subscribers.tasks.send_reply",
    autoretry_for=(TransientError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def send_reply(
    recipient_token: str, body: str, interactive: dict | None = None, kind: str = "other"
) -> None:
    """Send a free-form text; the resident has just written, so the 24-hour window is open.

    The number is decrypted here, in the worker, so it never travels through the broker.
    A reply takes a slot of the number's rate limit like a broadcast message: Meta counts
    both. A permanent error is logged (without the number) and dropped: retrying cannot help.
    ``interactive`` (a list or buttons around ``body``) goes out as such. Each sent reply
    is recorded (``SentReply``: the hashed wamid, ``kind``), so what Meta bills for it counts.
    """
    ratelimit.take_token()
    try:
        to = decrypt_identity(recipient_token)
        if interactive:
            result = get_backend().send_interactive(to, interactive)
        else:
            result = get_backend().send_text(to, body)
        SentReply.objects.get_or_create(
            wamid_hash=result.message_id,
            defaults={"kind": kind, "calling_code": calling_code(to), "sent_at": timezone.now()},
        )
    except PermanentError as error:
        logger.warning("reply not sent: WhatsApp error %s (%s)", error.code, type(error).__name__)


@shared_task(name="subscribers.nightly_consent_check")
def nightly_consent_check() -> bool:
    """Beat's nightly run of ``checkpoints.nightly_check``; False when the log is broken."""
    return nightly_check().ok


@shared_task(name="subscribers.tasks.log_topic_choices")
def log_topic_choices() -> int:
    """Beat: log the topic choices of residents who stopped tapping (``topics.log_pending``)."""
    with transaction.atomic():
        return topics.log_pending()
