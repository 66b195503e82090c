"""Deliveries past DELIVERY_RETENTION_DAYS become per-announcement aggregates; statistics,
the overview and the CSV export show the same numbers from them."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from announcements import stats
from announcements.models import Announcement, Delivery, DeliveryAggregate
from privacy.tasks import purge_store
from tests.fixtures.broadcasts import approved_announcement, make_subscribers

pytestmark = pytest.mark.django_db
STATES = ["read", "read", "delivered", "sent", "failed", "failed", "failed", "cancelled"]
ERRORS = [(131026, "Nicht zustellbar"), (131026, "Nicht zustellbar"), (131049, "Meta")]


def _broadcast(subscribers, *, status=Announcement.Status.SENT, days_ago=40):
    announcement = approved_announcement()
    errors = iter(ERRORS)
    rows = []
    for subscriber, state in zip(subscribers, STATES, strict=True):
        code, title = next(errors) if state == "failed" else (None, "")
        rows.append(
            Delivery(
                announcement=announcement,
                subscriber=subscriber,
                subscriber_code=subscriber.code,
                status=state,
                error_code=code,
                error_title=title,
            )
        )
    Delivery.objects.bulk_create(rows)
    Announcement.objects.filter(pk=announcement.pk).update(
        status=status,
        started_at=timezone.now() - timedelta(days=days_ago, hours=1),
        finished_at=timezone.now() - timedelta(days=days_ago),
    )
    return Announcement.objects.get(pk=announcement.pk)


def test_aggregates_equal_the_counts_before_the_purge(settings):
    settings.DELIVERY_RETENTION_DAYS = 30
    subscribers = make_subscribers(len(STATES))
    old = _broadcast(subscribers)
    young = _broadcast(subscribers, days_ago=10)
    running = _broadcast(subscribers, status=Announcement.Status.SENDING)
    before = stats.delivery_counts(old)
    failures_before = stats.failure_breakdown(old)
    overview_before = stats.counts_by_announcement([old.pk, young.pk])

    assert purge_store("deliveries") == len(STATES)

    assert not old.deliveries.exists()
    assert young.deliveries.count() == running.deliveries.count() == len(STATES)
    after = stats.delivery_counts(old)
    assert after.pop("aggregated") is True
    assert after == before
    assert after["read"] == 2 and after["delivered"] == 3 and after["failed"] == 3
    assert stats.failure_breakdown(old) == failures_before
    assert failures_before[0] == {
        "error_code": 131026,
        "error_title": "Nicht zustellbar",
        "count": 2,
    }
    overview = stats.counts_by_announcement([old.pk, young.pk])
    assert overview[young.pk] == overview_before[young.pk]
    assert {k: v for k, v in overview[old.pk].items() if k != "aggregated"} == overview_before[
        old.pk
    ]


def test_a_second_run_counts_nothing_twice(settings):
    settings.DELIVERY_RETENTION_DAYS = 30
    old = _broadcast(make_subscribers(len(STATES)))
    purge_store("deliveries")
    aggregates = list(DeliveryAggregate.objects.values_list("dimension", "key", "count"))
    assert purge_store("deliveries") == 0
    assert list(DeliveryAggregate.objects.values_list("dimension", "key", "count")) == aggregates
    assert stats.delivery_counts(old)["total"] == len(STATES)


def test_the_export_lists_the_totals_once_the_rows_are_gone(settings):
    settings.DELIVERY_RETENTION_DAYS = 30
    old = _broadcast(make_subscribers(len(STATES)))
    purge_store("deliveries")
    stream = io.StringIO()
    stats.write_csv(old, stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue()), delimiter=";"))
    assert rows[0] == ["Merkmal", "Wert", "Fehler", "Anzahl"]
    assert ["Status", "gelesen", "", "2"] in rows
    assert ["Fehlercode", "131026", "Nicht zustellbar", "2"] in rows
    assert not any(subscriber_code in stream.getvalue() for subscriber_code in ("T-000000",))


def test_the_statistics_page_reads_the_aggregates(client, settings, superuser):
    settings.DELIVERY_RETENTION_DAYS = 30
    old = _broadcast(make_subscribers(len(STATES)))
    purge_store("deliveries")
    client.force_login(superuser)
    page = client.get(f"/admin/announcements/announcement/{old.pk}/change/")
    assert page.status_code == 200
    assert page.context["delivery_counts"]["failed"] == 3
    assert "zusammengefasst" in page.content.decode()
