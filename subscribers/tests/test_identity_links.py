"""Both identities of a resident: backfill links, BSUID changes, one Stop for both.

Through signed webhooks on the embedded defaults; the journey through the simulator is
``test_username_residents.py``.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from announcements import tasks
from announcements.engine import fanout
from subscribers import consent_words, export
from subscribers.crypto import hash_identity
from subscribers.models import ConsentEvent, Subscriber
from tests.fixtures import payloads
from tests.fixtures.broadcasts import approved_announcement

pytestmark = pytest.mark.django_db
Action = ConsentEvent.Action
NUMBER = "4915111234567"
BSUID = "DE.1349120865530274191"
NEW_BSUID = "DE.1349120865530274999"
OTHER_BSUID = "DE.1349120865530270000"


def statuses(*entries):
    return payloads.statuses_payload(list(entries))


def test_any_message_naming_both_links_a_number_subscriber(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(NUMBER, "Hallo", user_id=BSUID))
    subscriber = Subscriber.objects.get()
    assert subscriber.user_id_hash == hash_identity(BSUID)
    assert subscriber.user_id_encrypted
    link = ConsentEvent.objects.get(action=Action.IDENTITY_LINKED)
    assert (link.number_hash, link.user_id_hash) == (hash_identity(NUMBER), hash_identity(BSUID))
    assert link.details == {
        "previous_number_hash": hash_identity(NUMBER),
        "previous_user_id_hash": "",
    }
    webhook(payloads.text(NUMBER, "Noch was", user_id=BSUID))  # the second time: no new entry
    assert ConsentEvent.objects.filter(action=Action.IDENTITY_LINKED).count() == 1
    webhook(payloads.text(None, "Stop", user_id=BSUID))
    assert not Subscriber.objects.exists()


def test_a_bsuid_subscriber_learns_its_number(webhook, outbox):
    webhook(payloads.text(None, "Start", user_id=BSUID))
    webhook(payloads.text(NUMBER, "Hilfe", user_id=BSUID))
    subscriber = Subscriber.objects.get()
    assert subscriber.number_hash == hash_identity(NUMBER)
    assert subscriber.recipient() == NUMBER
    assert subscriber.calling_code == "49"


def test_statuses_naming_both_link_by_hash_once_per_batch(webhook):
    webhook(payloads.text(NUMBER, "Start"))
    other = "4915111234000"
    webhook(payloads.text(other, "Start"))
    entries = [
        payloads.status_entry(payloads.wamid(NUMBER), state, NUMBER, recipient_user_id=BSUID)
        for state in ("sent", "delivered", "read")
    ]
    entries.append(payloads.status_entry(payloads.wamid(other), "sent", other))  # no BSUID
    webhook(statuses(*entries))
    subscriber = Subscriber.objects.get(number_hash=hash_identity(NUMBER))
    assert subscriber.user_id_hash == hash_identity(BSUID)
    assert subscriber.user_id_encrypted == ""  # a status carries only the hash
    assert Subscriber.objects.get(number_hash=hash_identity(other)).user_id_hash is None
    [link] = ConsentEvent.objects.filter(action=Action.IDENTITY_LINKED)
    assert link.source == "status"
    webhook(statuses(*entries[:2]))  # a repeated link changes nothing
    assert ConsentEvent.objects.filter(action=Action.IDENTITY_LINKED).count() == 1


def test_a_status_link_never_takes_a_bsuid_subscribed_on_its_own(webhook):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(None, "Start", user_id=BSUID))
    entry = payloads.status_entry(payloads.wamid(NUMBER), "sent", NUMBER, recipient_user_id=BSUID)
    webhook(statuses(entry))
    assert Subscriber.objects.get(number_hash=hash_identity(NUMBER)).user_id_hash is None
    assert not ConsentEvent.objects.filter(action=Action.IDENTITY_LINKED).exists()
    webhook(payloads.text(NUMBER, "Stop", user_id=BSUID))  # Stop ends both
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.filter(action=Action.OPT_OUT).count() == 2


def test_user_changed_user_id_follows_the_new_bsuid_and_drops_the_number(webhook):
    webhook(payloads.text(NUMBER, "Start", user_id=BSUID))
    code = Subscriber.objects.get().code
    webhook(payloads.changed_user_id(BSUID, NEW_BSUID))
    subscriber = Subscriber.objects.get()
    assert subscriber.code == code
    assert (subscriber.number_hash, subscriber.number_encrypted) == (None, "")
    assert subscriber.user_id_hash == hash_identity(NEW_BSUID)
    assert subscriber.recipient() == NEW_BSUID
    change = ConsentEvent.objects.get(action=Action.IDENTITY_CHANGED)
    assert change.source == "user_changed_user_id"
    assert change.details["previous_number_hash"] == hash_identity(NUMBER)
    webhook(payloads.changed_user_id(OTHER_BSUID, "DE.1"))  # nobody we know
    assert Subscriber.objects.get().user_id_hash == hash_identity(NEW_BSUID)


def test_user_changed_user_id_to_a_subscribed_bsuid_ends_the_old_subscription(webhook):
    webhook(payloads.text(None, "Start", user_id=BSUID))
    webhook(payloads.text(None, "Start", user_id=NEW_BSUID))
    webhook(payloads.changed_user_id(BSUID, NEW_BSUID))
    assert list(Subscriber.objects.values_list("user_id_hash", flat=True)) == [
        hash_identity(NEW_BSUID)
    ]
    assert (
        ConsentEvent.objects.filter(action=Action.OPT_OUT, source="user_changed_user_id").count()
        == 1
    )


def test_user_changed_number_carries_the_previous_bsuid(webhook):
    """Since Aug 2026 Meta names the old BSUID too: a username subscriber is followed."""
    webhook(payloads.text(None, "Start", user_id=BSUID))
    payload = payloads.changed_number("4915100000001", NUMBER, new_user_id=NEW_BSUID)
    system = payload["entry"][0]["changes"][0]["value"]["messages"][0]["system"]
    system["previous_user_id"] = BSUID
    webhook(payload)
    subscriber = Subscriber.objects.get()
    assert subscriber.number_hash == hash_identity(NUMBER)
    assert subscriber.user_id_hash == hash_identity(NEW_BSUID)


def test_one_insert_select_queues_every_kind_of_identity_and_each_is_addressed_right(
    webhook, outbox, django_capture_on_commit_callbacks
):
    """Number only, BSUID only, both: one set-based fan-out; ``to`` or ``recipient`` each."""
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(None, "Start", user_id=BSUID))
    webhook(payloads.text("4915111234000", "Start", user_id=NEW_BSUID))
    announcement = approved_announcement()
    with CaptureQueriesContext(connection) as queries:
        assert fanout.create_deliveries(announcement, timezone.now()) == 3
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "SELECT" in inserts[0]

    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.tick()
    sent = sorted(
        (m["payload"].get("to", ""), m["payload"].get("recipient", ""))
        for m in outbox
        if m["template"]
    )
    assert sent == [("", BSUID), ("+4915111234000", ""), (f"+{NUMBER}", "")]


def test_identity_entries_read_in_german_in_the_admin_and_the_export():
    with translation.override("de"):
        assert consent_words.describe(Action.IDENTITY_LINKED, "status") == (
            "Nutzer-ID aus einem WhatsApp-Zustellbericht übernommen"
        )
        assert "Nutzer-ID bei WhatsApp geändert" in consent_words.describe(
            Action.IDENTITY_CHANGED, "user_changed_user_id"
        )
    assert export.GERMAN_VALUES["action"]["identity_linked"] == "Nummer und Nutzer-ID verknüpft"
