"""Replace the stored wamids with their keyed hashes (``whatsapp.ids``).

A wamid encodes the resident's number, so a stored one survived "Stop". The columns are
renamed for what they hold now, and existing values are hashed in place, a chunk at a
time; values that are no wamid (already hashed) are left alone.
"""

from django.db import migrations, models
from django.db.models import Q

CHUNK = 2000


def hash_existing(apps, schema_editor):
    from whatsapp.ids import message_key

    for name in ("Delivery", "UnmatchedStatus"):
        model = apps.get_model("announcements", name)
        last = 0
        while True:
            rows = list(
                model.objects.filter(pk__gt=last, wamid_hash__startswith="wamid.")
                .order_by("pk")
                .only("pk", "wamid_hash")[:CHUNK]
            )
            if not rows:
                break
            for row in rows:
                row.wamid_hash = message_key(row.wamid_hash)
            model.objects.bulk_update(rows, ["wamid_hash"])
            last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("announcements", "0004_content_editors"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="delivery", name="delivery_unique_wamid"),
        migrations.RemoveConstraint(model_name="unmatchedstatus", name="unmatchedstatus_unique"),
        migrations.RenameField(model_name="delivery", old_name="wamid", new_name="wamid_hash"),
        migrations.RenameField(
            model_name="unmatchedstatus", old_name="wamid", new_name="wamid_hash"
        ),
        migrations.RunPython(hash_existing, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="delivery",
            name="wamid_hash",
            field=models.CharField(
                blank=True, max_length=64, null=True, verbose_name="Nachrichten-Kennung (Hash)"
            ),
        ),
        migrations.AlterField(
            model_name="unmatchedstatus",
            name="wamid_hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=Q(wamid_hash__isnull=False),
                fields=("wamid_hash",),
                name="delivery_unique_wamid",
            ),
        ),
        migrations.AddConstraint(
            model_name="unmatchedstatus",
            constraint=models.UniqueConstraint(
                fields=("wamid_hash", "status"), name="unmatchedstatus_unique"
            ),
        ),
    ]
