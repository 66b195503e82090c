"""Seed the German reply texts and the consent log's chain head."""

from django.db import migrations

GENESIS = "0" * 64


def seed(apps, schema_editor):
    # The current defaults on purpose: a fresh installation starts from today's wording,
    # in German (the msgids are English since the topics-and-languages release).
    from subscribers.replies import DEFAULTS, default_text

    ReplyText = apps.get_model("subscribers", "ReplyText")
    for key in DEFAULTS:
        ReplyText.objects.get_or_create(key=str(key), defaults={"text": default_text(key)})
    apps.get_model("subscribers", "ChainHead").objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS}
    )


class Migration(migrations.Migration):
    dependencies = [("subscribers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
