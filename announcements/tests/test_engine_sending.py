"""The engine end to end on the embedded defaults: SQLite, eager Celery, locmem backend."""

from datetime import timedelta

import pytest
from django.utils import timezone

from announcements import tasks
from announcements.engine import scheduler, sending, sweeper
from announcements.engine.deliveries import claim
from announcements.models import Announcement, Delivery
from subscribers.models import Subscriber
from tests.fixtures.broadcasts import approved_announcement, make_subscribers, phone_number
from whatsapp import ratelimit
from whatsapp.backends import locmem
from whatsapp.exceptions import (
    AccountError,
    PairRateLimitError,
    RecipientError,
    RequestError,
    ThroughputError,
    TransientError,
)
from whatsapp.ids import message_key

pytestmark = pytest.mark.django_db
Status = Delivery.Status


@pytest.fixture(autouse=True)
def _engine(settings, eager_celery):
    settings.REDIS_URL = ""  # the embedded default: in-process limiter and pair gate
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    settings.BROADCAST_BATCH_SIZE = 7
    settings.BROADCAST_LANES = 2
    settings.BROADCAST_TASK_SECONDS = 30


@pytest.fixture
def eager_celery():
    from titz_broadcast.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def forget_recent_sends():
    """Tests jump ahead in database time; the in-process pair gate runs on the real clock."""
    ratelimit.pair_gate.cache_clear()


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    def run(now=None):
        forget_recent_sends()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.run_tick(now)

    return run


def deliveries(announcement):
    return {d.subscriber_code: d for d in Delivery.objects.filter(announcement=announcement)}


def test_broadcast_reaches_every_subscriber_exactly_once(tick):
    make_subscribers(30)
    announcement = approved_announcement()

    tick()

    assert sorted(m["to"] for m in locmem.outbox) == sorted(phone_number(i) for i in range(30))
    rows = deliveries(announcement)
    assert {d.status for d in rows.values()} == {Status.SENT}
    assert {m["callback_data"] for m in locmem.outbox} == {str(d.pk) for d in rows.values()}
    assert {message_key(m["wamid"]) for m in locmem.outbox} == {d.wamid_hash for d in rows.values()}
    assert all(d.attempts == 1 and d.sent_at for d in rows.values())
    assert locmem.outbox[0]["template"] == "titz_info"
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    assert announcement.started_at and announcement.finished_at


def test_ticks_and_replayed_batches_send_nothing_twice(tick):
    make_subscribers(10)
    announcement = approved_announcement()
    tick()
    tick()
    lo = Delivery.objects.order_by("id").first().pk
    Announcement.objects.filter(pk=announcement.pk).update(status="sending")
    sending.run_batch(announcement.pk, lo, lo + 100)  # a redelivered task message

    assert len(locmem.outbox) == 10
    assert Delivery.objects.count() == 10


def test_scheduled_announcement_waits_for_its_time(tick):
    make_subscribers(3)
    later = timezone.now() + timedelta(hours=1)
    announcement = approved_announcement(scheduled_at=later)

    tick()
    assert locmem.outbox == []
    tick(later + timedelta(seconds=1))
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    assert len(locmem.outbox) == 3


