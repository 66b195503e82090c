"""Two-factor enforcement: every staff user must confirm a TOTP code."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from staff import enrolment

INDEX = "/admin/"


@pytest.fixture(autouse=True)
def _otp_required(settings):
    settings.OTP_REQUIRED = True


def code(device):
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(6)


@pytest.mark.parametrize("role", ["Redaktion", "Freigabe", "Prüfung", "superuser"])
def test_without_device_goes_to_enrolment(role, users, client):
    client.force_login(users[role])
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff_otp:setup"))


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("Redaktion", "admin:announcements_announcement_add"),
        ("Prüfung", "admin:subscribers_consentevent_lookup"),
        ("Prüfung", "admin:subscribers_consentevent_export"),
    ],
)
def test_every_role_with_a_device_must_confirm_a_code(role, page, users, client):
    TOTPDevice.objects.create(user=users[role], name="App", confirmed=True)
    client.force_login(users[role])
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff_otp:verify"))
    looked_up = client.post(reverse("admin:subscribers_consentevent_lookup"), {"number": "0151"})
    assert looked_up.status_code == 302
    assert not AuditEntry.objects.filter(action="consent_lookup").exists()


def test_groups_setting_narrows_but_never_exempts_approvers(settings, users, client):
    settings.OTP_REQUIRED_GROUPS = ["Prüfung"]
    expected = {"Redaktion": 200, "Prüfung": 302, "Freigabe": 302, "superuser": 302}
    for role, status in expected.items():
        client.force_login(users[role])
        assert client.get(INDEX).status_code == status, role


def test_relaxed_for_demo(settings, freigeber, client):
    settings.OTP_REQUIRED = False
    client.force_login(freigeber)
    assert client.get(INDEX).status_code == 200


def test_guided_enrolment_with_qr_code(freigeber, client):
    client.force_login(freigeber)
    issued = enrolment.issue(freigeber, "admin")
    client.post(reverse("staff_otp:setup"), {"code": issued, "enrolment": "1"})
    page = client.get(reverse("staff_otp:setup") + "?next=/admin/announcements/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode() and "Authenticator-App" in page.content.decode()
    device = TOTPDevice.objects.get(user=freigeber, confirmed=False)
    wrong = client.post(reverse("staff_otp:setup"), {"token": "000000", "next": "/admin/"})
    assert "Der Code stimmt nicht" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post(
        reverse("staff_otp:setup"), {"token": code(device), "next": "/admin/announcements/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/announcements/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(INDEX).status_code == 200
    assert AuditEntry.objects.filter(action="otp.enrol", user=freigeber).exists()


def test_known_device_asks_for_code_each_session(freigeber, client):
    device = TOTPDevice.objects.create(user=freigeber, name="App", confirmed=True)
    client.force_login(freigeber)
    response = client.get(reverse("admin:announcements_announcement_changelist"))
    assert response["Location"].startswith(reverse("staff_otp:verify"))
    bad = client.post(reverse("staff_otp:verify"), {"token": "123"})
    assert "stimmt nicht" in bad.content.decode()
    assert AuditEntry.objects.filter(action="otp.failed").exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(reverse("staff_otp:verify"), {"token": code(device)})
    assert ok.status_code == 302
    assert client.get(reverse("admin:announcements_announcement_changelist")).status_code == 200


def test_unverified_cannot_press_buttons(freigeber, client, make_announcement):
    announcement = make_announcement(status="submitted")
    client.force_login(freigeber)
    url = reverse("admin:announcement_transition", args=[announcement.pk, "approve"])
    assert client.post(url).status_code == 302
    announcement.refresh_from_db()
    assert announcement.status == "submitted"


def test_open_redirect_is_refused(freigeber, client):
    device = TOTPDevice.objects.create(user=freigeber, name="App", confirmed=True)
    client.force_login(freigeber)
    response = client.post(
        reverse("staff_otp:verify"), {"token": code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("admin:index")


def test_lockout_after_repeated_failed_logins(freigeber, client, settings):
    url = reverse("admin:login")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "clara", "password": "falsch"})
    response = client.post(url, {"username": "clara", "password": "pw-Titz-2026!"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed").count() >= settings.AXES_FAILURE_LIMIT


def test_enrolment_needs_a_code_an_administrator_issued(freigeber, users, client):
    """A password alone binds no app to the account (issue 27): first a one-time code."""
    client.force_login(freigeber)
    page = client.get(reverse("staff_otp:setup") + "?next=/admin/announcements/")
    assert page.status_code == 200 and 'class="segno"' not in page.content.decode()
    assert not TOTPDevice.objects.filter(user=freigeber).exists()  # no secret handed out
    wrong = client.post(reverse("staff_otp:setup"), {"code": "ABCDE-FGHJK", "enrolment": "1"})
    assert "nicht gültig" in wrong.content.decode()
    assert 'class="segno"' not in wrong.content.decode()
    # A code issued for someone else does not work for this account.
    other = enrolment.issue(users["Redaktion"], "admin")
    refused = client.post(reverse("staff_otp:setup"), {"code": other, "enrolment": "1"})
    assert "nicht gültig" in refused.content.decode()
    assert AuditEntry.objects.filter(action="otp.enrolment_code_refused").count() == 2


def test_an_issued_code_works_once_and_expires(freigeber, client, settings):
    issued = enrolment.issue(freigeber, "admin")
    assert enrolment.redeem(freigeber, issued.lower().replace("-", " "))
    assert not enrolment.redeem(freigeber, issued)  # used
    settings.OTP_ENROLMENT_CODE_HOURS = -1
    assert not enrolment.redeem(freigeber, enrolment.issue(freigeber, "admin"))  # expired


def test_an_administrator_issues_codes_in_the_user_list(users, client):
    admin_user = users["superuser"]
    device = TOTPDevice.objects.create(user=admin_user, name="App", confirmed=True)
    client.force_login(admin_user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "issue_enrolment_codes", "_selected_action": [users["Freigabe"].pk]},
    )
    shown = re.search(r'data-testid="enrolment-code">([A-Z0-9-]+)<', response.content.decode())
    assert shown, "no code on the page"
    assert AuditEntry.objects.filter(action="otp.enrolment_code_issued").exists()
    assert enrolment.redeem(users["Freigabe"], shown.group(1))
