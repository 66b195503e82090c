import io

import pytest
from django.core.management import call_command

from announcements.models import MessageTemplate
from audit.models import AuditEntry
from whatsapp import TemplateInfo
from whatsapp.backends import locmem


def info(name, status="APPROVED", header="", body="Hallo {{1}}", count=1):
    return TemplateInfo(
        id=f"id-{name}",
        name=name,
        language="de",
        category="UTILITY",
        status=status,
        body=body,
        header_format=header,
        parameter_count=count,
    )


@pytest.mark.django_db
def test_sync_templates_command_upserts_and_retires():
    MessageTemplate.objects.create(name="alt", language="de", status="APPROVED", param_count=1)
    locmem.templates.extend(
        [
            info("titz_info"),
            info("titz_bild", header="IMAGE", body="*{{1}}* {{2}}", count=2),
            info("titz_video", status="PENDING", header="VIDEO"),
        ]
    )
    call_command("sync_templates", stdout=io.StringIO())
    rows = {t.name: t for t in MessageTemplate.objects.all()}
    assert rows["titz_bild"].header_type == "IMAGE" and rows["titz_bild"].param_count == 2
    assert rows["titz_video"].header_type == ""
    assert rows["alt"].status == "DELETED"
    assert rows["titz_info"].meta_id == "id-titz_info" and rows["titz_info"].synced_at
    assert AuditEntry.objects.get(action="templates.sync").details == {
        "created": 3,
        "updated": 0,
        "gone": 1,
    }


@pytest.mark.django_db
def test_demo_setup_creates_one_login_per_role(settings, capsys):
    settings.DEBUG = True
    call_command("demo_setup")
    out = capsys.readouterr().out
    for username in ("demo", "redaktion", "freigabe", "pruefung"):
        assert f"{username} / " in out
    from django.contrib.auth import get_user_model

    freigabe = get_user_model().objects.get(username="freigabe")
    assert freigabe.has_perm("announcements.approve_announcement")
    assert get_user_model().objects.get(username="demo").is_superuser


@pytest.mark.django_db
def test_demo_setup_refuses_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_setup")
