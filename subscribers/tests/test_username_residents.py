"""Residents with a WhatsApp username: no phone number in any webhook, only their BSUID.

The whole journey runs through the simulator over loopback, as in production: the
simulator posts the resident's messages (no ``from``, no ``wa_id``: ``contacts[].user_id``
and ``from_user_id`` only) and its status webhooks to a live server of this test; the
app answers and broadcasts through the Cloud API backend, addressing ``recipient``.
Every request the simulator received is checked against Meta's schema
(``tests/fixtures/meta_schema.py``), and after "Stop" no stored value holds the BSUID.
"""

import logging

import pytest

from announcements import tasks
from announcements.models import Delivery
from subscribers.crypto import hash_identity
from subscribers.models import ConsentEvent, Subscriber, Topic
from subscribers.tests.test_privacy import (
    assert_no_trace,
    consent_exports,
    decoded_base64,
    every_value_in_the_database,
)
from tests.fixtures import meta_schema
from tests.fixtures.broadcasts import approved_announcement
from tests.fixtures.processes import wait_until
from tests.fixtures.simulator import running_simulator

# Webhooks (the live server) and the test write at once: a real server database.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Action = ConsentEvent.Action
BSUID = "DE.5501234567890123456"
NEW_BSUID = "DE.5509876543210987654"
NUMBER = "4915100000777"
NEW_NUMBER = "4915100000888"
OTHER_BSUID = "DE.5500000000000000001"


@pytest.fixture
def meta(live_server, settings):
    """The simulator as Meta, posting webhooks to the live server; the app sends to it."""
    with running_simulator(webhook_url=f"{live_server.url}/whatsapp/webhook/") as sim:
        for name, value in sim.settings().items():
            setattr(settings, name, value)
        settings.WHATSAPP_BACKEND = "whatsapp.backends.cloud_api.CloudAPIBackend"
        settings.REDIS_URL = ""
        settings.WHATSAPP_MESSAGES_PER_SECOND = 0
        sim.configure(strict_templates=False)  # the fixtures' "titz_info" is no catalog entry
        yield sim


def sent_to(meta, recipient):
    return meta.messages(to=recipient)


def assert_meta_accepts_every_request(meta):
    requests = [message["request"] for message in meta.messages()]
    assert requests
    for body in requests:
        assert meta_schema.problems(body) == [], body


def write(meta, text, user_id=BSUID, **extra):
    """The username resident writes: the simulator's webhook names no number."""
    assert meta.inbound(None, text, user_id=user_id, **extra) == 200


def test_a_username_resident_starts_chooses_asks_receives_and_stops(meta, caplog):
    caplog.set_level(logging.DEBUG)
    Topic.objects.update(default_on=False)
    topic, _ = Topic.objects.get_or_create(
        keyword="Baustellen", defaults={"name": "Baustellen", "default_on": False}
    )

    write(meta, "Start")
    subscriber = Subscriber.objects.get()
    assert subscriber.number_hash is None and subscriber.number_encrypted == ""
    assert subscriber.user_id_hash == hash_identity(BSUID)
    assert subscriber.recipient() == BSUID
    [welcome] = sent_to(meta, BSUID)
    assert welcome["to"] is None and welcome["user_id"] == BSUID
    assert welcome["request"]["recipient"] == BSUID and "to" not in welcome["request"]
    assert subscriber.code in welcome["rendered"]

    write(meta, "Themen")
    write(
        meta,
        "Baustellen",
        type="interactive",
        reply={"type": "list_reply", "id": f"topic:{topic.pk}", "title": "Baustellen"},
    )
    assert list(subscriber.topics.all()) == [topic]

    write(meta, "Auskunft")
    answer = sent_to(meta, BSUID)[-1]
    assert subscriber.code in answer["rendered"] and "Baustellen" in answer["rendered"]

    announcement = approved_announcement()
    tasks.tick()
    [delivery] = Delivery.objects.filter(announcement=announcement)
    broadcast = meta.wait_for(
        lambda messages: any(m["type"] == "template" for m in messages), to=BSUID
    )[-1]
    assert broadcast["request"]["recipient"] == BSUID and "to" not in broadcast["request"]

    def delivered():
        delivery.refresh_from_db()
        return delivery.status in (Delivery.Status.DELIVERED, Delivery.Status.READ)

    wait_until(delivered, 10, "the BSUID-only status webhooks reach the delivery")

    write(meta, "Stop")
    assert not Subscriber.objects.exists()
    goodbye = sent_to(meta, BSUID)[-1]
    assert goodbye["request"]["recipient"] == BSUID
    actions = list(ConsentEvent.objects.values_list("action", "user_id_hash", "number_hash"))
    assert [a for a, _, _ in actions] == [Action.OPT_IN, Action.TOPICS_CHANGED, Action.OPT_OUT]
    assert {(u, n) for _, u, n in actions} == {(hash_identity(BSUID), "")}

    assert_meta_accepts_every_request(meta)
    stored = every_value_in_the_database()
    assert BSUID not in stored and BSUID not in "\n".join(decoded_base64(stored))
    assert_no_trace(stored)
    # The app's log; the test's own queries of the simulator (/_sim/...) name it, of course.
    app_log = "\n".join(r.getMessage() for r in caplog.records if "/_sim/" not in r.getMessage())
    assert app_log and BSUID not in app_log
    assert BSUID not in consent_exports()


