"""Issue 25: Meta's messaging-limit tiers of late 2026 and ``business_capability_update``."""

import pytest

from tests.fixtures import payloads
from tests.fixtures.simulator import running_simulator
from tests.fixtures.webhooks import signed_post
from whatsapp import limits
from whatsapp.models import AccountHealth


@pytest.fixture(autouse=True)
def _fresh_limits():
    limits.forget()
    yield
    limits.forget()


def test_the_tiers_since_october_2025():
    names = ("TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED", "-1", "2000")
    assert [limits.parse_limit(n) for n in names] == [250, 2000, 10_000, 100_000, 0, 0, 2000]
    # Tiers that no longer exist are not guessed (a guess could exceed the real limit).
    assert limits.parse_limit("TIER_1K") is None and limits.parse_limit("TIER_50") is None


@pytest.mark.django_db
def test_business_capability_update_applies_the_limit_at_once(client, settings):
    """No Graph API to confirm it (the backend is the console's): the webhook alone counts,
    for a second change too."""
    AccountHealth.objects.create(messaging_limit=250, limit_tier="TIER_250")
    settings.WHATSAPP_MESSAGING_LIMIT = 0
    assert signed_post(client, payloads.business_capability(2000)).status_code == 200
    assert limits.current().messaging_limit == 2000
    assert limits.messaging_limit() == 2000
    assert signed_post(client, payloads.business_capability(-1)).status_code == 200
    assert limits.current().messaging_limit == 0
    assert limits.messaging_limit() == 0  # unlimited: only our own setting bounds it


@pytest.mark.django_db
def test_malformed_business_capability_update_is_400(client):
    payload = payloads.account_envelope(
        "business_capability_update", {"max_daily_conversations_per_business": [1]}
    )
    assert signed_post(client, payload).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_simulator_reports_a_limit_change_as_business_capability_update(live_server, settings):
    url = live_server.url + "/whatsapp/webhook/"
    with running_simulator(webhook_url=url) as sim:
        for name, value in sim.settings().items():
            setattr(settings, name, value)
        settings.WHATSAPP_BACKEND = "whatsapp.backends.console.ConsoleBackend"
        answer = sim._call("POST", "/_sim/account", json={"messaging_limit": "TIER_100K"})
        assert answer["status"] == 200
        assert limits.current().messaging_limit == 100_000


@pytest.mark.parametrize("version", ["v19.0", "v18.0", "v8.0", "19"])
def test_versions_older_than_the_table_are_refused_like_retired_ones(version):
    from datetime import date

    from whatsapp import versions

    assert [m.id for m in versions.version_messages(version, date(2026, 12, 8))] == [
        "whatsapp.E003"
    ]
    assert versions.version_messages("v26.0", date(2026, 12, 8)) == []  # newer: unchecked
