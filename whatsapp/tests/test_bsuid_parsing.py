"""Business-scoped user ids in webhooks: changes of identity, and statuses naming both."""

from tests.fixtures import payloads
from whatsapp.ids import identity_key
from whatsapp.parsing import parse
from whatsapp.sealing import seal

NUMBER = "4915111234567"
BSUID = "DE.1349120865530274191"
NEW_BSUID = "DE.1349120865530274999"


def test_user_changed_user_id_is_read_without_any_number():
    [message] = parse(payloads.changed_user_id(BSUID, NEW_BSUID)).messages
    assert message.type == "system"
    assert message.system_type == "user_changed_user_id"
    assert (message.sender, message.sender_user_id) == (BSUID, BSUID)
    assert message.new_sender_user_id == NEW_BSUID
    assert message.new_sender == ""


def test_a_sent_status_naming_both_carries_their_keyed_hashes_only():
    entry = payloads.status_entry(payloads.wamid(NUMBER), "sent", NUMBER, recipient_user_id=BSUID)
    [status] = parse(payloads.statuses_payload([entry])).statuses
    assert status.recipient_number_hash == identity_key(NUMBER)
    assert status.recipient_user_id_hash == identity_key(BSUID)
    assert status.recipient == "" and status.recipient_user_id is None
    stored = seal(status)
    assert stored.startswith("{")  # plain: nothing in it names the resident
    assert NUMBER not in stored and BSUID not in stored


def test_a_status_naming_one_identity_or_not_sent_links_nothing():
    for entry in (
        payloads.status_entry(payloads.wamid(NUMBER), "delivered", NUMBER, recipient_user_id=BSUID),
        payloads.status_entry(payloads.wamid(NUMBER), "read", NUMBER, recipient_user_id=BSUID),
        payloads.status_entry(payloads.wamid(NUMBER), "sent", NUMBER),
        payloads.status_entry(payloads.wamid(NUMBER), "sent", BSUID),
        {**payloads.status_entry(payloads.wamid(NUMBER), "sent", BSUID), "recipient_id": "g.123"},
    ):
        [status] = parse(payloads.statuses_payload([entry])).statuses
        assert (status.recipient_number_hash, status.recipient_user_id_hash) == ("", "")