def test_a_resident_known_by_number_is_recognised_later_by_bsuid_alone(meta):
    """Backfill: the status webhooks of a broadcast to the number name its BSUID too."""
    assert meta.inbound(NUMBER, "Start") == 200  # before usernames: the number only
    subscriber = Subscriber.objects.get()
    assert subscriber.user_id_hash is None
    # Meta learns the resident's BSUID (the simulator from a chat it saw with both);
    # from then on the answers and statuses of sends to the number name it.
    meta.inbound(NUMBER, "Danke", user_id=BSUID)
    subscriber.refresh_from_db()
    assert subscriber.user_id_hash == hash_identity(BSUID)
    assert ConsentEvent.objects.filter(action=Action.IDENTITY_LINKED).count() == 1

    write(meta, "Stop")
    assert not Subscriber.objects.exists()
    assert sent_to(meta, BSUID)[-1]["request"]["recipient"] == BSUID
    assert_meta_accepts_every_request(meta)


def test_status_webhooks_link_a_number_to_its_bsuid_without_storing_it(meta):
    assert meta.inbound(NUMBER, "Start") == 200
    # A chat Meta saw elsewhere: the simulator knows the pair, the app does not yet.
    meta._server.simulator.user_ids[NUMBER] = BSUID
    announcement = approved_announcement()
    tasks.tick()
    [delivery] = Delivery.objects.filter(announcement=announcement)
    [broadcast] = meta.wait_for(lambda ms: any(m["type"] == "template" for m in ms), to=NUMBER)[-1:]
    assert broadcast["request"]["to"] == f"+{NUMBER}"  # the number stays the address

    def linked():
        return Subscriber.objects.filter(user_id_hash=hash_identity(BSUID)).exists()

    wait_until(linked, 10, "a status names number and BSUID")
    subscriber = Subscriber.objects.get()
    assert subscriber.user_id_encrypted == ""  # only the hash: statuses carry no BSUID
    assert subscriber.recipient() == NUMBER
    delivery.refresh_from_db()
    assert ConsentEvent.objects.filter(action=Action.IDENTITY_LINKED, source="status").count() == 1

    # The resident writes by username alone: recognised, answered there, and its
    # encrypted BSUID completed by the next message that names both.
    write(meta, "Auskunft")
    assert subscriber.code in sent_to(meta, BSUID)[-1]["rendered"]
    meta.inbound(NUMBER, "Danke", user_id=BSUID)
    subscriber.refresh_from_db()
    assert subscriber.user_id_encrypted and subscriber.recipient() == NUMBER
    assert ConsentEvent.objects.filter(action=Action.IDENTITY_LINKED).count() == 1

    write(meta, "Stop")  # a Stop by BSUID ends the phone-number subscription
    assert not Subscriber.objects.exists()
    assert_meta_accepts_every_request(meta)
    stored = every_value_in_the_database()
    assert BSUID not in stored and NUMBER not in stored


