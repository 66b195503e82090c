"""One transaction for a POST's inbound events: all or nothing, failures isolated."""

import pytest
from django.db import DatabaseError, connection

from subscribers.models import Subscriber
from tests.fixtures.payloads import inbound_text_payload, status_entry, status_payload
from tests.fixtures.webhooks import signed_post
from whatsapp.ids import message_key as K
from whatsapp.models import WebhookEvent
from whatsapp.signals import inbound_message, status_update

NUMBER = "4915100000001"


class ProcessDied(BaseException):
    """Stands for the web process being killed while the receivers run."""


class Raising:
    """A receiver that raises ``error`` on its first ``times`` calls."""

    def __init__(self, signal, error, times=1):
        self.signal, self.error, self.times, self.calls = signal, error, times, 0

    def __call__(self, sender, **kwargs):
        self.calls += 1
        if self.calls <= self.times:
            raise self.error

    def __enter__(self):
        self.signal.connect(self, weak=False)
        return self

    def __exit__(self, *exc):
        self.signal.disconnect(self)


def start_and_status_payload(wamid):
    """One POST with a resident's "Start" and a status for another message."""
    payload = inbound_text_payload(NUMBER, "Start", "wamid.IN1")
    payload["entry"][0]["changes"][0]["value"]["statuses"] = [
        status_entry(wamid, "delivered", NUMBER)
    ]
    return payload


@pytest.mark.django_db
def test_a_failing_receiver_keeps_the_others_work_and_is_not_called_twice(client):
    with Raising(status_update, RuntimeError("status receiver broke")) as failing:
        response = signed_post(client, start_and_status_payload("wamid.UNKNOWN1"))
    assert response.status_code == 200
    assert failing.calls == 1  # the failed batch of one was recorded, not sent again
    assert Subscriber.objects.count() == 1  # the "Start" in the same POST took effect
    inbound = WebhookEvent.objects.get(key=f"in:{K('wamid.IN1')}")
    assert inbound.processed_at is not None and inbound.data == ""
    status = WebhookEvent.objects.get(key=f"st:{K('wamid.UNKNOWN1')}:delivered")
    assert status.processed_at is None and status.attempts == 1 and status.data
    assert "status receiver broke" in status.last_error


@pytest.mark.django_db
def test_a_process_dying_before_the_commit_leaves_nothing_and_meta_retries(client, settings):
    # Without Redis, so that the intake is the event store; with it, the status waits in
    # the Redis list until a worker drains it (the process died before queuing one).
    settings.REDIS_URL = ""
    payload = start_and_status_payload("wamid.UNKNOWN2")
    with Raising(inbound_message, ProcessDied()), pytest.raises(ProcessDied):
        signed_post(client, payload)
    # The status was stored by a statement of its own before the "Start" was handled.
    assert list(WebhookEvent.objects.values_list("key", flat=True)) == [
        f"st:{K('wamid.UNKNOWN2')}:delivered"
    ]
    assert Subscriber.objects.count() == 0
    # Nothing was acknowledged, so Meta sends the same POST again: it is new to us.
    assert signed_post(client, payload).status_code == 200
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 2
    assert Subscriber.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # a real COMMIT, not a savepoint's release
def test_a_receiver_swallowing_a_database_error_cannot_lose_the_post(client):
    """PostgreSQL turns the COMMIT of an aborted transaction into a silent ROLLBACK."""

    def swallows(sender, **kwargs):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
        except DatabaseError:
            pass

    status_update.connect(swallows, weak=False)
    try:
        response = signed_post(client, status_payload("wamid.SW1", "sent", NUMBER))
    finally:
        status_update.disconnect(swallows)
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.attempts == 1 and event.data
