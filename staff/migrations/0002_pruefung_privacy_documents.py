"""Prüfung may read the data-protection documents and the purge runs (``privacy``).

Superusers may anyway. Adds the permissions to the existing role and removes nothing, like
``0001``. The list is a frozen copy, not an import, like every migration's.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PRUEFUNG = ["privacy.view_documents", "privacy.view_purgerun"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("privacy")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Prüfung")
    codenames = [perm.split(".")[1] for perm in PRUEFUNG]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="privacy", codename__in=codenames)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_staff_roles"),
        ("privacy", "0001_purge_runs"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
