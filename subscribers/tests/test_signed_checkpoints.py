"""The consent log proves itself: a recomputed chain no longer passes (issue 27).

The forged export of the outside review (an opt-out deleted, a consent back-dated, the
hashes recomputed as the header explains), a stored row changed and re-hashed after its
checkpoint, and a chain made up from scratch are refused by the command and the page.
"""

import base64
import io
import json
import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from subscribers import chain, checkpoints, checks, export, retention, signing
from subscribers.models import ChainHead, ConsentEvent, SignedCheckpoint

pytestmark = pytest.mark.django_db

URL = "/admin/subscribers/consentevent/verify/"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fill(count, start=0):
    for number in range(start, start + count):
        chain.append(
            ConsentEvent.Action.OPT_IN if number % 2 == 0 else ConsentEvent.Action.OPT_OUT,
            occurred_at=T0 + timedelta(minutes=number),
            subscriber_code=f"K-{number // 2:06d}",
            number_hash=f"{number // 2:064x}",
            source="keyword",
            keyword="start" if number % 2 == 0 else "stop",
        )


def jsonl():
    text = "".join(export.lines("jsonl"))
    first, *rows = text.splitlines()
    return json.loads(first)["header"], [json.loads(row) for row in rows]


def written(meta, rows):
    lines = [json.dumps({"header": meta}, ensure_ascii=False)]
    lines += [json.dumps(row, ensure_ascii=False) for row in rows]
    return "\n".join(lines) + "\n"


def rechained(rows):
    """What a tamperer does with the header's instructions: recompute every hash."""
    prev = chain.GENESIS
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = chain.link_hash(prev, row)
    return rows


def forged(rows):
    """The review's forgery: delete an opt-out, back-date a consent by a year, renumber."""
    rows = [row for row in rows if not (row["action"] == "opt_out" and row["seq"] == 4)]
    moment = datetime.strptime(rows[0]["occurred_at"], chain.TIME_FORMAT)
    rows[0]["occurred_at"] = chain.format_time(moment.replace(year=moment.year - 1, tzinfo=UTC))
    for seq, row in enumerate(rows, start=1):
        row["seq"] = seq
    return rechained(rows)


def command(path, *options):
    out = io.StringIO()
    call_command("verify_consent_log", *([str(path)] if path else []), *options, stdout=out)
    return out.getvalue()


@pytest.fixture
def auditor(client):
    user = User.objects.create_user("pruefer", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_consentevent", "export_consentevent"])
    )
    client.force_login(user)
    return user


def page_verdict(response):
    assert response.status_code == 200
    found = re.search(r'data-testid="verdict">(.*?)</div>', response.content.decode(), re.S)
    assert found, "no verdict on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def upload(client, text, name="einwilligungen.jsonl"):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/x-ndjson")
    return client.post(URL, {"file": file, "upload": "Datei prüfen"})


def refused_everywhere(client, tmp_path, text):
    """Both the command and the page refuse ``text``; returns the page's verdict."""
    path = tmp_path / "forged.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError):
        command(path)
    verdict = page_verdict(upload(client, text))
    assert verdict.startswith("Verändert oder unvollständig")
    return verdict


def test_a_real_export_is_signed_and_verifies_by_command_and_page(client, auditor, tmp_path):
    fill(8)
    meta, rows = jsonl()
    assert meta["format"] == "titz-consent-log/4"
    own = json.loads(meta["signing"]["checkpoints"][-1]["payload"])
    assert (own["seq"], own["hash"]) == (8, rows[-1]["hash"])
    assert meta["signing"]["public_keys"][0]["public_key"] == signing.current_key().pem.strip()
    path = tmp_path / "log.jsonl"
    path.write_text(written(meta, rows), encoding="utf-8")
    assert "Signiert" in command(path) and "stimmt mit dem gespeicherten" in command(path)
    assert "Signiert" in page_verdict(upload(client, written(meta, rows)))
    assert AuditEntry.objects.filter(action="consent_log_verified").latest("pk").details["signed"]


def test_the_reviews_forged_export_is_refused(client, auditor, tmp_path):
    fill(8)
    meta, rows = jsonl()
    verdict = refused_everywhere(client, tmp_path, written(meta, forged(rows)))
    assert "signierte Prüfpunkt" in verdict or "gespeicherten Protokoll" in verdict
    # Offline, with nothing but the file and the key, the signature alone refuses it.
    path = tmp_path / "forged.jsonl"
    with pytest.raises(CommandError, match="nicht von einem signierten Prüfpunkt gedeckt"):
        command(path, "--offline")
    entry = AuditEntry.objects.filter(action="consent_log_verified").latest("pk")
    assert entry.details["ok"] is False


