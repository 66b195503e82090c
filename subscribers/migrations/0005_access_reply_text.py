"""The "Auskunft" answer (Art. 15): a new reply text key, seeded."""

from django.db import migrations, models

# Frozen copy of the default at the time of this migration (a fresh installation seeds it
# from 0002, which reads the current defaults).
ACCESS = (
    "Auskunft des WhatsApp-Infodienstes der Gemeinde Titz: Über Ihre Nummer ist "
    "gespeichert:\n{facts}\n\nIhre Nummer selbst speichern wir nur verschlüsselt. "
    "„{stop_keyword}“ meldet Sie ab und löscht sie. Datenschutzhinweise: {privacy_url}"
)


def seed_access(apps, schema_editor):
    """Give existing installations the row staff edit (until then the default stands in)."""
    ReplyText = apps.get_model("subscribers", "ReplyText")
    ReplyText.objects.get_or_create(key="access", defaults={"text": ACCESS})


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0004_hash_message_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="replytext",
            name="key",
            field=models.CharField(
                choices=[
                    ("welcome", "Bestätigung der Anmeldung"),
                    ("already_subscribed", "Bereits angemeldet"),
                    ("goodbye", "Bestätigung der Abmeldung"),
                    ("not_subscribed", "Abmeldung ohne Anmeldung"),
                    ("help", "Hilfe"),
                    ("auto_reply", "Automatische Antwort"),
                    ("access", "Auskunft über die gespeicherten Daten"),
                ],
                max_length=32,
                unique=True,
                verbose_name="Anlass",
            ),
        ),
        migrations.AlterField(
            model_name="replytext",
            name="text",
            field=models.TextField(
                help_text="Platzhalter: {code}, {privacy_url}, {phone}, {email}, {address}, {start_keyword}, {stop_keyword}, {facts} (nur Auskunft)",
                verbose_name="Text",
            ),
        ),
        migrations.RunPython(seed_access, migrations.RunPython.noop),
    ]
