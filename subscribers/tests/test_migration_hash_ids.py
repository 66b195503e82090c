"""The upgrade that replaces stored wamids by their keyed hashes, run on old rows.

The consent log keeps verifying: it is re-chained, and a checkpoint row records the step
and the old chain's head, against which an export made before can be checked.
"""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from subscribers import chain, checkpoints
from tests.fixtures.payloads import wamid
from whatsapp.ids import message_key

NUMBER = "4915119876543"
BEFORE = [
    ("subscribers", "0003_reply_throttle"),
    ("announcements", "0004_content_editors"),
    ("whatsapp", "0001_initial"),
]
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def old_chain(apps, raw_ids):
    """Consent rows as the old code wrote them: raw wamids inside the hashed content."""
    events = apps.get_model("subscribers", "ConsentEvent")
    prev = chain.GENESIS
    for seq, raw in enumerate(raw_ids, start=1):
        event = events(
            seq=seq,
            occurred_at=T0,
            action="opt_in" if seq % 2 else "opt_out",
            subscriber_code=f"K-{seq:04d}",
            number_hash="h" * 64,
            source="whatsapp",
            message_id=raw,
            keyword="Start",
            prev_hash=prev,
        )
        event.hash = prev = chain.link_hash(prev, chain.exported(event))
        event.save()
    apps.get_model("subscribers", "ChainHead").objects.update_or_create(
        pk=1, defaults={"seq": len(raw_ids), "hash": prev}
    )
    return prev


@pytest.mark.django_db(transaction=True)
def test_old_rows_are_hashed_and_the_consent_log_is_rechained_verifiably():
    raw_ids = [wamid(NUMBER) for _ in range(3)]
    old = migrate(BEFORE)
    old_head = old_chain(old, raw_ids)
    old.get_model("subscribers", "ProcessedMessage").objects.create(message_id=raw_ids[0])
    old.get_model("whatsapp", "WebhookEvent").objects.create(
        key=f"st:{raw_ids[1]}:sent", kind="status", received_at=T0
    )
    old.get_model("whatsapp", "WebhookEvent").objects.create(
        key=f"in:{raw_ids[0]}", kind="inbound", received_at=T0
    )

    new = migrate([("subscribers", "0004_hash_message_ids"), ("whatsapp", "0002_hash_message_ids")])

    events = list(new.get_model("subscribers", "ConsentEvent").objects.order_by("seq"))
    assert [e.message_id for e in events[:3]] == [message_key(raw) for raw in raw_ids]
    checkpoint = events[-1]
    assert checkpoint.action == "checkpoint" and checkpoint.seq == 4
    assert checkpoint.details["rechained"]["previous_head"] == [3, old_head]
    assert checkpoint.details["rechained"]["rows"] == 3
    processed = new.get_model("subscribers", "ProcessedMessage").objects.get()
    assert processed.message_id == message_key(raw_ids[0])
    keys = set(new.get_model("whatsapp", "WebhookEvent").objects.values_list("key", flat=True))
    assert keys == {f"st:{message_key(raw_ids[1])}:sent", f"in:{message_key(raw_ids[0])}"}
    call_command("migrate", verbosity=0)  # the rest, so the database is current again
    assert checkpoints.verify_database().ok


@pytest.mark.django_db(transaction=True)
def test_a_log_purged_before_the_upgrade_still_bridges_its_gap():
    raw_ids = [wamid(NUMBER) for _ in range(4)]
    old = migrate(BEFORE)
    old_chain(old, raw_ids)
    events = old.get_model("subscribers", "ConsentEvent")
    purged = events.objects.get(seq=2)
    gap = [2, 2, purged.hash]
    purged.delete()
    head = old.get_model("subscribers", "ChainHead").objects.get()
    marker = events(
        seq=5,
        occurred_at=T0,
        action="checkpoint",
        source="retention",
        details={"gaps": [gap]},
        prev_hash=head.hash,
    )
    marker.hash = chain.link_hash(head.hash, chain.exported(marker))
    marker.save()
    head.seq, head.hash = 5, marker.hash
    head.save()

    call_command("migrate", verbosity=0)

    assert checkpoints.verify_database().ok
    assert chain.ConsentEvent.objects.filter(message_id__startswith="wamid.").count() == 0


@pytest.mark.django_db(transaction=True)
def test_old_deliveries_and_unmatched_statuses_keep_matching_by_hash():
    raw = wamid(NUMBER)
    old = migrate([("announcements", "0004_content_editors")])
    unmatched = old.get_model("announcements", "UnmatchedStatus")
    unmatched.objects.create(wamid=raw, status="read", occurred_at=T0)
    new = migrate([("announcements", "0005_hash_message_ids")])
    stored = new.get_model("announcements", "UnmatchedStatus").objects.get()
    assert stored.wamid_hash == message_key(raw)
    call_command("migrate", verbosity=0)
