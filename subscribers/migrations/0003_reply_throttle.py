"""Reply throttling per resident and kind of answer, with a daily count (subscribers.replies).

Existing rows were the "information service only" throttle: they keep that kind.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0002_reply_texts"),
    ]

    operations = [
        migrations.AddField(
            model_name="autoreply",
            name="count",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="autoreply",
            name="kind",
            field=models.CharField(default="auto_reply", max_length=32),
        ),
        migrations.AlterField(
            model_name="autoreply",
            name="identity_hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="autoreply",
            constraint=models.UniqueConstraint(
                fields=("identity_hash", "kind"), name="reply_throttle_key"
            ),
        ),
    ]
