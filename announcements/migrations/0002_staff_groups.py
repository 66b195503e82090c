"""Create the three staff roles with exactly the permissions they need.

The lists are frozen here on purpose: a later change of roles is a new migration, so an
installation's groups never drift silently from what the code expects.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REDAKTION = [
    "announcements.add_announcement",
    "announcements.change_announcement",
    "announcements.view_announcement",
    "announcements.submit_announcement",
    "announcements.test_send_announcement",
    "announcements.view_messagetemplate",
]
FREIGABE = REDAKTION + [
    "announcements.approve_announcement",
    "announcements.cancel_announcement",
    "announcements.view_statistics",
    "announcements.export_statistics",
    "announcements.sync_messagetemplate",
]
PRUEFUNG = [
    "announcements.view_statistics",
    "announcements.export_statistics",
    "subscribers.view_consentevent",
    "subscribers.export_consentevent",
    "subscribers.lookup_consentevent",
    "audit.view_auditentry",
]
ROLES = {"Redaktion": REDAKTION, "Freigabe": FREIGABE, "Prüfung": PRUEFUNG}


def _ensure_permissions(apps):
    """Permissions are normally created after all migrations; roles need them now."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("announcements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("subscribers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
