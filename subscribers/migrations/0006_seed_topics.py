"""Seed the default topics, keep today's subscribers receiving everything, grant the roles.

Subscribers who joined before topics existed got every message; they keep getting every
topic until they choose otherwise. "Freigabe" manages
topics in the admin; everyone who writes or checks messages may see them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TOPICS = [
    ("Baustellen und Verkehr", "Baustellen", "Straßensperrungen, Umleitungen und Bauarbeiten"),
    ("Veranstaltungen", "Veranstaltungen", "Feste, Märkte, Kultur und Sport in der Gemeinde"),
    ("Abfall", "Abfall", "Abfuhrtermine und Änderungen bei der Müllabfuhr"),
    ("Verwaltung und Rat", "Verwaltung", "Öffnungszeiten, Ratssitzungen und Bekanntmachungen"),
    ("Kinder und Familie", "Familie", "Schulen, Kitas und Ferienangebote"),
]
PERMISSIONS = {
    "Freigabe": ["add_topic", "change_topic", "view_topic"],
    "Redaktion": ["view_topic"],
    "Prüfung": ["view_topic"],
}


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
    app_config = apps.get_app_config("subscribers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="subscribers", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0005_topics_and_language"),
        ("announcements", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
