""" "gültig bis": nothing is sent after it, what was not sent is counted as expired.

The engine runs on the embedded defaults (SQLite, eager Celery); the broadcast that
expires in the middle goes to the simulator over loopback, whose record of accepted
messages is the judge of what left.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

import audit.models
from announcements import services, stats, tasks
from announcements.engine import deliveries, scheduler, sending
from announcements.models import Announcement, Delivery
from tests.fixtures.broadcasts import approved_announcement, make_subscribers
from whatsapp import ratelimit
from whatsapp.backends import locmem
from whatsapp.exceptions import TransientError

pytestmark = pytest.mark.django_db
Status = Delivery.Status


@pytest.fixture(autouse=True)
def _engine(settings):
    from titz_broadcast.celery import app

    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.BROADCAST_BATCH_SIZE = 5
    settings.BROADCAST_LANES = 1
    settings.BROADCAST_TASK_SECONDS = 30
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    ratelimit.pair_gate.cache_clear()
    yield
    app.conf.task_always_eager = previous


def start(announcement, now=None):
    """Start the broadcast without sending: the deliveries exist, queued."""
    scheduler.start_due_announcements(now)
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENDING


def statuses(announcement):
    rows = Delivery.objects.filter(announcement=announcement)
    return sorted(rows.values_list("status", flat=True))


def test_expiry_in_the_middle_of_a_broadcast_stops_it_and_counts_right(simulator, settings):
    """At the simulator's pace (slow answers) the moment passes during a step."""
    for name, value in simulator.settings().items():
        setattr(settings, name, value)
    settings.WHATSAPP_BACKEND = "whatsapp.backends.cloud_api.CloudAPIBackend"
    simulator.configure(delay_ms=40, strict_templates=False)
    make_subscribers(30)
    announcement = approved_announcement(urgent=True)
    start(announcement)
    valid_until = timezone.now() + timedelta(seconds=0.5)
    Announcement.objects.filter(pk=announcement.pk).update(valid_until=valid_until)

    # One lane, as the tick would hand it out, until it has nothing left it may send.
    lane = scheduler.plan_lanes(announcement.pk, urgent=True)[0]
    result = sending.run_batch(announcement.pk, lane.lo, lane.hi, seconds=30)
    assert result.drained
    tasks.run_tick()

    announcement.refresh_from_db()
    counts = stats.delivery_counts(announcement)
    accepted = simulator.messages()
    assert announcement.status == Announcement.Status.EXPIRED
    assert 0 < counts["sent"] < 30, "the moment fell in the middle of the broadcast"
    assert counts["sent"] == len(accepted)
    assert counts["sent"] + counts["expired"] == counts["total"] == 30
    assert counts["queued"] == 0
    # Nothing more leaves, whatever ticks come.
    tasks.run_tick(timezone.now() + timedelta(hours=1))
    assert len(simulator.messages()) == len(accepted)
    entry = audit.models.AuditEntry.objects.filter(action="announcement.finish").get()
    assert entry.details["expired"] == counts["expired"]


def test_claim_refuses_rows_of_an_expired_broadcast_before_the_tick_expires_them():
    make_subscribers(4)
    announcement = approved_announcement()
    start(announcement)
    now = timezone.now()
    Announcement.objects.filter(pk=announcement.pk).update(valid_until=now)

    assert deliveries.claim(announcement.pk, 0, 10**9, 100, now) == []
    assert deliveries.claim(announcement.pk, 0, 10**9, 100, now - timedelta(seconds=1))


def test_retries_and_the_sweepers_requeues_are_never_sent_after_expiry(settings):
    settings.BROADCAST_CLAIM_GRACE_SECONDS = 60
    make_subscribers(3)
    announcement = approved_announcement()
    start(announcement)
    now = timezone.now()
    # One transient failure (retry later) and one claim left behind by a dead worker.
    locmem.fail_next(TransientError("Meta hiccup", code=131000, http_status=500))
    rows = deliveries.claim(announcement.pk, 0, 10**9, 2, now)
    outcome = sending.send_rows(rows, announcement.send_kwargs())
    sending.record(outcome, now)
    stale = deliveries.claim(announcement.pk, 0, 10**9, 1, now - timedelta(minutes=5))
    assert [len(outcome.retry), len(outcome.sent), len(stale)] == [1, 1, 1]
    Announcement.objects.filter(pk=announcement.pk).update(valid_until=now + timedelta(seconds=1))
    sent_before = len(locmem.outbox)

    later = now + timedelta(hours=1)  # the retry is due, the claim is stale
    tasks.run_tick(later)

    assert len(locmem.outbox) == sent_before == 1
    assert statuses(announcement) == [Status.EXPIRED, Status.EXPIRED, Status.SENT]
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.EXPIRED


def test_an_unsent_announcement_past_its_validity_ends_as_expired_and_cannot_be_approved(
    freigeber,
):
    announcement = approved_announcement()
    Announcement.objects.filter(pk=announcement.pk).update(
        status=Announcement.Status.SUBMITTED, valid_until=timezone.now() - timedelta(minutes=1)
    )
    announcement.refresh_from_db()
    with pytest.raises(services.TransitionError, match="gültig"):
        services.approve(announcement, freigeber)

    tasks.run_tick()

    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.EXPIRED
    assert not Delivery.objects.filter(announcement=announcement).exists()
    assert audit.models.AuditEntry.objects.filter(
        action="announcement.expire", user__isnull=True
    ).exists()


def test_a_paused_broadcast_expires_with_its_queue():
    make_subscribers(3)
    announcement = approved_announcement()
    start(announcement)
    services.pause(announcement, None, "Test")
    Announcement.objects.filter(pk=announcement.pk).update(valid_until=timezone.now())

    tasks.run_tick()

    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.EXPIRED
    assert statuses(announcement) == [Status.EXPIRED] * 3
    assert locmem.outbox == []


def test_a_broadcast_sent_in_time_stays_sent():
    make_subscribers(3)
    announcement = approved_announcement()
    Announcement.objects.filter(pk=announcement.pk).update(
        valid_until=timezone.now() + timedelta(hours=1)
    )
    tasks.run_tick()
    tasks.run_tick(timezone.now() + timedelta(hours=2))

    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    assert statuses(announcement) == [Status.SENT] * 3
