"""Fill in the calling code of subscribers who opted in before it was stored.

The code is read from the decrypted number (or BSUID) with the configured
``NUMBER_ENCRYPTION_KEYS``. Without them (a database migrated away from its keys) or for
a row no key decrypts, the code stays "" and the subscriber is priced as the default
country (``PRICING_DEFAULT_CALLING_CODE``): the estimate is then off for foreign numbers
only, and nothing fails. Walks by id in pages, so a million rows never sit in memory.
"""

from django.db import migrations

PAGE = 2000


def backfill(apps, schema_editor):
    from cryptography.fernet import InvalidToken
    from django.conf import settings

    from subscribers.crypto import decrypt_identity
    from whatsapp.numbers import calling_code

    if not settings.NUMBER_ENCRYPTION_KEYS:
        return
    Subscriber = apps.get_model("subscribers", "Subscriber")
    last = 0
    while rows := list(
        Subscriber.objects.filter(pk__gt=last, calling_code="")
        .order_by("pk")
        .only("pk", "number_encrypted", "user_id_encrypted")[:PAGE]
    ):
        changed = []
        for row in rows:
            try:
                identity = decrypt_identity(row.number_encrypted or row.user_id_encrypted)
            except (InvalidToken, ValueError, TypeError):
                continue  # no configured key opens it: priced as the default country
            row.calling_code = calling_code(identity)
            if row.calling_code:
                changed.append(row)
        Subscriber.objects.bulk_update(changed, ["calling_code"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("subscribers", "0009_subscriber_calling_code")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
