"""Topics (issue 13): "Freigabe" manages them; everyone who writes or checks messages sees them.

Adds only, like ``0001_staff_roles``: nothing granted by hand is taken away.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Redaktion": ["subscribers.view_topic"],
    "Freigabe": ["subscribers.view_topic", "subscribers.add_topic", "subscribers.change_topic"],
    "Prüfung": ["subscribers.view_topic"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("subscribers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [perm.split(".")[1] for perm in perms]
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="subscribers", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0003_german_login_admin_proxies"),
        ("subscribers", "0006_topics_and_language"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
