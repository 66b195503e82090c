"""Login protection: a name is locked per address, the lock ends on time, and the audit log
keeps no typed text of a failed login."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from staff.login_names import UNKNOWN_USERNAME

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "pw-Clara-2026!"
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clara():
    return get_user_model().objects.create_user("clara", password=PASSWORD, is_staff=True)


def login(client, username, password, **meta):
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


def logged_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_made_up_names_from_one_address_do_not_lock_a_colleague(client, clara, settings):
    # Unknown names share one placeholder (staff.login_names): they lock each other, only.
    statuses = [
        login(client, f"erfunden{attempt}", "falsch").status_code
        for attempt in range(settings.AXES_FAILURE_LIMIT + 3)
    ]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert logged_in(login(client, "clara", PASSWORD))


def test_behind_the_proxy_the_forwarded_address_counts_not_a_spoofed_one(clara, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, "clara", "falsch", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"

    # The attacker is locked out even with a made-up address in front of the real one ...
    spoofed = login(
        attacker,
        "clara",
        PASSWORD,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5",
    )
    assert spoofed.status_code == 429
    # ... while Clara at her own desk, behind the same proxy, logs in.
    colleague = Client()
    response = login(
        colleague, "clara", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert logged_in(response)


def test_without_trusted_proxies_the_header_is_ignored(client, clara, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "clara", "falsch", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]
    assert login(client, "clara", PASSWORD).status_code == 429


def test_failures_during_the_lockout_do_not_extend_it(client, clara, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "clara", "falsch")
    locked = AccessAttempt.objects.get()
    assert login(client, "clara", PASSWORD).status_code == 429

    for _attempt in range(3):
        assert login(client, "clara", "falsch").status_code == 429
    still = AccessAttempt.objects.get()
    assert still.attempt_time == locked.attempt_time
    assert still.failures_since_start == settings.AXES_FAILURE_LIMIT

    # Time travel: the cool-off has passed since the lock began (not since the last try).
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(seconds=1))
    assert logged_in(login(client, "clara", PASSWORD))


def test_a_password_typed_as_user_name_leaves_no_trace(client, clara):
    typed = "Sommer2026!geheim"
    login(client, typed, "clara")
    login(client, "clara", "falsch")

    entries = list(AuditEntry.objects.filter(action="login_failed").order_by("id"))
    assert [entry.target for entry in entries] == [UNKNOWN_USERNAME, "clara"]
    for entry in AuditEntry.objects.all():
        stored = f"{entry.username} {entry.action} {entry.target} {entry.details}"
        assert typed not in stored and typed.lower() not in stored.lower()


def test_axes_keeps_only_names_that_exist(client, clara, settings):
    """A password typed into the name field is not kept for 90 days (issue 27)."""
    from axes.models import AccessFailureLog

    login(client, PASSWORD, "falsch")  # the password in the name field
    login(client, "clara", "falsch")
    kept = set(AccessAttempt.objects.values_list("username", flat=True))
    kept |= set(AccessFailureLog.objects.values_list("username", flat=True))
    assert kept == {UNKNOWN_USERNAME, "clara"}
    for attempt in AccessAttempt.objects.all():
        assert PASSWORD not in attempt.post_data + attempt.get_data + attempt.username
    # The lock still works for the real name, and unknown names never lock clara.
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"erfunden-{_attempt}", "falsch")
    assert logged_in(login(client, "clara", PASSWORD))
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "clara", "falsch")
    assert login(client, "clara", PASSWORD).status_code == 429