def test_a_forgery_that_drops_the_signatures_and_claims_an_old_format_is_refused(
    client, auditor, tmp_path
):
    fill(8)
    meta, rows = jsonl()
    meta = {**meta, "format": "titz-consent-log/3"}
    del meta["signing"]
    verdict = refused_everywhere(client, tmp_path, written(meta, forged(rows)))
    assert "nicht im gespeicherten Protokoll" in verdict


def test_a_chain_made_up_from_scratch_is_refused(client, auditor, tmp_path):
    fill(2)
    meta, _rows = jsonl()
    made_up = rechained(
        [
            {
                **{name: "" for name in chain.CONTENT_FIELDS},
                "seq": seq,
                "occurred_at": chain.format_time(T0 + timedelta(seconds=seq)),
                "action": "opt_in",
                "subscriber_code": f"K-{seq:06d}",
                "details": {},
            }
            for seq in range(1, 501)
        ]
    )
    # Signed, too, with a key of the forger's own that the file names as its key.
    forger = Ed25519PrivateKey.generate()
    payload = checkpoints.payload(
        kind="export",
        seq=500,
        row_hash=made_up[-1]["hash"],
        signed_at=timezone.now(),
        key_id=signing.current_key().id,
        gaps=[],
    )
    signature = base64.b64encode(forger.sign(payload.encode())).decode()
    meta["signing"]["checkpoints"] = [{"payload": payload, "signature": signature}]
    verdict = refused_everywhere(client, tmp_path, written(meta, made_up))
    assert "keine gültige Signatur" in verdict
    # Claiming an old, unsigned format does not help either.
    old = {key: value for key, value in meta.items() if key != "signing"}
    old["format"] = "titz-consent-log/3"
    assert "nicht im gespeicherten Protokoll" in refused_everywhere(
        client, tmp_path, written(old, made_up)
    )


def rehash_from(seq):
    """A database tamperer's move: change row ``seq``, re-hash it and every row after it."""
    rows = list(chain.database_rows())
    rows[seq - 1]["keyword"] = "geändert"
    rechained(rows)
    with connection.cursor() as cursor:
        for row in rows[seq - 1 :]:
            cursor.execute(
                "UPDATE subscribers_consentevent SET keyword = %s, prev_hash = %s, hash = %s "
                "WHERE seq = %s",
                [row["keyword"], row["prev_hash"], row["hash"], row["seq"]],
            )
        cursor.execute(
            "UPDATE subscribers_chainhead SET hash = %s WHERE id = 1", [rows[-1]["hash"]]
        )


def test_a_stored_row_changed_and_rehashed_after_its_checkpoint_is_found(client, auditor, tmp_path):
    fill(6)
    assert checkpoints.nightly_check().ok
    fill(3, start=6)
    rehash_from(4)
    assert checkpoints.verify_database().broken_seq == 6  # the signed entry no longer matches
    with pytest.raises(CommandError, match="signierte Prüfpunkt"):
        command(None)
    verdict = page_verdict(client.post(URL, {"stored": "1"}))
    assert "Eintrag Nr. 6" in verdict and "signierte Prüfpunkt" in verdict
    # Nor does the tampered log get signed at the next export or the next night.
    with pytest.raises(checkpoints.NotSigned):
        export.lines("jsonl")
    assert not checkpoints.nightly_check().ok
    assert SignedCheckpoint.objects.count() == 1


def test_a_stored_row_rehashed_after_the_last_checkpoint_is_found_around_a_range_export():
    fill(10)
    assert checkpoints.nightly_check().ok
    rehash_from(3)
    # Signing an earlier row (a range export) checks the stretch up to the next checkpoint.
    with pytest.raises(checkpoints.NotSigned):
        checkpoints.sign(5, SignedCheckpoint.Kind.EXPORT)


def test_removing_the_checkpoints_leaves_old_entries_unsigned_and_that_fails():
    fill(4)
    checkpoints.nightly_check(now=timezone.now() - timedelta(days=3))
    fill(2, start=4)
    verdict = checkpoints.verify_database()
    assert not verdict.ok and "älter als 48 Stunden" in str(verdict)
    # A checkpoint forged into the table (a made-up signature) is found as well.
    SignedCheckpoint.objects.create(
        seq=6, hash="0" * 64, kind="daily", signed_at=timezone.now(), key_id="x",
        payload="{}", signature=base64.b64encode(b"x" * 64).decode(),
    )  # fmt: skip
    assert "keine gültige Signatur" in str(checkpoints.verify_database())


