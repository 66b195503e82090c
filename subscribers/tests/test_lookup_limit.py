"""The consent-log look-up by number is limited per person and hour."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from audit.models import AuditEntry
from subscribers.models import Subscriber
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

NUMBER = "4915115550123"
LOOKUP = "/admin/subscribers/consentevent/lookup/"


def make_auditor(name):
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="subscribers",
            codename__in=["view_consentevent", "lookup_consentevent"],
        )
    )
    return user


def test_lookups_beyond_the_hourly_limit_are_refused(client, webhook, settings):
    settings.CONSENT_LOOKUP_LIMIT_PER_HOUR = 3
    webhook(payloads.text(NUMBER, "Start"))
    code = Subscriber.objects.get().code
    auditor = make_auditor("pruefer")
    client.force_login(auditor)

    for _lookup in range(3):
        assert code in client.post(LOOKUP, {"number": NUMBER}).content.decode()
    refused = client.post(LOOKUP, {"number": NUMBER}).content.decode()

    assert "in der letzten Stunde 3 Nummern gesucht" in refused
    assert code not in refused and NUMBER not in refused
    assert AuditEntry.objects.filter(action="consent_lookup").count() == 3
    entry = AuditEntry.objects.get(action="consent_lookup_refused")
    assert entry.user == auditor and entry.details == {"limit": 3}

    # The limit is per person: a colleague may still look up.
    client.force_login(make_auditor("kollegin"))
    assert code in client.post(LOOKUP, {"number": NUMBER}).content.decode()

    # An hour after the first look-ups the auditor may search again.
    later = timezone.now() + timedelta(minutes=61)
    with mock.patch("django.utils.timezone.now", return_value=later):
        client.force_login(auditor)  # a session of that later time (staff sessions idle out)
        assert code in client.post(LOOKUP, {"number": NUMBER}).content.decode()
