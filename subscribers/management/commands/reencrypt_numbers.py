"""``manage.py reencrypt_numbers``: re-encrypt everything sealed with an older key.

Key rotation: put the new key first in ``NUMBER_ENCRYPTION_KEYS``, keep the old ones,
deploy, run this, then remove the old keys. It covers every place an encrypted number
rests: subscribers (in pages by primary key, each page one short transaction, so it can
run while residents keep subscribing); the status intake in Redis, which is drained into
the event store first; and the events waiting there. Replies queued in the broker carry
a token encrypted with the key of the moment; they are sent within seconds, so the
command reports the queued ones and the old key may go once that count is zero.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from subscribers.crypto import reencrypt
from subscribers.models import Subscriber
from titz_broadcast import queues
from whatsapp import inbox, store

PAGE = 500


class Command(BaseCommand):
    help = "Re-encrypt all subscribers' numbers and user ids with the first encryption key."

    def handle(self, **options):
        last, done = 0, 0
        while True:
            with transaction.atomic():
                page = list(
                    Subscriber.objects.select_for_update()
                    .filter(pk__gt=last)
                    .order_by("pk")
                    .only("pk", "number_encrypted", "user_id_encrypted")[:PAGE]
                )
                if not page:
                    break
                for subscriber in page:
                    if subscriber.number_encrypted:
                        subscriber.number_encrypted = reencrypt(subscriber.number_encrypted)
                    if subscriber.user_id_encrypted:
                        subscriber.user_id_encrypted = reencrypt(subscriber.user_id_encrypted)
                Subscriber.objects.bulk_update(page, ["number_encrypted", "user_id_encrypted"])
            last, done = page[-1].pk, done + len(page)
        self.stdout.write(f"{done} subscribers re-encrypted with the first key.")
        caught_up = inbox.catch_up()
        self.stdout.write(f"{caught_up.dispatched} waiting webhook events dispatched.")
        self.stdout.write(f"{store.reseal_pending()} waiting webhook events re-encrypted.")
        if not caught_up.complete:
            self.stdout.write("Webhook events are still arriving: run the command again.")
        queued = _queued_replies()
        if queued:
            self.stdout.write(
                f"{queued} replies are still queued with the old key: keep it until they are "
                "sent (run the command again to check)."
            )
        elif caught_up.complete:
            self.stdout.write("Nothing uses the old keys any more: they can be removed.")


def _queued_replies():
    """Replies waiting in a Redis broker (their tokens are sealed with the old key)."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return 0
    import redis

    with redis.Redis.from_url(settings.CELERY_BROKER_URL) as client:
        return client.llen(queues.REPLIES)
