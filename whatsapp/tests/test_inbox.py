"""The inbox's answers to its callers: what ``receive`` leaves to do, and whether statuses wait.

The queuing itself is ``tasks``'s job; these tests pin what the inbox tells it, and that
``statuses_waiting`` reads the intake and the store without applying anything.
"""

import os

import pytest
from django.utils import timezone

from tests.fixtures.payloads import inbound_text_payload, status_payload
from tests.fixtures.webhooks import signed_post
from whatsapp import inbox, intake, tasks
from whatsapp.models import WebhookEvent
from whatsapp.parsing import parse
from whatsapp.redis_client import redis_client
from whatsapp.signals import status_update

pytestmark = pytest.mark.django_db
NUMBER = "4915187654329"


def _events(payload):
    parsed = parse(payload)
    return [*parsed.messages, *parsed.preferences, *parsed.statuses]


@pytest.fixture
def without_redis(settings):
    settings.REDIS_URL = ""


def test_receive_asks_for_a_worker_only_when_it_kept_statuses(without_redis, received):
    kept = inbox.receive(_events(status_payload("wamid.R1", "sent", NUMBER)))
    assert kept == inbox.Received(statuses_waiting=True)
    assert received.statuses == []  # kept for a worker, not applied in the request

    handled = inbox.receive(_events(inbound_text_payload(NUMBER, "Hallo", "wamid.R2")))
    assert handled == inbox.Received(statuses_waiting=False)
    assert len(received.inbound) == 1  # dispatched in the request


def test_the_view_queues_one_run_per_window(client, without_redis, settings, monkeypatch):
    settings.WHATSAPP_STATUS_BATCH_SECONDS = 60
    monkeypatch.setattr(tasks, "_last_queued", float("-inf"))
    queued = []
    monkeypatch.setattr(
        tasks.dispatch_due_events, "apply_async", lambda **options: queued.append(options)
    )
    for wamid in ("wamid.V1", "wamid.V2"):
        assert signed_post(client, status_payload(wamid, "sent", NUMBER)).status_code == 200
    signed_post(client, inbound_text_payload(NUMBER, "Hallo", "wamid.V3"))
    assert queued == [{"countdown": 60}]


def test_statuses_waiting_in_the_store(client, without_redis, django_capture_on_commit_callbacks):
    assert not inbox.statuses_waiting()
    with django_capture_on_commit_callbacks():  # the run the request queues is pending
        signed_post(client, status_payload("wamid.S1", "sent", NUMBER), run_on_commit=False)
    assert inbox.statuses_waiting()
    assert inbox.statuses_waiting()  # asking applies nothing
    assert WebhookEvent.objects.get().processed_at is None

    inbox.catch_up()
    assert not inbox.statuses_waiting()


def test_a_status_counts_once_due_not_during_its_backoff_nor_when_given_up(client, without_redis):
    """A receiver that keeps failing must not hold the sweeper up for hours of retries."""

    def broken(sender, **kwargs):
        raise RuntimeError("status receiver broke")

    status_update.connect(broken, weak=False)
    try:
        signed_post(client, status_payload("wamid.B1", "sent", NUMBER))
    finally:
        status_update.disconnect(broken)
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.next_attempt_at > timezone.now()
    assert not inbox.statuses_waiting()  # in its backoff

    WebhookEvent.objects.update(next_attempt_at=timezone.now())  # due again
    assert inbox.statuses_waiting()  # it may hold the evidence the sweeper waits for

    WebhookEvent.objects.update(next_attempt_at=None)  # given up
    assert not inbox.statuses_waiting()


def test_only_statuses_count(without_redis):
    # An inbound "Start" waiting for its retry is no evidence for the sweeper.
    WebhookEvent.objects.create(
        key="in:x",
        kind="inbound",
        data="sealed",
        received_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    assert not inbox.statuses_waiting()


@pytest.mark.redis
def test_statuses_waiting_in_redis(client, settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    with django_capture_on_commit_callbacks():
        signed_post(client, status_payload("wamid.Q1", "sent", NUMBER), run_on_commit=False)
    assert redis_client().llen(intake.KEY) == 1
    assert not WebhookEvent.objects.exists()
    assert inbox.statuses_waiting()

    inbox.catch_up()
    assert not inbox.statuses_waiting()


def test_unreachable_redis_counts_as_waiting(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    assert inbox.statuses_waiting()
