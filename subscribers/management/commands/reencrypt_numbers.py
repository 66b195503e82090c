"""``manage.py reencrypt_numbers``: re-encrypt every stored identity with the first key.

Key rotation: put the new key first in ``NUMBER_ENCRYPTION_KEYS``, keep the old ones,
deploy, run this, then remove the old keys. Works in pages by primary key, each page one
short transaction, so it can run while residents keep subscribing.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from subscribers.crypto import reencrypt
from subscribers.models import Subscriber

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
