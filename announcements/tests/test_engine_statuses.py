"""Status webhooks: forward only, idempotent, in bulk, matched by id hash or callback data.

Events built here carry their ``message_id`` as the engine sees it (already hashed at the
provider boundary); statuses posted through the webhook are hashed by it.
"""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from announcements.engine import deliveries, scheduler, sending, statuses, sweeper
from announcements.models import Announcement, Delivery, UnmatchedStatus
from tests.fixtures.broadcasts import approved_announcement, make_subscribers, phone_number
from tests.fixtures.payloads import status_entry, statuses_payload
from tests.fixtures.webhooks import signed_post
from whatsapp.events import ErrorInfo, StatusUpdate
from whatsapp.ids import message_key

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def event(wamid, status, seconds=0, callback="", code=None):
    errors = (ErrorInfo(code=code, title="x"),) if code else ()
    return StatusUpdate(
        message_id=wamid,
        status=status,
        timestamp=T0 + timedelta(seconds=seconds),
        recipient=phone_number(0),
        callback_data=callback,
        errors=errors,
    )


@pytest.fixture
def sent_delivery(settings):
    """One delivery as the engine leaves it after a successful send."""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    make_subscribers(1)
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    row = Delivery.objects.get()
    now = timezone.now()
    deliveries.claim(announcement.pk, row.pk, row.pk, 10, now)
    sending.record(sending.Outcome(sent=[("wamid.A", row.pk)]), now)
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT
    return row


def state(row):
    row.refresh_from_db()
    return row.status, row.error_code, row.delivered_at, row.read_at


LIFECYCLE = [("sent", 0), ("delivered", 5), ("read", 9)]


@pytest.mark.parametrize("order", list(itertools.permutations(LIFECYCLE)))
def test_any_order_and_repeats_end_in_read(sent_delivery, order):
    for status, seconds in order * 3:
        statuses.apply_statuses([event("wamid.A", status, seconds)])
    assert state(sent_delivery) == (
        "read",
        None,
        T0 + timedelta(seconds=5),
        T0 + timedelta(seconds=9),
    )


def test_failed_is_final_unless_delivery_proves_otherwise(sent_delivery):
    statuses.apply_statuses([event("wamid.A", "failed", 3, code=131049)])
    statuses.apply_statuses([event("wamid.A", "sent", 1)])
    status, code, _, _ = state(sent_delivery)
    assert (status, code) == ("failed", 131049)
    assert "24 Stunden" in sent_delivery.error_title
    statuses.apply_statuses([event("wamid.A", "delivered", 8)])
    assert state(sent_delivery)[0] == "delivered"
    statuses.apply_statuses([event("wamid.A", "failed", 9, code=131026)])
    assert state(sent_delivery)[0] == "delivered"


def test_one_webhook_with_many_statuses_is_applied_together(sent_delivery):
    batch = [event("wamid.A", s, t) for s, t in reversed(LIFECYCLE)] * 3
    assert statuses.apply_statuses(batch) == 1
    assert state(sent_delivery)[0] == "read"


def test_callback_data_settles_a_delivery_whose_response_was_lost(settings):
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    make_subscribers(1)
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    row = Delivery.objects.get()
    deliveries.claim(announcement.pk, row.pk, row.pk, 10, timezone.now())  # worker dies here

    statuses.apply_statuses([event("wamid.LOST", "sent", 2, callback=str(row.pk))])
    row.refresh_from_db()
    assert (row.status, row.wamid_hash, row.sent_at) == (
        "sent",
        "wamid.LOST",
        T0 + timedelta(seconds=2),
    )


def test_unknown_wamid_is_kept_and_matched_when_the_response_arrives(settings):
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    make_subscribers(1)
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    row = Delivery.objects.get()
    now = timezone.now()
    deliveries.claim(announcement.pk, row.pk, row.pk, 10, now)

    statuses.apply_statuses([event("wamid.EARLY", "delivered", 4)])
    assert UnmatchedStatus.objects.filter(wamid_hash="wamid.EARLY").exists()
    sending.record(sending.Outcome(sent=[("wamid.EARLY", row.pk)]), now)

    row.refresh_from_db()
    assert row.status == "delivered" and row.delivered_at == T0 + timedelta(seconds=4)
    assert not UnmatchedStatus.objects.exists()


def test_late_failure_turns_a_finished_broadcast_into_partly_failed(sent_delivery):
    announcement = sent_delivery.announcement
    Announcement.objects.filter(pk=announcement.pk).update(status="sent")
    statuses.apply_statuses([event("wamid.A", "failed", 4, code=131026)])
    announcement.refresh_from_db()
    assert announcement.status == "partly_failed"


def test_signed_webhook_delivered_three_times_and_reversed(client, sent_delivery):
    entries = [
        status_entry("wamid.A", s, phone_number(0), str(sent_delivery.pk), timestamp=1764403200 + t)
        for s, t in LIFECYCLE
    ]
    for _ in range(3):
        for entry in reversed(entries):
            assert signed_post(client, statuses_payload([entry])).status_code == 200
    assert state(sent_delivery)[0] == "read"


def test_the_sweeper_waits_for_waiting_statuses_before_it_judges(
    client, settings, django_capture_on_commit_callbacks
):
    """Workers down: the webhook kept the evidence, but nobody applied it yet.

    The sweeper leaves the claim alone until the whatsapp app's own task (run by beat) has
    applied the statuses; then the claim is settled and there is nothing to sweep.
    """
    from whatsapp.tasks import dispatch_due_events

    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    make_subscribers(1)
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    row = Delivery.objects.get()
    claimed = timezone.now() - timedelta(seconds=settings.BROADCAST_CLAIM_GRACE_SECONDS + 60)
    deliveries.claim(announcement.pk, row.pk, row.pk, 10, claimed)  # worker died after sending
    entry = status_entry("wamid.LATE", "sent", phone_number(0), str(row.pk))
    with django_capture_on_commit_callbacks() as queued:  # the queued dispatch is lost
        response = signed_post(client, statuses_payload([entry]), run_on_commit=False)
    assert response.status_code == 200 and queued

    assert sweeper.requeue_stale_claims(timezone.now()) == 0  # not queued: no second send
    dispatch_due_events()  # whatsapp's beat task applies the waiting statuses
    assert sweeper.requeue_stale_claims(timezone.now()) == 0
    row.refresh_from_db()
    assert (row.status, row.wamid_hash) == ("sent", message_key("wamid.LATE"))
