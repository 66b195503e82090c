"""Remember in the database when a broadcast's batch tasks were last handed out.

It was kept in the Django cache, which is per process with the embedded LocMemCache: a tick
in another worker process did not know and dispatched the broadcast's lanes again. NULL
(never dispatched) makes the next tick dispatch, as a missing cache entry did.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("announcements", "0005_hash_message_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="announcement",
            name="lanes_dispatched_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="Versandaufträge vergeben am",
            ),
        ),
    ]
