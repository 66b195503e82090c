"""The status intake: what a status POST costs, and that nothing is lost or doubled on the
way from the request to the receivers (Redis list, lock, fallback to the database)."""

import json
import os

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from announcements.models import Delivery
from tests.fixtures.broadcasts import approved_announcement, make_subscribers
from tests.fixtures.payloads import status_entry, status_payload, statuses_payload
from tests.fixtures.webhooks import signed_post
from whatsapp import inbox, intake
from whatsapp.ids import message_key
from whatsapp.models import WebhookEvent
from whatsapp.redis_client import redis_client
from whatsapp.tasks import dispatch_due_events

pytestmark = pytest.mark.django_db
# Distinctive digits: its last six must not turn up by chance (in a logged duration, say).
NUMBER = "4915187654329"


@pytest.fixture
def sent_delivery():
    subscriber = make_subscribers(1)[0]
    return Delivery.objects.create(
        announcement=approved_announcement(),
        subscriber=subscriber,
        subscriber_code=subscriber.code,
        status="sent",
        wamid_hash=message_key("wamid.T1"),
    )


@pytest.fixture
def with_redis(settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    return redis_client()


def post_without_dispatch(client, capture, payload):
    """POST a status; returns the SQL verbs the request ran and what it queued on commit."""
    with capture() as after_commit, CaptureQueriesContext(connection) as queries:
        response = signed_post(client, payload, run_on_commit=False)
    assert response.status_code == 200
    return [q["sql"].split()[0] for q in queries.captured_queries], after_commit


def test_without_redis_a_status_post_is_one_insert(
    client, settings, sent_delivery, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = ""
    verbs, after_commit = post_without_dispatch(
        client, django_capture_on_commit_callbacks, status_payload("wamid.T1", "delivered", NUMBER)
    )
    assert verbs == ["INSERT"]
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.data and NUMBER not in event.data
    assert Delivery.objects.get().status == "sent"  # not applied in the request
    # After the commit the request queues the dispatch; eager Celery runs it here.
    assert len(after_commit) == 1
    after_commit[0]()
    assert Delivery.objects.get().status == "delivered"
    event.refresh_from_db()
    assert event.processed_at is not None and event.data == "" and event.next_attempt_at is None


@pytest.mark.redis
def test_with_redis_a_status_post_touches_no_database(
    client, with_redis, sent_delivery, django_capture_on_commit_callbacks
):
    verbs, after_commit = post_without_dispatch(
        client, django_capture_on_commit_callbacks, status_payload("wamid.T1", "delivered", NUMBER)
    )
    assert verbs == []
    kept = with_redis.lrange(intake.KEY, 0, -1)
    assert len(kept) == 1 and message_key("wamid.T1").encode() in kept[0]
    assert NUMBER.encode() not in kept[0] and NUMBER[-6:].encode() not in kept[0]
    assert not WebhookEvent.objects.exists()
    after_commit[0]()
    assert Delivery.objects.get().status == "delivered"
    assert WebhookEvent.objects.get().processed_at is not None
    assert with_redis.llen(intake.KEY) == 0


@pytest.mark.redis
def test_with_redis_duplicates_are_dispatched_once(client, with_redis, received):
    batch = [status_entry("wamid.D1", "sent", NUMBER), status_entry("wamid.D2", "sent", NUMBER)]
    signed_post(client, status_payload("wamid.D1", "sent", NUMBER))
    with TestCase.captureOnCommitCallbacks():  # both in the list when the drain comes
        signed_post(client, statuses_payload(batch), run_on_commit=False)
        signed_post(client, statuses_payload(batch), run_on_commit=False)
    assert with_redis.llen(intake.KEY) == 4
    dispatch_due_events()
    assert [e.message_id for e in received.statuses] == [
        message_key("wamid.D1"),
        message_key("wamid.D2"),
    ]
    assert WebhookEvent.objects.count() == 2


@pytest.mark.redis
def test_a_drain_waits_for_the_lock_and_leaves_the_list_when_it_cannot_get_it(
    client, with_redis, received, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(intake, "LOCK_WAIT_SECONDS", 0.2)
    with_redis.set(intake.LOCK_KEY, "another drain")
    post_without_dispatch(
        client, django_capture_on_commit_callbacks, status_payload("wamid.L1", "sent", NUMBER)
    )
    assert not inbox.catch_up().complete
    assert with_redis.llen(intake.KEY) == 1
    with_redis.delete(intake.LOCK_KEY)  # the other drain finished
    assert inbox.catch_up().complete
    assert [e.message_id for e in received.statuses] == [message_key("wamid.L1")]


@pytest.mark.redis
def test_a_drain_that_lost_its_lock_trims_nothing_and_the_next_doubles_nothing(
    client, with_redis, received, django_capture_on_commit_callbacks
):
    for wamid in ("wamid.X1", "wamid.X2"):
        post_without_dispatch(
            client, django_capture_on_commit_callbacks, status_payload(wamid, "sent", NUMBER)
        )

    def lock_expires_during_insert(execute, sql, params, many, context):
        with_redis.set(intake.LOCK_KEY, "a drain that started after ours expired")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lock_expires_during_insert):
        assert not inbox.catch_up().complete
    assert with_redis.llen(intake.KEY) == 2  # kept: it was not ours to trim any more
    assert WebhookEvent.objects.count() == 2
    with_redis.delete(intake.LOCK_KEY)
    assert inbox.catch_up().complete
    assert with_redis.llen(intake.KEY) == 0
    assert WebhookEvent.objects.count() == 2
    assert sorted(e.message_id for e in received.statuses) == sorted(
        [message_key("wamid.X1"), message_key("wamid.X2")]
    )


def test_while_redis_is_unreachable_statuses_go_to_the_database(
    client, settings, sent_delivery, caplog
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = signed_post(client, status_payload("wamid.T1", "delivered", NUMBER))
    assert response.status_code == 200
    assert Delivery.objects.get().status == "delivered"
    assert "storing in the database" in caplog.text


@pytest.mark.redis
def test_an_unreadable_entry_is_dropped_and_does_not_block_the_others(
    client, with_redis, received, caplog
):
    with_redis.rpush(intake.KEY, b"not json")
    signed_post(client, status_payload("wamid.U1", "sent", NUMBER))
    assert [e.message_id for e in received.statuses] == [message_key("wamid.U1")]
    assert with_redis.llen(intake.KEY) == 0
    assert "dropping an unreadable entry" in caplog.text


@pytest.mark.redis
def test_a_long_list_is_drained_in_bounded_runs(client, with_redis, received, monkeypatch):
    monkeypatch.setattr(intake, "BATCH", 2)
    batch = [status_entry(f"wamid.B{i}", "sent", NUMBER) for i in range(45)]
    with TestCase.captureOnCommitCallbacks():  # the dispatch the request queues is lost
        signed_post(client, statuses_payload(batch), run_on_commit=False)
    assert with_redis.llen(intake.KEY) == 45
    # A run hands over 20 batches of 2, finds more, and queues the next run (eager here).
    dispatch_due_events()
    assert with_redis.llen(intake.KEY) == 0
    assert received.status_batches == 23
    assert sorted(e.message_id for e in received.statuses) == sorted(
        message_key(e["id"]) for e in batch
    )


def _pushed_status(delivery_id, *, mac=None):
    """What someone with access to Redis pushes: a plain "failed" for a guessed delivery id."""
    from datetime import UTC, datetime

    from whatsapp.events import StatusUpdate
    from whatsapp.sealing import seal

    event = StatusUpdate(
        message_id=message_key("wamid.unknown"),
        status="failed",
        timestamp=datetime.now(UTC),
        recipient="",
        callback_data=str(delivery_id),
    )
    row = ["st:x", "status", seal(event)]
    return json.dumps(row if mac is None else [*row, mac])


@pytest.mark.redis
def test_a_status_pushed_into_redis_without_the_intake_key_is_dropped_and_counted(
    client, with_redis, sent_delivery, caplog
):
    with_redis.delete(intake.REJECTED_KEY)
    with_redis.rpush(intake.KEY, _pushed_status(sent_delivery.pk))
    with_redis.rpush(intake.KEY, _pushed_status(sent_delivery.pk, mac="0" * 64))
    signed_post(client, status_payload("wamid.T1", "delivered", NUMBER))
    assert Delivery.objects.get().status == "delivered"  # not failed by the pushed entries
    assert with_redis.llen(intake.KEY) == 0
    assert intake.rejected() == 2
    assert "without a valid HMAC" in caplog.text
    with_redis.delete(intake.REJECTED_KEY)


def test_an_entry_is_accepted_only_with_the_hmac_of_the_intake_key(settings, sent_delivery):
    entry = json.loads(_pushed_status(sent_delivery.pk))
    signed = json.dumps([*entry, intake._mac(*entry[1:])])
    assert intake._decode(signed).event.callback_data == str(sent_delivery.pk)
    settings.WHATSAPP_INTAKE_KEY = "another-key"
    assert intake._decode(signed) is intake._FORGED
    assert intake._decode(json.dumps(entry)) is intake._FORGED
