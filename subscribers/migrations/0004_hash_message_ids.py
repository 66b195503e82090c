"""Replace stored wamids with their keyed hashes, and re-chain the consent log.

A wamid encodes the resident's number, so ``ConsentEvent.message_id`` (kept for years,
in every export) and ``ProcessedMessage.message_id`` turned a Kennziffer back into a
number. Both now hold ``whatsapp.ids.message_key`` of the id.

The consent log is hash-chained, so changing ``message_id`` changes every later hash.
The migration therefore re-chains the whole log (format 2 of the export) in ``seq``
order and appends a ``checkpoint`` row whose ``details["rechained"]`` records the step:
why, how many rows, and the head (last ``seq`` and ``hash``) of the chain as it was. An
auditor holding an export made before checks its last hash against that head; the
re-chained log verifies like any other (``verify_consent_log``). Rows purged earlier
cannot be re-hashed: a row right after such a gap keeps linking to the hash that the
gap's checkpoint attests.
"""

from datetime import UTC, datetime

from django.db import migrations

CHUNK = 2000
REASON = "Meta message ids replaced by keyed hashes (they encode the phone number)"


def _is_wamid(value):
    return value.startswith("wamid.")


def hash_processed_messages(apps, schema_editor):
    from whatsapp.ids import message_key

    model = apps.get_model("subscribers", "ProcessedMessage")
    last = 0
    while rows := list(
        model.objects.filter(pk__gt=last, message_id__startswith="wamid.").order_by("pk")[:CHUNK]
    ):
        for row in rows:
            row.message_id = message_key(row.message_id)
        model.objects.bulk_update(rows, ["message_id"])
        last = rows[-1].pk


def rechain_consent_log(apps, schema_editor):
    from subscribers import chain
    from whatsapp.ids import message_key

    events = apps.get_model("subscribers", "ConsentEvent")
    heads = apps.get_model("subscribers", "ChainHead")
    head = heads.objects.filter(pk=1).first()
    if head is None or not events.objects.filter(message_id__startswith="wamid.").exists():
        return
    previous_head = [head.seq, head.hash]
    prev_hash, rows, last = chain.GENESIS, 0, 0
    while page := list(events.objects.filter(seq__gt=last).order_by("seq")[:CHUNK]):
        for event in page:
            if _is_wamid(event.message_id):
                event.message_id = message_key(event.message_id)
            if event.seq != last + 1:
                # After purged rows (or at a purged start): link to the attested hash.
                prev_hash = event.prev_hash
            event.prev_hash = prev_hash
            event.hash = chain.link_hash(prev_hash, chain.exported(event))
            prev_hash, last, rows = event.hash, event.seq, rows + 1
        events.objects.bulk_update(page, ["message_id", "prev_hash", "hash"])
    checkpoint = events(
        seq=last + 1,
        occurred_at=datetime.now(tz=UTC),
        action="checkpoint",
        source="migration",
        details={
            "rechained": {
                "format": 2,
                "reason": REASON,
                "rows": rows,
                "previous_head": previous_head,
            }
        },
        prev_hash=prev_hash,
    )
    checkpoint.hash = chain.link_hash(prev_hash, chain.exported(checkpoint))
    checkpoint.save()
    head.seq, head.hash = checkpoint.seq, checkpoint.hash
    head.save(update_fields=["seq", "hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0003_reply_throttle"),
    ]

    operations = [
        migrations.RunPython(hash_processed_messages, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(rechain_consent_log, migrations.RunPython.noop, elidable=True),
    ]
