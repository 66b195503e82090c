"""The consent log: hash chain, append-only, exports that verify, retention with gaps."""

import io
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from privacy.tasks import purge_store
from subscribers import chain, checkpoints, export, retention, services
from subscribers.models import ChainHead, ConsentEvent, Subscriber
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fill(count, start=T0):
    for number in range(count):
        chain.append(
            ConsentEvent.Action.OPT_IN,
            occurred_at=start + timedelta(minutes=number),
            subscriber_code=f"K-{number:06d}",
            number_hash=f"{number:064x}",
            source="keyword",
            message_id=f"wamid.{number}",
            keyword="start",
        )


def bulk_fill(count, start=T0):
    """Like ``fill``, in one INSERT per thousand rows: 10,000 appends in one test
    transaction would rewrite the chain head's row 10,000 times (slow on PostgreSQL)."""
    head = ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": chain.GENESIS})[0]
    events = []
    for number in range(count):
        event = ConsentEvent(
            seq=head.seq + 1,
            occurred_at=start + timedelta(minutes=number),
            action=ConsentEvent.Action.OPT_IN,
            subscriber_code=f"K-{number:06d}",
            number_hash=f"{number:064x}",
            source="keyword",
            message_id=f"wamid.{number}",
            keyword="start",
            prev_hash=head.hash,
        )
        event.hash = chain.link_hash(head.hash, chain.exported(event))
        head.seq, head.hash = event.seq, event.hash
        events.append(event)
    ConsentEvent.objects.bulk_create(events, batch_size=1000)
    head.save()


