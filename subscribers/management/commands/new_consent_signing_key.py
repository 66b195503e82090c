"""``manage.py new_consent_signing_key``: a signing key for the first setup or a rotation.

Prints a new ``CONSENT_SIGNING_KEY`` and, when a key is configured, the entry that keeps
the current key's public half trusted for the checkpoints it signed
(``CONSENT_SIGNING_RETIRED_KEYS``). Nothing is stored: the keys live in the environment.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from subscribers import signing


class Command(BaseCommand):
    help = "Creates a new signing key for the consent log (first setup or rotation)."

    def handle(self, **options):
        self.stdout.write(f"CONSENT_SIGNING_KEY={signing.new_private_key()}")
        try:
            current = signing.current_key()
        except signing.SigningKeyError:
            return
        since = current.since.isoformat() if current.since else "2000-01-01"
        until = timezone.localdate().isoformat()
        retired = [
            *settings.CONSENT_SIGNING_RETIRED_KEYS,
            f"{signing.public_base64(current)}:{since}:{until}",
        ]
        self.stdout.write(f"CONSENT_SIGNING_RETIRED_KEYS={','.join(retired)}")
        self.stdout.write(
            "Set both, restart web and workers; the old public key stays listed with its "
            "period on the Prüfen page and in every export."
        )
