"""Seeded reply texts name the municipality from the settings, not Titz.

Rows seeded by 0002 and 0005 carry the German default of their time, with "der Gemeinde
Titz" written in; from now on the text says ``{municipality}`` (``MUNICIPALITY_NAME``),
so an installation for another municipality does not greet its residents as Titz. For
Titz itself nothing changes: its dev.env sets "Gemeinde Titz".
"""

from django.db import migrations

SEEDED = "der Gemeinde Titz"
PLACEHOLDER = "der {municipality}"


def name_from_settings(apps, schema_editor):
    ReplyText = apps.get_model("subscribers", "ReplyText")
    for row in ReplyText.objects.filter(text__contains=SEEDED):
        row.text = row.text.replace(SEEDED, PLACEHOLDER)
        row.save(update_fields=["text"])


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0015_issue26_true_not_subscribed_text"),
    ]

    operations = [migrations.RunPython(name_from_settings, migrations.RunPython.noop)]
