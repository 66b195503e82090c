"""What a stranger is told (issue 26): "es wurden keine Daten gespeichert" was not true.

The reply throttle keeps a keyed hash of the number until the daily purge. The German
text lives in ``ReplyText`` (staff may reword it), so the new default reaches an existing
installation only through its row: replaced here if it is still the old default, left
alone if staff rewrote it (they see the new wording under "Antworttexte").
"""

from django.db import migrations

KEY = "not_subscribed"
OLD = (
    "Diese Nummer ist beim WhatsApp-Infodienst der Gemeinde Titz nicht angemeldet; es wurden "
    "keine Daten gespeichert. Zum Anmelden senden Sie „{start_keyword}“."
)
NEW = (
    "Diese Nummer ist beim WhatsApp-Infodienst der Gemeinde Titz nicht angemeldet. Wir "
    "behalten nur eine verschlüsselte Form Ihrer Nummer, höchstens {kept_hours} Stunden lang, "
    "damit wir Ihnen nicht zu oft antworten. Zum Anmelden senden Sie „{start_keyword}“."
)


def forward(apps, schema_editor):
    apps.get_model("subscribers", "ReplyText").objects.filter(key=KEY, text=OLD).update(text=NEW)


def backward(apps, schema_editor):
    apps.get_model("subscribers", "ReplyText").objects.filter(key=KEY, text=NEW).update(text=OLD)


class Migration(migrations.Migration):
    dependencies = [("subscribers", "0014_issue26_throttle_notice_pending_topics_erase")]

    operations = [migrations.RunPython(forward, backward)]
