"""Replace the wamids in the event store's keys with their keyed hashes (``ids``).

A wamid encodes the resident's number; the keys (``in:<id>``, ``st:<id>:<status>``) kept
it for the retention period and showed it in the admin. Pending events whose sealed data
still holds a raw id are read by ``sealing.unseal``, which hashes ids of that older form.
"""

from django.db import migrations

CHUNK = 2000


def _hashed(key, message_key):
    kind, _, rest = key.partition(":")
    if kind == "in" and rest.startswith("wamid."):
        return f"in:{message_key(rest)}"
    if kind == "st" and rest.startswith("wamid."):
        wamid, _, status = rest.rpartition(":")
        return f"st:{message_key(wamid)}:{status}"
    return key


def hash_keys(apps, schema_editor):
    from whatsapp.ids import message_key

    model = apps.get_model("whatsapp", "WebhookEvent")
    last = 0
    while rows := list(
        model.objects.filter(pk__gt=last, key__contains=":wamid.")
        .order_by("pk")
        .only("pk", "key")[:CHUNK]
    ):
        for row in rows:
            row.key = _hashed(row.key, message_key)
        model.objects.bulk_update(rows, ["key"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("whatsapp", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(hash_keys, migrations.RunPython.noop, elidable=True),
    ]