def test_a_truncated_stored_log_ends_before_its_checkpoint():
    fill(6)
    assert checkpoints.nightly_check().ok
    from django.db import models

    models.QuerySet(ConsentEvent).filter(seq__gte=5).delete()
    ChainHead.objects.update(seq=4, hash=ConsentEvent.objects.get(seq=4).hash)
    verdict = checkpoints.verify_database()
    assert not verdict.ok and "vor seinem signierten Prüfpunkt" in str(verdict)


def test_a_truncated_export_is_not_covered_by_its_checkpoint(tmp_path):
    fill(6)
    meta, rows = jsonl()
    path = tmp_path / "cut.jsonl"
    path.write_text(written(meta, rows[:-1]), encoding="utf-8")
    with pytest.raises(CommandError, match="nicht von einem signierten Prüfpunkt"):
        command(path, "--offline")


def test_gaps_count_only_when_a_signed_retention_checkpoint_attests_them(settings, tmp_path):
    settings.CONSENT_LOG_RETENTION_DAYS = 30
    fill(6)
    assert retention.purge_consent_log(T0 + timedelta(days=60)) == 6
    fill(2, start=100)
    meta, rows = jsonl()
    path = tmp_path / "purged.jsonl"
    path.write_text(written(meta, rows), encoding="utf-8")
    assert "Signiert" in command(path) and "Signiert" in command(path, "--offline")
    assert checkpoints.verify_database().ok
    # A gap the tamperer adds to the header (and to a made-up checkpoint row) is refused.
    fill(4, start=200)
    meta, rows = jsonl()
    victim = rows[-3]
    meta["gaps"].append([victim["seq"], victim["seq"], victim["hash"]])
    path.write_text(written(meta, [row for row in rows if row is not victim]), encoding="utf-8")
    with pytest.raises(CommandError, match="fehlen"):
        command(path, "--offline")
    with pytest.raises(CommandError, match="fehlen"):
        command(path)


def test_an_old_format_export_still_verifies_marked_not_signed(tmp_path):
    fill(6)
    meta, rows = jsonl()
    meta = {key: value for key, value in meta.items() if key != "signing"}
    meta["format"] = "titz-consent-log/3"
    path = tmp_path / "old.jsonl"
    path.write_text(written(meta, rows), encoding="utf-8")
    text = command(path)
    assert text.startswith("In Ordnung: 6 Einträge geprüft") and "Nicht signiert" in text
    assert "Nicht signiert" in command(path, "--offline")


def test_after_a_key_rotation_old_checkpoints_verify_and_the_old_key_cannot_sign_anew(
    settings, tmp_path
):
    fill(4)
    meta, rows = jsonl()
    path = tmp_path / "before.jsonl"
    path.write_text(written(meta, rows), encoding="utf-8")
    old = signing.current_key()
    old_private = settings.CONSENT_SIGNING_KEY
    today = timezone.localdate()
    settings.CONSENT_SIGNING_KEY = signing.new_private_key()
    settings.CONSENT_SIGNING_RETIRED_KEYS = [f"{signing.public_base64(old)}:2026-01-01:{today}"]
    assert signing.current_key().id != old.id
    assert "Signiert" in command(path) and checkpoints.verify_database().ok
    fill(2, start=4)
    meta, rows = jsonl()
    listed = {key["key"]: key for key in meta["signing"]["public_keys"]}
    assert listed[old.id]["to"] == today.isoformat()
    assert listed[signing.current_key().id]["to"] is None
    # Whoever still holds the old key cannot add a checkpoint after its period.
    tomorrow = timezone.now() + timedelta(days=1)
    text = checkpoints.payload(
        kind="daily",
        seq=6,
        row_hash=rows[-1]["hash"],
        signed_at=tomorrow,
        key_id=old.id,
        gaps=[],
    )
    thief = Ed25519PrivateKey.from_private_bytes(base64.b64decode(old_private))
    stolen = SignedCheckpoint.objects.create(
        seq=6, hash=rows[-1]["hash"], kind="daily", signed_at=tomorrow, key_id=old.id,
        payload=text, signature=base64.b64encode(thief.sign(text.encode())).decode(),
    )  # fmt: skip
    assert stolen.key_id == old.id
    assert "keine gültige Signatur" in str(checkpoints.verify_database())


