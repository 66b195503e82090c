"""Meta's rules of 2026 at the provider boundary: pricing, template and account webhooks,
limits read from the Graph API (the simulator over loopback), the API-version check."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import transaction

from tests.fixtures import payloads
from tests.fixtures.simulator import running_simulator
from tests.fixtures.webhooks import signed_post
from whatsapp import limits, parsing, ratelimit, versions
from whatsapp.backends.cloud_api import CloudAPIBackend
from whatsapp.events import TemplateUpdate
from whatsapp.models import AccountHealth
from whatsapp.signals import template_update

A = "4915100000001"


@pytest.fixture(autouse=True)
def _fresh_limits():
    limits.forget()
    yield
    limits.forget()
    ratelimit._limiter.cache_clear()


@pytest.fixture
def template_events():
    seen = []

    def record(sender, event, **kwargs):
        seen.append(event)

    template_update.connect(record)
    yield seen
    template_update.disconnect(record)


def test_status_pricing_is_read():
    entry = payloads.status_entry(payloads.wamid(A), "delivered", A, pricing="utility")
    [event] = parsing.parse(payloads.statuses_payload([entry])).statuses
    assert (event.billable, event.pricing_category, event.pricing_model, event.pricing_type) == (
        True,
        "utility",
        "PMP",
        "regular",
    )


def test_status_without_pricing_has_none():
    entry = payloads.status_entry(payloads.wamid(A), "read", A)
    [event] = parsing.parse(payloads.statuses_payload([entry])).statuses
    assert event.billable is None and event.pricing_category == "" and event.pricing_type == ""


def test_malformed_pricing_is_rejected():
    entry = payloads.status_entry(payloads.wamid(A), "sent", A)
    entry["pricing"] = "regular"
    with pytest.raises(parsing.MalformedPayload):
        parsing.parse(payloads.statuses_payload([entry]))


def test_template_status_update():
    parsed = parsing.parse(payloads.template_status("830000000000001", "titz_nachricht", "PAUSED"))
    assert parsed.templates == [
        TemplateUpdate("830000000000001", "titz_nachricht", "de", status="PAUSED", reason="NONE")
    ]


def test_template_category_update_done_and_announced():
    done = payloads.template_category("12", "titz_nachricht", "MARKETING", "UTILITY")
    [event] = parsing.parse(done).templates
    assert (event.category, event.previous_category) == ("MARKETING", "UTILITY")
    announced = payloads.template_category(
        "12", "titz_nachricht", "MARKETING", "UTILITY", impending=True
    )
    [event] = parsing.parse(announced).templates
    assert event.category == "" and event.previous_category == ""


def test_template_quality_update():
    [event] = parsing.parse(payloads.template_quality("12", "titz_nachricht", "RED")).templates
    assert (event.quality_score, event.previous_quality_score) == ("RED", "UNKNOWN")


def test_account_webhooks():
    [limit] = parsing.parse(payloads.phone_number_quality("UPGRADE", "10000")).accounts
    assert (limit.field, limit.event, limit.messaging_limit) == (
        "phone_number_quality_update",
        "UPGRADE",
        "10000",
    )
    old = parsing.parse(payloads.phone_number_quality("DOWNGRADE", None, current_limit="TIER_250"))
    assert old.accounts[0].messaging_limit == "TIER_250"
    restricted = parsing.parse(
        payloads.account_restriction("RESTRICTED_BIZ_INITIATED_MESSAGING", 17)
    )
    assert restricted.accounts[0].restrictions == (("RESTRICTED_BIZ_INITIATED_MESSAGING", 17),)


@pytest.mark.parametrize(
    "payload",
    [
        payloads.account_envelope("message_template_status_update", {"event": "PAUSED"}),
        payloads.account_envelope("template_category_update", {"message_template_id": True}),
        payloads.account_envelope("account_update", {"restriction_info": [{"x": 1}]}),
    ],
)
@pytest.mark.django_db
def test_malformed_template_and_account_webhooks_are_400(client, payload):
    assert signed_post(client, payload).status_code == 400


@pytest.mark.django_db
def test_template_webhook_reaches_the_receivers(client, template_events):
    payload = payloads.template_status("830000000000001", "titz_nachricht", "DISABLED")
    assert signed_post(client, payload).status_code == 200
    assert [e.status for e in template_events] == ["DISABLED"]


def test_limit_names():
    assert [limits.parse_limit(v) for v in ("TIER_250", "TIER_2K", "UNLIMITED", "10000", "")] == [
        250,
        2000,
        0,
        10000,
        None,
    ]


@pytest.mark.django_db
def test_settings_bound_what_meta_allows(settings):
    settings.WHATSAPP_MESSAGING_LIMIT, settings.WHATSAPP_MESSAGES_PER_SECOND = 0, 80.0
    assert limits.messaging_limit() == 0 and limits.messages_per_second() == 80.0
    AccountHealth.objects.create(messaging_limit=250, throughput=1000)
    limits.forget()
    assert limits.messaging_limit() == 250  # Meta's, our setting has none
    assert limits.messages_per_second() == 80.0  # ours is the upper bound
    settings.WHATSAPP_MESSAGING_LIMIT, settings.WHATSAPP_MESSAGES_PER_SECOND = 100, 0
    assert limits.messaging_limit() == 100
    assert limits.messages_per_second() == 0  # unpaced stays unpaced


@pytest.mark.django_db(transaction=True)
def test_limits_read_from_the_simulator_over_loopback(settings):
    with running_simulator() as sim:
        for name, value in sim.settings().items():
            setattr(settings, name, value)
        settings.WHATSAPP_MESSAGES_PER_SECOND = 500.0
        health = limits.refresh(CloudAPIBackend())
        assert (health.limit_tier, health.messaging_limit) == ("TIER_2K", 2000)
        assert (health.throughput, health.quality_rating) == (80, "GREEN")
        assert ratelimit.rate_limiter().rate == pytest.approx(80 * ratelimit.HEADROOM)
        # Meta upgrades the number: the simulator posts nothing (no webhook URL) but
        # answers the next read with the new values.
        sim._call(
            "POST", "/_sim/account", json={"messaging_limit": "TIER_100K", "throughput": 1000}
        )
        health = limits.refresh(CloudAPIBackend())
        assert (health.messaging_limit, health.throughput) == (100_000, 1000)
        assert ratelimit.rate_limiter().rate == pytest.approx(500 * ratelimit.HEADROOM)
        assert AccountHealth.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_account_webhook_from_the_simulator_updates_the_limit(live_server, settings):
    url = live_server.url + "/whatsapp/webhook/"
    with running_simulator(webhook_url=url) as sim:
        for name, value in sim.settings().items():
            setattr(settings, name, value)
        settings.CELERY_TASK_ALWAYS_EAGER = True
        answer = sim._call("POST", "/_sim/account", json={"messaging_limit": "TIER_10K"})
        assert answer["status"] == 200
        assert limits.current().messaging_limit == 10_000
        sim._call("POST", "/_sim/account", json={"restriction": "RESTRICTED_ADD_PHONE_NUMBER"})
        assert limits.active_restrictions(limits.current()) == ["RESTRICTED_ADD_PHONE_NUMBER"]


def test_unreachable_meta_keeps_what_was_stored(settings, db):
    settings.WHATSAPP_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.WHATSAPP_ACCESS_TOKEN = "token"
    AccountHealth.objects.create(messaging_limit=2000, limit_tier="TIER_2K")
    with transaction.atomic():
        assert limits.refresh(CloudAPIBackend()) is None
    assert limits.current().messaging_limit == 2000


@pytest.mark.parametrize(
    ("version", "today", "expected"),
    [
        ("v21.0", date(2027, 1, 21) - timedelta(days=91), []),
        ("v21.0", date(2027, 1, 21) - timedelta(days=90), ["whatsapp.W001"]),
        ("v21.0", date(2027, 1, 20), ["whatsapp.W001"]),
        ("v21.0", date(2027, 1, 21), ["whatsapp.E003"]),
        ("v22.0", date(2027, 5, 20), ["whatsapp.E003"]),
        ("v23", date(2027, 7, 10), ["whatsapp.W001"]),
        ("v23.0", date(2027, 7, 9), []),
        ("v99.0", date(2030, 1, 1), []),
    ],
)
def test_api_version_check_boundaries(version, today, expected):
    assert [m.id for m in versions.version_messages(version, today)] == expected


def test_configured_versions_today():
    """2026-12-02: v21 warns (50 days left), v20 is retired, the default v25 is fine."""
    today = date(2026, 12, 2)
    assert [m.id for m in versions.version_messages("v21.0", today)] == ["whatsapp.W001"]
    assert [m.id for m in versions.version_messages("v20.0", today)] == ["whatsapp.E003"]
    assert versions.version_messages("v25.0", today) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        payloads.template_status("830000000000001", "titz_nachricht", "PAUSED"),
        payloads.template_quality("830000000000001", "titz_nachricht", "RED", "GREEN"),
        payloads.phone_number_quality("DOWNGRADE", "TIER_250"),
        payloads.account_restriction("RESTRICTED_BIZ_INITIATED_MESSAGING", 1893456000),
    ],
    ids=["template-status", "template-quality", "number-quality", "account-restriction"],
)
def test_template_and_account_changes_of_another_business_account_are_ignored(
    client, template_events, payload, caplog
):
    """Only our WABA's changes apply, as only our number's messages do (issue 27)."""
    payload["entry"][0]["id"] = "299999999999999"
    assert signed_post(client, payload).status_code == 200
    assert template_events == [] and not AccountHealth.objects.exists()
    assert "ignored a" in caplog.text and "299999999999999" in caplog.text
    # The same change for our account applies (the second use, not only the refusal).
    payload["entry"][0]["id"] = settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    assert signed_post(client, payload).status_code == 200
    assert template_events or AccountHealth.objects.exists()