def tamper(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_row_hashes_its_predecessor_and_content():
    fill(3)
    first, second, third = ConsentEvent.objects.order_by("seq")
    assert first.prev_hash == chain.GENESIS
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert chain.link_hash(first.hash, chain.exported(second)) == second.hash
    assert checkpoints.verify_database().ok


def test_the_orm_refuses_to_change_or_delete_events():
    fill(1)
    event = ConsentEvent.objects.get()
    event.source = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        ConsentEvent.objects.update(source="forged")
    with pytest.raises(PermissionError):
        ConsentEvent.objects.all().delete()


@pytest.mark.parametrize(
    ("sql", "broken", "reason"),
    [
        ("UPDATE subscribers_consentevent SET source = 'admin' WHERE seq = 3", 3, "verändert"),
        ("DELETE FROM subscribers_consentevent WHERE seq = 3", 4, "Nr. 3 bis 3 fehlen"),
        ("DELETE FROM subscribers_consentevent WHERE seq = 5", 5, "am Ende"),
    ],
    ids=["changed", "removed", "truncated"],
)
def test_database_verification_names_the_first_broken_row(sql, broken, reason):
    fill(5)
    tamper(sql)
    verdict = checkpoints.verify_database()
    assert not verdict.ok
    assert verdict.broken_seq == broken
    assert reason in verdict.reason
    with pytest.raises(CommandError, match=f"^Fehler bei Eintrag Nr. {broken}: .*{reason}"):
        call_command("verify_consent_log")


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_export_verifies_and_a_changed_byte_is_found(fmt, tmp_path):
    fill(50)
    target = tmp_path / f"log.{fmt}"
    call_command("export_consent_log", "--format", fmt, "--output", str(target))
    text = target.read_text(encoding="utf-8")
    assert "SHA-256" in text.splitlines()[0] + text.splitlines()[1]
    out = io.StringIO()
    call_command("verify_consent_log", str(target), stdout=out)
    assert out.getvalue().startswith("In Ordnung: 50 Einträge geprüft")

    # Change one byte in row 20: the message id's last character.
    damaged = text.replace("wamid.19", "wamid.1X", 1)
    assert damaged != text
    target.write_text(damaged, encoding="utf-8")
    line = 20 + (4 if fmt == "csv" else 1)  # after the header lines
    with pytest.raises(CommandError, match=rf"Eintrag Nr. 20 \(Zeile {line} der Datei\)"):
        call_command("verify_consent_log", str(target))


def test_a_damaged_line_that_no_longer_parses_is_reported_not_crashed(tmp_path):
    fill(5)
    target = tmp_path / "log.jsonl"
    call_command("export_consent_log", "--format", "jsonl", "--output", str(target))
    lines = target.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"seq":3', '"seq":3,,', 1)
    target.write_text("".join(lines))
    with pytest.raises(CommandError, match=r"Nr. 3 .*kann nicht gelesen werden"):
        call_command("verify_consent_log", str(target))


def test_date_range_export_is_a_contiguous_stretch_that_verifies(tmp_path):
    fill(10, start=T0)
    fill(10, start=T0 + timedelta(days=2))
    target = tmp_path / "range.csv"
    day = (T0 + timedelta(days=2)).date()
    call_command(
        "export_consent_log", "--from", str(day), "--to", str(day), "--output", str(target)
    )
    meta, rows = export.read(target.open())
    seqs = [int(row["seq"]) for row in rows]
    assert seqs == list(range(11, 21))
    assert meta["anchored"] is False
    assert export.verify_stream(target.open()).ok


def export_peak(path):
    tracemalloc.start()
    with path.open("w", encoding="utf-8", newline="") as out:
        out.writelines(export.lines("csv"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_ten_thousand_events_export_in_constant_memory_and_verify(tmp_path, capsys):
    bulk_fill(2_000)
    small = export_peak(tmp_path / "small.csv")
    bulk_fill(8_000, start=T0 + timedelta(days=30))
    target = tmp_path / "big.csv"
    peak = export_peak(target)
    with capsys.disabled():
        print(
            f"\nconsent export, tracemalloc peak: 2,000 events {small / 1024:.0f} KiB, "
            f"10,000 events {peak / 1024:.0f} KiB (file {target.stat().st_size / 1024:.0f} KiB)"
        )
    # Five times the rows, about the same memory: one keyset page at a time.
    assert peak < small * 1.5
    assert peak < target.stat().st_size
    assert export.verify_stream(target.open(encoding="utf-8", newline="")).ok


def test_retention_purges_old_opt_outs_only_and_the_chain_still_verifies(webhook, settings):
    settings.CONSENT_LOG_RETENTION_DAYS = 30
    settings.WHATSAPP_EVENT_MAX_AGE_HOURS = 0  # backdated on purpose, not replays
    old = int((timezone.now() - timedelta(days=40)).timestamp())
    webhook(payloads.text("4915111000001", "Start", timestamp=old))
    webhook(payloads.text("4915111000002", "Start", timestamp=old))  # stays subscribed
    webhook(payloads.text("4915111000001", "Stop", timestamp=old + 60))
    webhook(payloads.text("4915111000003", "Start", timestamp=old + 120))
    webhook(payloads.text("4915111000003", "Stop"))  # recent opt-out: kept
    active = Subscriber.objects.get().code

    assert retention.purge_consent_log(timezone.now()) == 2
    actions = list(ConsentEvent.objects.values_list("action", "subscriber_code"))
    assert ("opt_in", active) in actions
    assert [a for a, _ in actions] == ["opt_in", "opt_in", "opt_out", "checkpoint"]
    checkpoint = ConsentEvent.objects.last()
    assert checkpoint.details["purged"] == 2
    assert checkpoints.verify_database().ok

    # Purged twice over: adjacent gaps from two checkpoints are bridged together.
    settings.CONSENT_LOG_RETENTION_DAYS = 0
    assert retention.purge_consent_log(timezone.now() + timedelta(seconds=1)) == 2
    assert checkpoints.verify_database().ok
    full = io.StringIO()
    full.writelines(export.lines("csv"))
    full.seek(0)
    assert export.verify_stream(full).ok


def test_a_gap_not_attested_by_a_checkpoint_is_found(webhook):
    fill(4)
    tamper("DELETE FROM subscribers_consentevent WHERE seq IN (1, 2)")
    verdict = checkpoints.verify_database()
    assert (verdict.ok, verdict.broken_seq) == (False, 3)


def test_staff_erasure_is_logged_with_the_user(webhook, admin_user):
    webhook(payloads.text("4915111000001", "Start"))
    services.erase(Subscriber.objects.get(), source="admin", user=admin_user)
    event = ConsentEvent.objects.last()
    assert (event.action, event.source, event.actor) == ("opt_out", "admin", admin_user.username)


def test_nightly_purge_is_scheduled_and_runs(webhook, settings):
    from titz_broadcast.celery import app

    app.finalize()
    assert app.conf.beat_schedule["privacy.purge.consent_log"]["args"] == ("consent_log",)

    settings.CONSENT_LOG_RETENTION_DAYS = 0
    webhook(payloads.text("4915111000001", "Start"))
    webhook(payloads.text("4915111000001", "Hallo"))
    webhook(payloads.text("4915111000001", "Stop"))
    purge_store.delay("consent_log")
    assert list(ConsentEvent.objects.values_list("action", flat=True)) == ["checkpoint"]
    assert checkpoints.verify_database().ok
