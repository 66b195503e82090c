"""Seed the default topics and keep today's subscribers receiving everything.

Subscribers who joined before topics existed got every message; they keep getting every
topic until they choose otherwise.
"""

from django.db import migrations

TOPICS = [
    ("Baustellen und Verkehr", "Baustellen", "Straßensperrungen, Umleitungen und Bauarbeiten"),
    ("Veranstaltungen", "Veranstaltungen", "Feste, Märkte, Kultur und Sport in der Gemeinde"),
    ("Abfall", "Abfall", "Abfuhrtermine und Änderungen bei der Müllabfuhr"),
    ("Verwaltung und Rat", "Verwaltung", "Öffnungszeiten, Ratssitzungen und Bekanntmachungen"),
    ("Kinder und Familie", "Familie", "Schulen, Kitas und Ferienangebote"),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("subscribers", "Topic")
    SubscriberTopic = apps.get_model("subscribers", "SubscriberTopic")
    Subscriber = apps.get_model("subscribers", "Subscriber")
    for order, (name, keyword, description) in enumerate(TOPICS, start=1):
        topic, _ = Topic.objects.get_or_create(
            keyword=keyword,
            defaults={"name": name, "description": description, "order": order * 10},
        )
        rows = Subscriber.objects.values_list("pk", flat=True)
        SubscriberTopic.objects.bulk_create(
            [SubscriberTopic(subscriber_id=pk, topic_id=topic.pk) for pk in rows.iterator()],
            batch_size=5000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("subscribers", "0006_topics_and_language")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
