"""``manage.py verify_number_keys``: do this installation's keys open its subscribers' numbers?

After a restore (``ops/restore.sh``) the database is only usable with the keys it was made
with: ``NUMBER_ENCRYPTION_KEYS`` decrypts each number for sending, ``NUMBER_HASH_KEY``
finds a resident again when they write "Stop". Every subscriber is checked (decrypt, hash
again, compare), and the command fails naming the key that does not belong, before anyone
sends or a "Stop" goes unmatched.
"""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from subscribers.crypto import decrypt_identity, hash_identity
from subscribers.models import Subscriber


class Command(BaseCommand):
    help = "Prüft, ob die Schlüssel die gespeicherten Nummern öffnen und wiederfinden."

    def handle(self, **options):
        checked = 0
        rows = Subscriber.objects.values_list("number_hash", "number_encrypted")
        for number_hash, encrypted in rows.iterator(chunk_size=2000):
            try:
                number = decrypt_identity(encrypted)
            except InvalidToken as exc:
                raise CommandError(
                    "NUMBER_ENCRYPTION_KEYS öffnet die gespeicherten Nummern nicht: "
                    "es ist nicht der Schlüssel dieser Sicherung."
                ) from exc
            if hash_identity(number) != number_hash:
                raise CommandError(
                    "NUMBER_HASH_KEY ist nicht der Schlüssel dieser Sicherung: ein „Stop“ "
                    "fände die Abonnenten nicht."
                )
            checked += 1
        self.stdout.write(f"Schlüssel passen: {checked} Abonnenten geprüft.")
