"""Idempotency, failure recording, retries and retention of the webhook event store."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.fixtures.payloads import (
    inbound_text_payload,
    status_entry,
    status_payload,
    statuses_payload,
    user_preferences_payload,
)
from tests.fixtures.webhooks import signed_post
from whatsapp import inbox, store, tasks
from whatsapp.ids import message_key as K
from whatsapp.models import WebhookEvent
from whatsapp.sealing import seal
from whatsapp.signals import inbound_message, status_update
from whatsapp.tasks import dispatch_due_events

pytestmark = pytest.mark.django_db
# Distinctive digits: its last six must not turn up by chance (in a logged duration, say).
NUMBER = "4915187654329"


class Failing:
    """A receiver that raises for its first ``times`` calls."""

    def __init__(self, signal, times=1):
        self.signal, self.times, self.calls = signal, times, 0

    def __call__(self, sender, **kwargs):
        self.calls += 1
        if self.calls <= self.times:
            raise RuntimeError(f"receiver broke on +{NUMBER}")

    def __enter__(self):
        self.signal.connect(self, weak=False)
        return self

    def __exit__(self, *exc):
        self.signal.disconnect(self)


def make_due():
    WebhookEvent.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_duplicate_post_dispatches_once(client, received):
    payload = inbound_text_payload(NUMBER, "Start", "wamid.DUP1")
    assert signed_post(client, payload).status_code == 200
    assert signed_post(client, payload).status_code == 200
    assert len(received.inbound) == 1
    assert WebhookEvent.objects.count() == 1


def test_duplicate_status_is_dispatched_once_but_next_status_is_new(client, received):
    signed_post(client, status_payload("wamid.S1", "sent", NUMBER))
    signed_post(client, status_payload("wamid.S1", "sent", NUMBER))
    signed_post(client, status_payload("wamid.S1", "delivered", NUMBER))
    assert [e.status for e in received.statuses] == ["sent", "delivered"]


def test_only_new_statuses_of_a_partly_seen_batch_are_dispatched(client, received):
    signed_post(client, status_payload("wamid.P1", "sent", NUMBER))
    batch = [status_entry("wamid.P1", "sent", NUMBER), status_entry("wamid.P2", "sent", NUMBER)]
    signed_post(client, statuses_payload(batch))
    assert [e.message_id for e in received.statuses] == [K("wamid.P1"), K("wamid.P2")]
    assert received.status_batches == 2


def test_processed_event_keeps_ids_but_no_data(client):
    signed_post(client, inbound_text_payload(NUMBER, "Start", "wamid.OK1"))
    event = WebhookEvent.objects.get()
    assert event.key == f"in:{K('wamid.OK1')}" and event.kind == "inbound"
    assert event.processed_at is not None and event.data == "" and event.next_attempt_at is None
    assert event.attempts == 0


def test_failing_receiver_still_answers_200_and_records_the_error(client, received):
    with Failing(inbound_message):
        response = signed_post(client, inbound_text_payload(NUMBER, "Start", "wamid.F1"))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.attempts == 1
    assert "RuntimeError: receiver broke" in event.last_error
    assert event.next_attempt_at > timezone.now()
    assert event.data  # kept, encrypted, for the retry


def test_no_plaintext_number_is_stored_or_logged(client, caplog):
    # Celery's success lines hold a duration and a count; its errors still show.
    caplog.set_level(logging.WARNING, logger="celery.app.trace")
    with Failing(inbound_message), Failing(status_update):
        signed_post(client, inbound_text_payload(NUMBER, "Start", "wamid.PRIV1"))
        signed_post(client, status_payload("wamid.PRIV2", "failed", NUMBER, error_code=131026))
        signed_post(client, user_preferences_payload(NUMBER, "stop"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {WebhookEvent._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    assert len(rows) == 3
    stored = repr(rows)
    assert NUMBER not in stored and NUMBER[-6:] not in stored
    assert "[redacted]" in stored  # the receiver's message quoted the number
    assert NUMBER not in caplog.text and NUMBER[-6:] not in caplog.text


def test_retry_task_redispatches_and_then_blanks_the_data(client, received):
    with Failing(inbound_message):
        signed_post(client, inbound_text_payload(NUMBER, "Start", "wamid.R1"))
    assert dispatch_due_events() == 0  # not due yet: backoff
    make_due()
    assert dispatch_due_events() == 1
    event = WebhookEvent.objects.get()
    assert event.processed_at is not None and event.data == "" and event.attempts == 1
    assert [e.message_id for e in received.inbound] == [K("wamid.R1"), K("wamid.R1")]
    assert received.inbound[1].sender == NUMBER  # the event survived encryption intact
    assert dispatch_due_events() == 0


def test_retry_batches_statuses_into_one_signal(client, received):
    with Failing(status_update, times=2):
        signed_post(client, status_payload("wamid.B1", "sent", NUMBER, "d:1"))
        signed_post(client, status_payload("wamid.B2", "sent", NUMBER, "d:2", error_code=131049))
    make_due()
    received.statuses.clear()
    received.status_batches = 0
    assert dispatch_due_events() == 2
    assert received.status_batches == 1
    assert [(e.callback_data, [x.code for x in e.errors]) for e in received.statuses] == [
        ("d:1", []),
        ("d:2", [131049]),
    ]


def test_a_poisoned_status_does_not_hold_back_the_others(client):
    def breaks_on_b2(sender, events, **kwargs):
        if any(e.message_id == K("wamid.X2") for e in events):
            raise ValueError("cannot apply")

    status_update.connect(breaks_on_b2, weak=False)
    try:
        batch = [status_entry(f"wamid.X{i}", "sent", NUMBER) for i in range(1, 4)]
        assert signed_post(client, statuses_payload(batch)).status_code == 200
    finally:
        status_update.disconnect(breaks_on_b2)
    failed = WebhookEvent.objects.filter(processed_at__isnull=True)
    assert [e.key for e in failed] == [f"st:{K('wamid.X2')}:sent"]
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 2


def test_retries_are_bounded(client):
    with Failing(inbound_message, times=100) as receiver:
        signed_post(client, inbound_text_payload(NUMBER, "Start", "wamid.G1"))
        for _ in range(inbox.MAX_ATTEMPTS + 3):
            make_due()
            dispatch_due_events()
    event = WebhookEvent.objects.get()
    assert receiver.calls == inbox.MAX_ATTEMPTS
    assert event.attempts == inbox.MAX_ATTEMPTS and event.given_up


def test_event_of_a_crashed_request_is_retried_after_its_lease(client, received):
    # Simulates a web process dying after the INSERT, before the receivers ran.
    event = _parsed_text_event("wamid.C1")
    lease_ends = timezone.now() + inbox.LEASE
    store.insert_new([("in:wamid.C1", "inbound", seal(event), timezone.now())], due=lease_ends)
    assert dispatch_due_events() == 0
    make_due()
    assert dispatch_due_events() == 1
    assert [e.message_id for e in received.inbound] == [K("wamid.C1")]


def _parsed_text_event(message_id):
    from whatsapp.parsing import parse

    return parse(inbound_text_payload(NUMBER, "Start", message_id)).messages[0]


def test_undecryptable_event_is_given_up_without_retry(client, settings):
    with Failing(inbound_message):
        signed_post(client, inbound_text_payload(NUMBER, "Start", "wamid.K1"))
    settings.NUMBER_ENCRYPTION_KEYS = ["bmV3LWtleS1uZXctbmV3LWtleS1uZXctbmV3LWtleTA="]
    make_due()
    assert dispatch_due_events() == 0
    event = WebhookEvent.objects.get()
    assert event.given_up and "InvalidToken" in event.last_error


def test_purge_deletes_old_processed_and_given_up_events_only(client, settings):
    settings.WHATSAPP_EVENT_RETENTION_DAYS = 7
    signed_post(client, status_payload("wamid.OLD", "sent", NUMBER))
    with Failing(status_update, times=2):
        signed_post(client, status_payload("wamid.OLDFAIL", "sent", NUMBER))
        signed_post(client, status_payload("wamid.OLDGIVENUP", "sent", NUMBER))
    WebhookEvent.objects.filter(key=f"st:{K('wamid.OLDGIVENUP')}:sent").update(next_attempt_at=None)
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(days=8))
    signed_post(client, status_payload("wamid.NEW", "sent", NUMBER))
    assert inbox.purge(timezone.now()) == 2
    assert sorted(WebhookEvent.objects.values_list("key", flat=True)) == sorted(
        [f"st:{K('wamid.NEW')}:sent", f"st:{K('wamid.OLDFAIL')}:sent"]
    )


def test_beat_schedule_of_the_project_app_dispatches_due_events(client, received):
    """Beat's entry names a task the app has registered, that task dispatches due events,
    and it runs every few seconds.

    The key alone would pass with a misspelt task name (beat sends a message no worker
    knows, and failed events wait forever) or with an interval of hours.
    """
    from celery.schedules import maybe_schedule

    from titz_broadcast.celery import app

    app.finalize()
    assert "whatsapp.dispatch_due_events" in app.conf.beat_schedule
    entry = app.conf.beat_schedule["whatsapp.dispatch_due_events"]
    assert entry["task"] in app.tasks, f"beat names an unregistered task: {entry['task']}"
    assert maybe_schedule(entry["schedule"]).run_every == timedelta(seconds=5)

    with Failing(inbound_message):
        signed_post(client, inbound_text_payload(NUMBER, "Start", "wamid.BEAT1"))
    make_due()
    # What a worker does with beat's message: look the name up and run that task.
    assert app.tasks[entry["task"]].apply().get() == 1
    assert WebhookEvent.objects.get().processed_at is not None
    assert [e.message_id for e in received.inbound] == [K("wamid.BEAT1"), K("wamid.BEAT1")]


def test_statuses_within_the_window_are_dispatched_together(
    client, received, settings, monkeypatch
):
    settings.WHATSAPP_STATUS_BATCH_SECONDS = 60
    monkeypatch.setattr(tasks, "_last_queued", float("-inf"))  # no dispatch queued yet
    # The first POST queues a dispatch (eager Celery runs it at once, ignoring the
    # countdown); the next ones within the window rely on it and queue nothing.
    for wamid in ("wamid.W1", "wamid.W2", "wamid.W3"):
        assert signed_post(client, status_payload(wamid, "sent", NUMBER)).status_code == 200
    assert [e.message_id for e in received.statuses] == [K("wamid.W1")]
    # The queued run, or beat's, takes the rest as one batch.
    assert dispatch_due_events() == 2
    assert [e.message_id for e in received.statuses] == [
        K("wamid.W1"),
        K("wamid.W2"),
        K("wamid.W3"),
    ]
    assert received.status_batches == 2
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_a_dispatch_run_is_bounded_and_queues_the_next(client, received, monkeypatch):
    monkeypatch.setattr(inbox, "DUE_BATCH", 2)
    now = timezone.now()
    rows = [
        (f"st:wamid.M{i}:sent", "status", seal(_status_event(f"wamid.M{i}")), now)
        for i in range(2 * inbox.BATCHES_PER_RUN + 3)
    ]
    store.insert_new(rows, due=now)
    # 20 batches of 2 in the first run, then the queued run (eager here) takes the last 3.
    assert dispatch_due_events() == 40
    assert len(received.statuses) == 43


def _status_event(message_id):
    from whatsapp.parsing import parse

    return parse(status_payload(message_id, "sent", NUMBER)).statuses[0]


def test_new_events_get_ids_in_the_order_they_came_and_known_keys_none():
    """Waiting events are replayed in id order: a "Start" must stay before its "Stop"."""
    now = timezone.now()
    store.insert_new([("up:known", "user_preference", "", now)])
    keys = [f"in:{i:03d}" for i in (5, 1, 9, 3, 7, 2)]
    inserted = store.insert_new([(k, "inbound", "", now) for k in [*keys, "up:known"]])
    assert sorted(inserted, key=inserted.get) == keys
    row = WebhookEvent.objects.get(key=keys[0])
    assert row.processed_at is not None and row.next_attempt_at is None
    assert abs(row.received_at - now) < timedelta(seconds=1)