def test_transient_error_retries_with_backoff_and_records_attempts(tick):
    make_subscribers(3)
    announcement = approved_announcement()
    locmem.fail_for(phone_number(1), TransientError("boom", code=131000, http_status=500))

    tick()
    row = deliveries(announcement)["T-000001"]
    assert row.status == Status.QUEUED
    assert row.attempts == 1 and row.error_code == 131000
    assert row.next_attempt_at > timezone.now()
    assert "Unbekannter Fehler" in row.error_title
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENDING

    locmem.reset()
    tick(row.next_attempt_at + timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert [m["to"] for m in locmem.outbox] == [phone_number(1)]
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT


def test_transient_errors_are_bounded(tick, settings):
    settings.BROADCAST_MAX_ATTEMPTS = 2
    make_subscribers(1)
    announcement = approved_announcement()
    locmem.fail_for(phone_number(0), TransientError("down", code=131016, http_status=503))
    tick()
    tick(timezone.now() + timedelta(hours=1))

    row = deliveries(announcement)["T-000000"]
    assert row.status == Status.FAILED and row.attempts == 2 and row.error_code == 131016
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.FAILED


def test_throughput_error_slows_the_limiter_and_retries(tick, monkeypatch):
    make_subscribers(2)
    announcement = approved_announcement()
    locmem.fail_next(ThroughputError("slow down", code=130429, http_status=400, retry_after=2))
    tick()
    statuses = sorted(d.status for d in deliveries(announcement).values())
    assert statuses == [Status.QUEUED, Status.SENT]
    queued = Delivery.objects.get(status=Status.QUEUED)
    assert queued.next_attempt_at >= timezone.now() + timedelta(seconds=1)


def test_pair_rate_limit_delays_only_that_recipient(tick):
    make_subscribers(3)
    announcement = approved_announcement()
    locmem.fail_for(phone_number(2), PairRateLimitError("pair", code=131056, http_status=400))
    tick()
    rows = deliveries(announcement)
    assert rows["T-000002"].status == Status.QUEUED
    assert rows["T-000002"].next_attempt_at >= timezone.now()
    assert rows["T-000000"].status == rows["T-000001"].status == Status.SENT


def test_recipient_error_fails_once_with_german_explanation_and_flags(tick, settings):
    settings.UNDELIVERABLE_FLAG_THRESHOLD = 2
    make_subscribers(2)
    error = RecipientError("undeliverable", code=131026, explanation="Nicht zustellbar.")
    locmem.fail_for(phone_number(0), error)
    for title in ("Eins", "Zwei"):
        approved_announcement(title=title)
        tick()

    failed = Delivery.objects.filter(subscriber_code="T-000000")
    assert [(d.status, d.error_code, d.attempts) for d in failed] == [("failed", 131026, 1)] * 2
    assert failed[0].error_title == "Nicht zustellbar."
    subscriber = Subscriber.objects.get(code="T-000000")
    assert subscriber.undeliverable_count == 2 and subscriber.flagged_undeliverable
    assert not Subscriber.objects.get(code="T-000001").flagged_undeliverable
    assert Announcement.objects.filter(status="partly_failed").count() == 2


def test_account_error_pauses_every_broadcast_and_says_why(tick):
    make_subscribers(20)
    first = approved_announcement(title="Eins")
    locmem.fail_next(AccountError("expired", code=190, explanation="Token abgelaufen."))
    tick()

    first.refresh_from_db()
    assert first.status == Announcement.Status.PAUSED
    assert first.pause_reason == "Token abgelaufen."
    assert locmem.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.QUEUED}
    assert Delivery.objects.filter(attempts__gt=0).count() == 0


def test_request_error_pauses_only_that_broadcast(tick):
    make_subscribers(5)
    announcement = approved_announcement()
    locmem.fail_next(RequestError("template", code=132001, explanation="Vorlage fehlt."))
    tick()
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.PAUSED
    assert announcement.pause_reason == "Vorlage fehlt."


def test_resume_continues_with_what_is_left(tick, superuser):
    from announcements import services

    make_subscribers(5)
    announcement = approved_announcement()
    locmem.fail_next(AccountError("expired", code=190, explanation="Token abgelaufen."))
    tick()
    services.resume(announcement, superuser)
    tick()
    assert sorted(m["to"] for m in locmem.outbox) == [phone_number(i) for i in range(5)]
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT


def test_paused_broadcast_sends_nothing(tick):
    make_subscribers(5)
    announcement = approved_announcement()
    scheduler.start_due_announcements()  # fan-out without running the batches
    Announcement.objects.filter(pk=announcement.pk).update(status="paused")
    lo = Delivery.objects.order_by("id").first().pk
    assert sending.run_batch(announcement.pk, lo, lo + 10) == sending.DONE
    assert locmem.outbox == []


