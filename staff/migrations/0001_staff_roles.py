"""Make sure the three staff roles exist with at least the permissions they need.

The roles used to be created by ``announcements.0002_staff_groups``, which has run on
every installation and stays as history. Staff accounts are this app's concern now, so
it owns the roles from here on: a later change of a role is a new migration here.

Idempotent: on an installation where ``announcements.0002`` created the groups (all of
them so far) this changes nothing. It only adds what is missing and removes nothing, so a
permission the office granted a role by hand survives. The lists are frozen copies, not
imports, like every migration's.
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


def ensure_roles(apps, schema_editor):
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
        group.permissions.add(*wanted)


class Migration(migrations.Migration):
    dependencies = [
        # The migrations that create the roles' permissions (and the roles, until now).
        ("announcements", "0002_staff_groups"),
        ("subscribers", "0001_initial"),
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Undoing leaves the groups: announcements.0002 made them, and still counts as applied.
    operations = [migrations.RunPython(ensure_roles, migrations.RunPython.noop)]
