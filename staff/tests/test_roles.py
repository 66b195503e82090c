"""The staff roles have exactly the permissions they need (``staff.migrations``)."""

import importlib

import pytest
from django.contrib.auth.models import Group

REDAKTION = {
    "add_announcement",
    "change_announcement",
    "view_announcement",
    "submit_announcement",
    "test_send_announcement",
    "view_messagetemplate",
    "view_topic",
}


def perms(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_groups_have_exactly_their_permissions():
    assert perms("Redaktion") == REDAKTION
    assert perms("Freigabe") == REDAKTION | {
        "approve_announcement",
        "cancel_announcement",
        "view_statistics",
        "export_statistics",
        "sync_messagetemplate",
        "add_topic",
        "change_topic",
    }
    assert perms("Prüfung") == {
        "view_topic",
        "view_statistics",
        "export_statistics",
        "view_consentevent",
        "export_consentevent",
        "lookup_consentevent",
        "erase_on_request",
        "view_auditentry",
        "view_documents",
        "view_purgerun",
    }


@pytest.mark.django_db
def test_the_roles_migration_restores_a_missing_role_and_takes_nothing_away():
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    roles = importlib.import_module("staff.migrations.0001_staff_roles")
    historical = MigrationLoader(connection).project_state().apps
    Group.objects.get(name="Redaktion").permissions.add(
        *Group.objects.get(name="Prüfung").permissions.filter(codename="view_auditentry")
    )
    Group.objects.filter(name="Prüfung").delete()
    roles.ensure_roles(historical, None)
    # 0001 restores the role as it was then; later grants (topics) are later migrations'.
    assert perms("Prüfung") == {codename.split(".")[1] for codename in roles.PRUEFUNG}
    assert perms("Redaktion") == REDAKTION | {"view_auditentry"}  # granted by hand, kept
