"""Every webhook shape Meta documents, posted through the real view, as normalized events."""

from datetime import UTC, datetime

import pytest

from tests.fixtures.webhooks import signed_post
from whatsapp.ids import message_key

from .conftest import load

A, B = "4915100000001", "4915100000002"
BSUID, BSUID2 = "DE.4711000000000000001", "DE.4711000000000000002"

INBOUND = {
    "inbound_text": {"type": "text", "text": "Start", "sender": A, "sender_user_id": None},
    "inbound_text_reply_with_context": {"text": "Danke", "sender": A, "sender_user_id": BSUID},
    "inbound_text_with_bsuid_fields": {"text": "Stop", "sender": A, "sender_user_id": BSUID},
    "inbound_text_bsuid_only": {"text": "Start", "sender": BSUID2, "sender_user_id": BSUID2},
    "inbound_template_quick_reply_button": {
        "type": "button",
        "text": "Abmelden",
        "payload": "STOP_UPDATES",
    },
    "inbound_button_reply": {"type": "interactive", "text": "Anmelden", "payload": "start"},
    "inbound_interactive_list_reply": {"text": "Abfall", "payload": "topic_waste"},
    "inbound_image": {"type": "image", "text": "Start"},
    "inbound_document": {"type": "document", "text": "Antrag", "sender_user_id": BSUID},
    "inbound_audio": {"type": "audio", "text": ""},
    "inbound_video": {"type": "video", "text": "Baustelle"},
    "inbound_sticker": {"type": "sticker", "text": ""},
    "inbound_location": {"type": "location", "text": ""},
    "inbound_contacts": {"type": "contacts", "text": ""},
    "inbound_reaction": {"type": "reaction", "text": "\U0001f44d"},
    "inbound_system_message": {
        "type": "system",
        "sender": A,
        "text": "",
        "system_type": "user_changed_number",
        "new_sender": B,
    },
    "inbound_unsupported": {"type": "unsupported", "text": ""},
}

STATUSES = {
    "status_sent": {"status": "sent", "callback_data": ""},
    "status_v24_minimal_no_conversation_no_pricing": {"status": "sent"},
    "status_sent_with_biz_opaque_callback_data": {"status": "sent", "callback_data": "d:42"},
    "status_delivered": {"status": "delivered"},
    "status_delivered_cbp_business_initiated": {"status": "delivered"},
    "status_read": {"status": "read", "callback_data": "d:42"},
    "status_played": {"status": "played"},
    "status_delivered_bsuid_only": {"status": "delivered"},
    "status_failed_131047": {"status": "failed", "error_code": 131047},
    "status_failed_131049": {"status": "failed", "error_code": 131049},
    "status_failed_131053": {"status": "failed", "error_code": 131053},
    "status_failed_130472": {"status": "failed", "error_code": 130472},
    "status_failed_131026": {"status": "failed", "error_code": 131026},
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(INBOUND))
def test_inbound_messages(client, received, name):
    payload = load(name)
    assert signed_post(client, payload).status_code == 200
    assert len(received.inbound) == 1
    assert received.statuses == [] and received.preferences == []
    event = received.inbound[0]
    expected = {"sender": A, "phone_number_id": "100000000000001", **INBOUND[name]}
    for field, value in expected.items():
        assert getattr(event, field) == value, field
    raw_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert raw_id.startswith("wamid.IN.") and event.message_id == message_key(raw_id)
    assert event.timestamp == datetime(2025, 11, 29, 7, 6, 40, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(STATUSES))
def test_statuses(client, received, name):
    payload = load(name)
    assert signed_post(client, payload).status_code == 200
    assert received.status_batches == 1 and len(received.statuses) == 1
    event = received.statuses[0]
    expected = dict(STATUSES[name])
    error_code = expected.pop("error_code", None)
    if error_code:
        expected = {**expected, "recipient": A}
    else:
        # Matched by message id alone: the number is not kept (nor sealed into Redis).
        expected = {**expected, "recipient": "", "recipient_user_id": None}
    for field, value in expected.items():
        assert getattr(event, field) == value, field
    raw_id = payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    assert raw_id.startswith("wamid.OUT.") and event.message_id == message_key(raw_id)
    if error_code:
        assert [e.code for e in event.errors] == [error_code]
        assert event.errors[0].details
    else:
        assert event.errors == ()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["stop", "resume", "signup"])
def test_user_preferences(client, received, value):
    assert signed_post(client, load(f"user_preferences_{value}")).status_code == 200
    [event] = received.preferences
    assert (event.sender, event.sender_user_id, event.value) == (A, BSUID, value)
    assert event.category == "marketing_messages"
    assert A not in event.event_id and len(event.event_id) == 40


@pytest.mark.django_db
def test_user_preference_ids_differ_per_value(client, received):
    signed_post(client, load("user_preferences_stop"))
    signed_post(client, load("user_preferences_resume"))
    assert len({e.event_id for e in received.preferences}) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["webhook_errors_130429", "template_status_update_ignored"])
def test_changes_without_events_are_acknowledged(client, received, name, caplog):
    assert signed_post(client, load(name)).status_code == 200
    assert received.count == 0


@pytest.mark.django_db
def test_webhook_error_is_logged_with_code(client, caplog):
    signed_post(client, load("webhook_errors_130429"))
    assert "130429" in caplog.text


@pytest.mark.django_db
def test_statuses_of_one_post_arrive_as_one_batch(client, received):
    from tests.fixtures.payloads import status_entry, statuses_payload

    entries = [status_entry(f"wamid.BATCH{i}", "delivered", A, f"d:{i}") for i in range(50)]
    assert signed_post(client, statuses_payload(entries)).status_code == 200
    assert received.status_batches == 1
    assert [e.callback_data for e in received.statuses] == [f"d:{i}" for i in range(50)]


@pytest.mark.django_db
def test_numbers_with_formatting_are_normalized(client, received):
    payload = load("inbound_text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["from"] = "+49 151 0000 0001"
    signed_post(client, payload)
    assert received.inbound[0].sender == A
