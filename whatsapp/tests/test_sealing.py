"""What the event store and the Redis intake keep of an event: encrypted if it names a
resident, plain JSON if it names nobody (most statuses), and nothing forged accepted."""

import json
import logging

import pytest
from django.utils import timezone

from tests.fixtures.payloads import failed_status, inbound_text_payload, status_payload
from whatsapp import intake, sealing, store
from whatsapp.models import WebhookEvent
from whatsapp.parsing import parse

# Distinctive digits: its last six must not turn up by chance.
NUMBER = "4915187654329"


def _status(status="delivered"):
    return parse(status_payload("wamid.S1", status, NUMBER)).statuses[0]


def test_a_status_that_names_nobody_is_kept_in_plain_and_read_back_alike():
    event = _status()
    data = sealing.seal(event)
    assert json.loads(data)["status"] == "delivered"
    assert NUMBER[-6:] not in data
    assert sealing.unseal("status", data) == event


@pytest.mark.parametrize(
    "kind, event",
    [
        ("status", parse(failed_status(NUMBER, 131050)).statuses[0]),
        ("inbound", parse(inbound_text_payload(NUMBER, "Start")).messages[0]),
    ],
    ids=["refused send (names its recipient)", "inbound message"],
)
def test_an_event_that_names_a_resident_is_encrypted(kind, event):
    data = sealing.seal(event)
    assert not data.startswith(sealing.PLAIN_PREFIX)
    assert NUMBER[-6:] not in data
    assert sealing.unseal(kind, data) == event


@pytest.mark.parametrize("kind", ["status", "inbound"])
def test_a_plain_entry_that_names_a_resident_is_refused(kind):
    """Only encryption vouches for an event that acts on a resident: a plain "failed"
    status naming someone (as if slipped into Redis) must not end their subscription."""
    event = parse(failed_status(NUMBER, 131050)).statuses[0]
    fields = json.loads(sealing.seal(_status()))
    fields.update(recipient=event.recipient, status="failed")
    if kind == "inbound":
        fields = {"message_id": "x", "sender": NUMBER, "sender_user_id": None, "type": "text"}
        fields["timestamp"] = timezone.now().isoformat()
        fields["v"] = sealing.VERSION
    with pytest.raises(ValueError, match="names a resident"):
        sealing.unseal(kind, json.dumps(fields))


def test_the_intake_drops_a_forged_plain_entry(caplog):
    fields = json.loads(sealing.seal(_status()))
    fields["recipient"] = NUMBER
    caplog.set_level(logging.ERROR, logger="whatsapp.intake")
    data = json.dumps(fields)  # even with the intake's HMAC: its content is refused
    assert intake._decode(json.dumps(["k", "status", data, intake._mac("status", data)])) is None
    assert "dropping an unreadable entry" in caplog.text
    assert NUMBER[-6:] not in caplog.text


@pytest.mark.django_db
def test_key_rotation_reencrypts_the_encrypted_waiting_events_only(settings):
    from cryptography.fernet import Fernet

    now = timezone.now()
    refused = parse(failed_status(NUMBER, 131050)).statuses[0]
    rows = [
        ("st:plain", "status", sealing.seal(_status()), now),
        ("st:sealed", "status", sealing.seal(refused), now),
    ]
    store.insert_new(rows, due=now)
    plain_before = WebhookEvent.objects.get(key="st:plain").data
    new_key = Fernet.generate_key().decode()
    settings.NUMBER_ENCRYPTION_KEYS = [new_key, *settings.NUMBER_ENCRYPTION_KEYS]

    assert store.reseal_pending() == 1
    assert WebhookEvent.objects.get(key="st:plain").data == plain_before
    settings.NUMBER_ENCRYPTION_KEYS = settings.NUMBER_ENCRYPTION_KEYS[:1]  # the new key only
    resealed = WebhookEvent.objects.get(key="st:sealed").data
    assert sealing.unseal("status", resealed) == refused
