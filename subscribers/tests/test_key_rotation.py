"""Key rotation reaches every place an encrypted number rests, not only subscribers.

A "Stop" whose receiver failed waits, sealed, in the event store; a status may wait in
Redis's intake. After ``reencrypt_numbers`` the old key can go and neither is lost.
"""

import io
import os
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.utils import timezone

from subscribers.models import ConsentEvent, Subscriber
from tests.fixtures import payloads
from tests.fixtures.payloads import status_payload
from whatsapp import inbox, intake, store
from whatsapp.models import WebhookEvent
from whatsapp.parsing import parse
from whatsapp.redis_client import redis_client
from whatsapp.sealing import seal

NUMBER = "4915111234599"


def rotate(settings):
    old_keys = list(settings.NUMBER_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.NUMBER_ENCRYPTION_KEYS = [new_key, *old_keys]
    return new_key


@pytest.mark.django_db
def test_a_waiting_stop_survives_the_rotation(webhook, settings):
    webhook(payloads.text(NUMBER, "Start"))
    [stop] = parse(payloads.text(NUMBER, "Stop")).messages
    # A "Stop" stored but not yet handled: its receiver failed and waits for its retry.
    later = timezone.now() + timedelta(minutes=5)
    store.insert_new([(store.event_key(stop), "inbound", seal(stop), timezone.now())], later)
    new_key = rotate(settings)
    out = io.StringIO()
    call_command("reencrypt_numbers", stdout=out)
    assert "1 waiting webhook events re-encrypted" in out.getvalue()

    settings.NUMBER_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    WebhookEvent.objects.update(next_attempt_at=timezone.now())
    assert inbox.dispatch_due() == 1
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.filter(action="opt_out").count() == 1


@pytest.mark.redis
@pytest.mark.django_db
def test_statuses_waiting_in_redis_are_drained_before_the_old_key_goes(settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    [status] = parse(status_payload(payloads.wamid(NUMBER), "delivered", NUMBER)).statuses
    intake.put([(store.event_key(status), status)])
    rotate(settings)
    out = io.StringIO()
    call_command("reencrypt_numbers", stdout=out)
    assert redis_client().llen(intake.KEY) == 0
    assert "1 waiting webhook events dispatched" in out.getvalue()
    assert WebhookEvent.objects.get().processed_at is not None
