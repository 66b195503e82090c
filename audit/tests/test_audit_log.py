import pytest
from django.contrib.auth import get_user_model

import audit
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("anna", password="pw-Anna-2026", is_staff=True)


def test_login_and_failed_login_are_recorded(client, staff):
    client.post("/admin/login/", {"username": "anna", "password": "wrong"})
    client.post("/admin/login/", {"username": "anna", "password": "pw-Anna-2026"})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "username", "target"))
    assert actions == [("login_failed", "", "anna"), ("login", "anna", "")]


def test_entries_cannot_be_changed_or_deleted(staff):
    entry = audit.record(staff, "export", "consent log", rows=3)
    entry.action = "nothing happened"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).details == {"rows": 3}


def test_the_admin_shows_but_never_edits_the_log(admin_client, staff):
    entry = audit.record(staff, "erase", "K-1234")
    assert admin_client.get("/admin/audit/auditentry/").status_code == 200
    page = admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
