"""Prüfung handles residents' requests by letter or phone (issue 26): after the look-up,
it may erase the subscription. Adds only, like ``0001_staff_roles``."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("subscribers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Prüfung")
    group.permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="subscribers", codename="erase_on_request"
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0006_issue27_enrolment_codes"),
        ("subscribers", "0014_issue26_throttle_notice_pending_topics_erase"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