def test_stop_from_a_resident_cancels_the_queued_delivery(tick):
    make_subscribers(3)
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    Subscriber.objects.get(code="T-000001").delete()
    tick()
    rows = deliveries(announcement)
    assert rows["T-000001"].status == Status.CANCELLED
    assert rows["T-000001"].subscriber_id is None
    assert sorted(m["to"] for m in locmem.outbox) == [phone_number(0), phone_number(2)]


def test_claimed_delivery_of_a_deleted_subscriber_is_cancelled(tick):
    make_subscribers(2)
    announcement = approved_announcement()
    scheduler.start_due_announcements()
    now = timezone.now()
    rows = claim(announcement.pk, 0, 10**9, 10, now)
    Subscriber.objects.get(code="T-000000").delete()
    outcome = sending.send_rows(
        [(i, s if s in set(Subscriber.objects.values_list("pk", flat=True)) else None, a)
         for i, s, a, _language in rows],
        announcement.send_kwargs(),
    )  # fmt: skip
    sending.record(outcome, now)
    assert deliveries(announcement)["T-000000"].status == Status.CANCELLED
    assert [m["to"] for m in locmem.outbox] == [phone_number(1)]


def test_network_error_without_evidence_waits_for_the_sweeper(tick, settings):
    make_subscribers(1)
    announcement = approved_announcement()
    locmem.fail_next(TransientError("read timeout", retry_after=10))
    tick()
    row = deliveries(announcement)["T-000000"]
    assert row.status == Status.SENDING  # may have reached Meta: no blind retry

    assert sweeper.requeue_stale_claims(timezone.now()) == 0
    later = timezone.now() + timedelta(seconds=settings.BROADCAST_CLAIM_GRACE_SECONDS + 1)
    tick(later)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert len(locmem.outbox) == 1


def test_urgent_warning_goes_to_the_urgent_queue(monkeypatch, django_capture_on_commit_callbacks):
    from titz_broadcast.celery import app

    def routed(args, **options):  # the queue Celery's router picks when it publishes
        calls.append(app.amqp.router.route(options, tasks.send_batch.name, args, {})["queue"].name)

    make_subscribers(2)
    approved_announcement(urgent=True)
    calls = []
    monkeypatch.setattr(tasks.send_batch, "apply_async", routed)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_tick()
    assert calls and set(calls) == {"urgent"}


def test_lost_batch_messages_are_re_dispatched(
    tick, monkeypatch, django_capture_on_commit_callbacks
):
    make_subscribers(4)
    announcement = approved_announcement()
    lost = []
    with monkeypatch.context() as patch:
        patch.setattr(tasks.send_batch, "apply_async", lambda *a, **k: lost.append(a))
        tick()
    assert lost and locmem.outbox == []
    # The dispatch is remembered in the database (no cache to lose): only the stall tells.
    tick(timezone.now() + timedelta(seconds=scheduler.stall_seconds() + 1))
    assert len(locmem.outbox) == 4
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT


def test_a_running_broadcast_steps_aside_while_an_urgent_warning_waits(tick, settings):
    make_subscribers(5)
    news = approved_announcement()
    scheduler.start_due_announcements()  # fan-out without running the batches
    lo = Delivery.objects.order_by("id").first().pk
    warning = approved_announcement(urgent=True)

    assert sending.run_batch(news.pk, lo, lo + 10).continue_after == settings.BROADCAST_TASK_SECONDS
    assert locmem.outbox == []

    tick()  # the warning starts and is sent completely before the news goes on
    warning.refresh_from_db()
    assert warning.status == Announcement.Status.SENT
    warning_ids = {str(pk) for pk in warning.deliveries.values_list("pk", flat=True)}
    assert {m["callback_data"] for m in locmem.outbox[:5]} == warning_ids

    # The news to the same residents now waits for the 6 s pair limit; let it pass.
    forget_recent_sends()
    Delivery.objects.filter(announcement=news).update(next_attempt_at=None)
    sending.run_batch(news.pk, lo, lo + 10)
    assert Delivery.objects.filter(announcement=news, status=Status.SENT).count() == 5
    assert len(locmem.outbox) == 10
