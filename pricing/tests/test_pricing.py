"""Cost: the price table, the estimate before approval, what Meta billed after sending."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from announcements import approval_checks
from announcements.engine import scheduler, sending
from announcements.models import Delivery
from pricing import estimate, prices_csv, reports
from pricing.models import BilledCount, Price
from pricing.table import PriceTable
from subscribers.crypto import encrypt_identity, hash_identity
from subscribers.models import Subscriber
from tests.fixtures import payloads
from tests.fixtures.broadcasts import approved_announcement
from tests.fixtures.webhooks import signed_post
from whatsapp.backends import locmem

pytestmark = pytest.mark.django_db

TABLE = """Kategorie;Ländervorwahl;gültig ab;Euro je Nachricht;Quelle
utility;49;2026-01-01;0,0456;Test
utility;31;2026-01-01;0,0500;Test
utility;43;2026-01-01;0.0400;Test
service;49;2026-01-01;0,0100;Test
service;31;2026-01-01;0,0200;Test
service;;2026-01-01;0,0300;Test: alle übrigen Länder
"""
# Ten German numbers, three of unknown country (priced as Germany), four Dutch, two
# Austrian: 13 x 0.0456 + 4 x 0.0500 + 2 x 0.0400 = 0.5928 + 0.2000 + 0.0800 = 0.8728 EUR;
# replies at 10 %: 1.3 x 0.01 + 0.4 x 0.02 + 0.2 x 0.03 (Austria: the "" row) = 0.027 EUR.
AUDIENCE = [("49", 10), ("", 3), ("31", 4), ("43", 2)]
NUMBERS = {"49": "49151000%05d", "": "49151001%05d", "31": "3161000%04d", "43": "43664000%04d"}


def billed():
    return sum(BilledCount.objects.values_list("messages", flat=True))


@pytest.fixture
def prices(settings):
    Price.objects.all().delete()  # the starting table of the data migration
    prices_csv.load(TABLE)
    settings.PRICING_DEFAULT_CALLING_CODE = "49"
    settings.PRICING_REPLY_RATE = 0.1


@pytest.fixture
def audience():
    rows = []
    for code, count in AUDIENCE:
        for i in range(count):
            number = NUMBERS[code] % i
            rows.append(
                Subscriber(
                    code=f"K-{code or 'X'}{i:04d}",
                    number_hash=hash_identity(number),
                    number_encrypted=encrypt_identity(number),
                    consented_at=timezone.now(),
                    calling_code=code,
                )
            )
    return Subscriber.objects.bulk_create(rows)


def test_estimate_by_country_hand_computed(prices, audience):
    result = estimate.estimate("UTILITY", estimate.audience(), on=date(2026, 12, 2))
    assert [(line.calling_code, line.recipients, line.amount) for line in result.lines] == [
        ("49", 13, Decimal("0.5928")),
        ("31", 4, Decimal("0.2000")),
        ("43", 2, Decimal("0.0800")),
    ]
    assert result.lines[1].country == "Niederlande (+31)"
    assert result.broadcast == Decimal("0.8728")
    assert result.replies == Decimal("1.9")
    assert result.replies_cost == Decimal("0.027")
    assert result.total == Decimal("0.8998")
    assert result.missing == []


def test_a_country_without_any_rate_is_named(prices):
    result = estimate.estimate("MARKETING", {"49": 3})
    assert result.missing == ["Deutschland (+49)"] and result.broadcast == 0


def test_rate_valid_on_the_day():
    table = PriceTable(
        [
            Price(category="utility", calling_code="49", valid_from=date(2026, 1, 1), amount=1),
            Price(category="utility", calling_code="49", valid_from=date(2026, 10, 1), amount=2),
        ]
    )
    assert table.rate("utility", "49", date(2025, 12, 31)) is None
    assert table.rate("utility", "49", date(2026, 9, 30)) == 1
    assert table.rate("utility", "49", date(2026, 10, 1)) == 2


def test_actual_cost_from_priced_status_webhooks_matches_the_estimate(
    client, settings, prices, audience, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.REDIS_URL = ""
    forecast = estimate.estimate("UTILITY", estimate.audience())
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    ids = Delivery.objects.filter(announcement=announcement).values_list("id", flat=True)
    sending.run_batch(announcement.pk, min(ids), max(ids))
    assert len(locmem.outbox) == 19
    sent = [
        payloads.status_entry(m["wamid"], "sent", m["to"], pricing="utility") for m in locmem.outbox
    ]
    delivered = [
        payloads.status_entry(m["wamid"], "delivered", m["to"], pricing="utility")
        for m in locmem.outbox
    ]
    read = [
        payloads.status_entry(m["wamid"], "read", m["to"], pricing="utility") for m in locmem.outbox
    ]
    assert signed_post(client, payloads.statuses_payload(sent)).status_code == 200
    assert billed() == 0  # billed on delivery, not on sending
    for batch in (delivered, read, delivered):  # a read and a repeat bill nothing twice
        assert signed_post(client, payloads.statuses_payload(batch)).status_code == 200
    assert billed() == 19
    assert BilledCount.objects.count() == 4  # one counter per calling code, "" included

    [row] = reports.costs("announcement")
    assert (row.key, row.messages, row.amount) == (announcement.pk, 19, forecast.broadcast)
    assert reports.costs("month")[0].amount == forecast.broadcast
    assert reports.costs("year")[0].key == timezone.localdate().year
    assert reports.month_to_date() == Decimal("0.8728")


def test_free_messages_are_not_billed(client, prices, audience):
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    delivery = Delivery.objects.filter(announcement=announcement).first()
    entry = payloads.status_entry(payloads.wamid(), "delivered", "", str(delivery.pk))
    entry["pricing"] = payloads.priced("utility", "free_customer_service")
    signed_post(client, payloads.statuses_payload([entry]))
    assert Delivery.objects.get(pk=delivery.pk).status == "delivered"
    assert billed() == 0


def test_budget_warning(settings, prices, audience):
    announcement = approved_announcement()
    settings.PRICING_MONTHLY_BUDGET = 0.85
    checks = approval_checks.check(announcement)
    assert checks.over_budget and checks.month_total == Decimal("0.8998")
    settings.PRICING_MONTHLY_BUDGET = 0.90
    assert not approval_checks.check(announcement).over_budget
    settings.PRICING_MONTHLY_BUDGET = 0
    assert not approval_checks.check(announcement).over_budget


def test_cost_csv_has_german_headers(prices):
    BilledCount.objects.create(
        announcement_id=7, calling_code="31", category="utility", day=timezone.localdate(),
        messages=1,
    )  # fmt: skip
    stream = io.StringIO()
    reports.write_csv("announcement", stream, labels={7: "=Sperrung"})
    header, line = stream.getvalue().splitlines()
    assert header.startswith("Nachricht;Abgerechnete Nachrichten;davon Werbung (Marketing)")
    assert header.endswith("Ohne Preis;Kosten (Euro)")
    assert line == "'=Sperrung;1;0;1;0;0;0;0,05"


def test_price_file_errors_are_german_and_change_nothing(prices):
    before = Price.objects.count()
    bad = (
        TABLE
        + "werbung;49;2026-01-01;0,1;x\nutility;49;01.01.2026;0,1;x\nutility;4x;2026-01-01;1;x\n"
    )
    with pytest.raises(prices_csv.PriceFileError) as error:
        prices_csv.load(bad)
    assert [e.split(":")[0] for e in error.value.errors] == ["Zeile 8", "Zeile 9", "Zeile 10"]
    assert "unbekannte Kategorie" in error.value.errors[0]
    assert Price.objects.count() == before


def test_starting_table_loads_and_names_its_sources(tmp_path):
    Price.objects.all().delete()
    out = io.StringIO()
    call_command("load_prices", stdout=out)
    assert "Preise neu" in out.getvalue()
    german = PriceTable.load()
    assert german.rate("marketing", "49", date(2026, 12, 2)) == Decimal("0.1131")
    assert german.rate("utility", "90", date(2026, 12, 2)) == Decimal("0.0456")  # "" row
    assert all(price.source for price in Price.objects.all())


def test_calling_code_is_stored_at_start(client):
    assert signed_post(client, payloads.text("31612345678", "Start")).status_code == 200
    assert Subscriber.objects.get().calling_code == "31"


def test_backfill_reads_the_code_from_the_encrypted_number():
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("subscribers.migrations.0010_backfill_calling_codes").backfill
    number = "436641234567"
    Subscriber.objects.create(
        code="K-1", number_hash=hash_identity(number), number_encrypted=encrypt_identity(number),
        consented_at=timezone.now(),
    )  # fmt: skip
    Subscriber.objects.create(
        code="K-2", number_hash="x" * 64, number_encrypted="not a token",
        consented_at=timezone.now(),
    )  # fmt: skip
    backfill(apps, None)
    assert dict(Subscriber.objects.values_list("code", "calling_code")) == {"K-1": "43", "K-2": ""}