def test_a_new_bsuid_moves_the_subscription_and_drops_the_old_number(meta):
    """``user_changed_user_id``: a new number Meta may not share; only the new BSUID."""
    assert meta.inbound(NUMBER, "Start", user_id=BSUID) == 200
    code = Subscriber.objects.get().code
    assert meta.change_identity("user_changed_user_id", user_id=BSUID, new_user_id=NEW_BSUID) == 200

    subscriber = Subscriber.objects.get()
    assert subscriber.code == code
    assert subscriber.number_hash is None and subscriber.number_encrypted == ""
    assert subscriber.user_id_hash == hash_identity(NEW_BSUID)
    assert subscriber.recipient() == NEW_BSUID
    change = ConsentEvent.objects.get(action=Action.IDENTITY_CHANGED)
    assert change.source == "user_changed_user_id"
    assert change.user_id_hash == hash_identity(NEW_BSUID)
    assert change.details == {
        "previous_number_hash": hash_identity(NUMBER),
        "previous_user_id_hash": hash_identity(BSUID),
    }

    announcement = approved_announcement()
    tasks.tick()
    assert Delivery.objects.filter(announcement=announcement).count() == 1
    meta.wait_for(lambda ms: any(m["type"] == "template" for m in ms), to=NEW_BSUID)
    assert not [m for m in meta.messages(to=NUMBER) if m["type"] == "template"]

    # The old BSUID and the old number no longer reach the subscription.
    assert meta.inbound(NUMBER, "Stop") == 200
    write(meta, "Stop", user_id=BSUID)
    assert Subscriber.objects.filter(code=code).exists()
    write(meta, "Stop", user_id=NEW_BSUID)
    assert not Subscriber.objects.exists()
    assert_meta_accepts_every_request(meta)


def test_a_new_number_keeps_number_and_bsuid_consistent(meta):
    """``user_changed_number`` with the new BSUID Meta issues alongside."""
    write(meta, "Start")
    code = Subscriber.objects.get().code
    # A change of somebody we do not know changes nothing.
    stranger = {"from": "4915100000999", "new_number": "4915100000998"}
    assert meta.change_identity("user_changed_number", **stranger, user_id=OTHER_BSUID) == 200
    assert Subscriber.objects.get().user_id_hash == hash_identity(BSUID)

    status = meta.change_identity(
        "user_changed_number",
        **{"from": NUMBER, "new_number": NEW_NUMBER},
        user_id=BSUID,
        new_user_id=NEW_BSUID,
    )
    assert status == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.code == code
    assert subscriber.number_hash == hash_identity(NEW_NUMBER)
    assert subscriber.user_id_hash == hash_identity(NEW_BSUID)
    assert subscriber.recipient() == NEW_NUMBER
    change = ConsentEvent.objects.get(action=Action.IDENTITY_CHANGED)
    assert (change.source, change.number_hash) == ("user_changed_number", hash_identity(NEW_NUMBER))
    assert change.details["previous_user_id_hash"] == hash_identity(BSUID)

    approved_announcement()
    tasks.tick()
    [broadcast] = meta.wait_for(lambda ms: any(m["type"] == "template" for m in ms), to=NEW_NUMBER)
    assert broadcast["request"]["to"] == f"+{NEW_NUMBER}"

    write(meta, "Stop", user_id=BSUID)  # the old BSUID is nobody now
    assert Subscriber.objects.exists()
    write(meta, "Stop", user_id=NEW_BSUID)
    assert not Subscriber.objects.exists()
    assert_meta_accepts_every_request(meta)


def test_one_stop_ends_both_subscriptions_of_one_resident(meta):
    """Subscribed once by number and once by username before Meta linked the two."""
    assert meta.inbound(NUMBER, "Start") == 200
    write(meta, "Start")
    assert Subscriber.objects.count() == 2
    assert meta.inbound(NUMBER, "Stop", user_id=BSUID) == 200
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.filter(action=Action.OPT_OUT).count() == 2
    write(meta, "Start", user_id=OTHER_BSUID)
    assert Subscriber.objects.count() == 1  # somebody else's subscription is untouched