def test_the_nightly_check_signs_a_sound_log_and_reports_a_broken_one():
    fill(4)
    verdict = checkpoints.nightly_check()
    assert verdict.ok and SignedCheckpoint.objects.get().kind == "first"
    fill(2, start=4)
    assert checkpoints.nightly_check().ok
    assert list(SignedCheckpoint.objects.values_list("seq", "kind")) == [(4, "first"), (6, "daily")]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subscribers_consentevent SET keyword = 'x' WHERE seq = 2")
    verdict = checkpoints.nightly_check()
    assert not verdict.ok and verdict.broken_seq == 2
    assert SignedCheckpoint.objects.count() == 2
    entry = AuditEntry.objects.filter(action="consent_log_nightly_check").latest("pk")
    assert entry.details["ok"] is False and entry.details["broken_seq"] == 2


def test_openssl_verifies_an_exported_checkpoint_with_the_public_key_alone(tmp_path):
    fill(3)
    meta, _rows = jsonl()
    (tmp_path / "key.pem").write_text(meta["signing"]["public_keys"][0]["public_key"] + "\n")
    own = meta["signing"]["checkpoints"][-1]
    (tmp_path / "signature.bin").write_bytes(base64.b64decode(own["signature"]))

    def openssl(payload):
        (tmp_path / "payload.txt").write_bytes(payload.encode())
        return subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin",
             "-in", "payload.txt", "-sigfile", "signature.bin"],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )  # fmt: skip

    assert "Signature Verified Successfully" in openssl(own["payload"]).stdout
    assert openssl(own["payload"].replace('"seq":3', '"seq":4')).returncode != 0


def test_the_page_and_the_documents_show_the_public_key(client, auditor):
    from privacy.documents import tom
    from privacy.documents.blocks import plain_text

    key = signing.current_key()
    html = client.get(URL).content.decode()
    assert key.pem.strip().splitlines()[1] in html and key.id in html
    body = key.pem.strip().splitlines()[1]
    document = tom.build()
    texts = [
        plain_text(cell) for block in document.sections[-1].blocks if hasattr(block, "rows")
        for row in block.rows for cell in row
    ]  # fmt: skip
    assert body in texts and key.id in texts


def test_a_missing_or_published_signing_key_is_a_system_check_error(settings):
    settings.CONSENT_SIGNING_KEY = ""
    assert "subscribers.E005" in {error.id for error in checks.keys_are_usable(None)}
    settings.CONSENT_SIGNING_KEY = "bm90IGEga2V5"
    assert "subscribers.E005" in {error.id for error in checks.keys_are_usable(None)}
    settings.CONSENT_SIGNING_KEY = signing.new_private_key()
    assert "subscribers.E005" not in {error.id for error in checks.keys_are_usable(None)}
    settings.CONSENT_SIGNING_RETIRED_KEYS = ["nonsense"]
    assert "subscribers.E005" in {error.id for error in checks.keys_are_usable(None)}


def test_an_export_from_before_the_rehashing_update_still_verifies_unsigned(tmp_path):
    """Format 1 files end at the head migration 0004 recorded; their rows differ by design."""
    fill(3)
    old_rows = rechained([{**row, "message_id": "wamid.raw"} for row in chain.database_rows()])
    chain.append(
        ConsentEvent.Action.CHECKPOINT,
        occurred_at=T0,
        source="migration",
        details={"rechained": {"previous_head": [3, old_rows[-1]["hash"]], "rows": 3}},
    )
    meta = {"format": "titz-consent-log/1", "anchored": True, "gaps": []}
    path = tmp_path / "old.jsonl"
    path.write_text(written(meta, old_rows), encoding="utf-8")
    assert "vor einer Software-Aktualisierung" in command(path)
    # Cut short, it no longer ends at that head: refused on the server.
    path.write_text(written(meta, old_rows[:2]), encoding="utf-8")
    with pytest.raises(CommandError, match="nicht im gespeicherten Protokoll"):
        command(path)


def test_the_admin_refuses_to_export_and_sign_a_tampered_log(client, auditor):
    fill(6)
    assert checkpoints.nightly_check().ok
    rehash_from(2)
    response = client.get("/admin/subscribers/consentevent/export/", {"format": "jsonl"})
    assert response.status_code == 200
    assert "passt nicht zu seinen signierten Prüfpunkten" in response.content.decode()
    assert AuditEntry.objects.filter(action="consent_log_export_refused").exists()
    assert not AuditEntry.objects.filter(action="consent_log_exported").exists()
    assert SignedCheckpoint.objects.count() == 1
