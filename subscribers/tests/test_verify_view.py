"""The auditor checks the consent log in the browser: the stored chain and an uploaded
export, each with a German verdict that names the first broken row."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from audit.models import AuditEntry
from subscribers import chain, export
from subscribers.models import ConsentEvent

pytestmark = pytest.mark.django_db

URL = "/admin/subscribers/consentevent/verify/"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fill(count):
    for number in range(count):
        chain.append(
            ConsentEvent.Action.OPT_IN if number % 2 == 0 else ConsentEvent.Action.OPT_OUT,
            occurred_at=T0 + timedelta(minutes=number),
            subscriber_code=f"K-{number:06d}",
            number_hash=f"{number:064x}",
            source="keyword",
            keyword="start" if number % 2 == 0 else "stop",
        )


@pytest.fixture
def auditor(client):
    user = User.objects.create_user("pruefer", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_consentevent", "export_consentevent"])
    )
    client.force_login(user)
    return user


def verdict(response):
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'data-testid="verdict">(.*?)</div>', html, re.S)
    assert found, "no verdict on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def exported_csv():
    return "".join(export.lines("csv"))


def upload(client, text, name="einwilligungen.csv"):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(URL, {"file": file, "upload": "Datei prüfen"})


def test_the_consent_log_list_offers_the_check(client, auditor):
    fill(1)
    listing = client.get("/admin/subscribers/consentevent/").content.decode()
    assert f'href="{URL}"' in listing and "Prüfen" in listing


def test_the_stored_chain_verifies_and_the_check_is_audited(client, auditor):
    fill(6)
    text = verdict(client.post(URL, {"stored": "1"}))
    assert "Unverändert" in text
    assert "In Ordnung: 6 Einträge geprüft" in text
    entry = AuditEntry.objects.get(action="consent_log_verified")
    assert entry.user == auditor and entry.details["ok"] is True


def test_a_changed_stored_row_is_named(client, auditor):
    fill(6)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subscribers_consentevent SET keyword = 'x' WHERE seq = 4")
    text = verdict(client.post(URL, {"stored": "1"}))
    assert "Verändert oder unvollständig" in text
    assert "Fehler bei Eintrag Nr. 4" in text
    assert "Die 3 Einträge davor sind in Ordnung" in text


def test_an_uploaded_export_verifies(client, auditor):
    fill(6)
    text = verdict(upload(client, exported_csv()))
    assert "In Ordnung: 6 Einträge geprüft" in text
    assert "einwilligungen.csv" in text


def test_an_uploaded_export_with_a_tampered_row_is_refused_at_that_row(client, auditor):
    fill(6)
    lines = exported_csv().splitlines(keepends=True)
    header = 4  # three comment lines and the column names
    row = lines[header + 2]  # Nr. 3, an opt-in
    assert row.startswith("3,") and ",Anmeldung," in row
    lines[header + 2] = row.replace(",Anmeldung,", ",Abmeldung,", 1)
    text = verdict(upload(client, "".join(lines)))
    assert "Fehler bei Eintrag Nr. 3 (Zeile 7 der Datei)" in text
    assert "verändert" in text


def test_an_uploaded_export_with_a_removed_row_is_refused(client, auditor):
    fill(6)
    lines = exported_csv().splitlines(keepends=True)
    del lines[4 + 1]  # Nr. 2
    text = verdict(upload(client, "".join(lines)))
    assert "Fehler bei Eintrag Nr. 3" in text and "Nr. 2 bis 2 fehlen" in text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Hallo, das ist keine Liste.\n", "kein Export des Einwilligungsprotokolls"),
        ("\u00fc".encode("latin-1") * 10, "kein Export des Einwilligungsprotokolls"),
    ],
    ids=["not-an-export", "not-utf8"],
)
def test_a_file_that_is_no_export_gets_a_german_answer(client, auditor, content, reason):
    file = SimpleUploadedFile("irgendwas.csv", content)
    text = verdict(client.post(URL, {"file": file, "upload": "1"}))
    assert reason in text


def test_without_a_file_the_form_says_so_in_german(client, auditor):
    html = client.post(URL, {"upload": "1"}).content.decode()
    assert "Dieses Feld ist zwingend erforderlich" in html


def test_the_check_needs_the_right_to_read_the_log(client):
    user = User.objects.create_user("redaktion", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"stored": "1"}).status_code == 403


CRAFTED = {
    "header-not-an-object": '{"header": []}\n',
    "signing-not-an-object": '{"header": {"format": "titz-consent-log/4", "signing": 5}}\n',
    "checkpoints-not-a-list": '{"header": {"format": "titz-consent-log/4", '
    '"signing": {"checkpoints": 5}}}\n',
    "row-without-fields": '{"header": {"format": "titz-consent-log/3"}}\n{"seq": 1}\n',
    "row-with-wrong-types": '{"header": {"format": "titz-consent-log/3"}}\n'
    + '{"seq": 1, "prev_hash": 5, "hash": [], "occurred_at": 1, "action": 1, '
    '"subscriber_code": 1, "number_hash": 1, "user_id_hash": 1, "source": 1, '
    '"message_id": 1, "keyword": 1, "actor": 1, "details": 1}\n',
    "nul-byte-csv": '# titz-consent-log/3\n# meta: {"format": "titz-consent-log/3"}\n'
    "Nr.,Zeitpunkt\n1\x00,2\n",
    "deep-nesting": '{"header": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
    "not-utf8": "\udcff",
}


@pytest.mark.parametrize("text", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_crafted_upload_gets_a_german_verdict_and_an_audit_entry_not_a_500(client, auditor, text):
    fill(2)
    body = text.encode("utf-8", "surrogateescape")
    file = SimpleUploadedFile("boese.jsonl", body, content_type="application/x-ndjson")
    response = client.post(URL, {"file": file, "upload": "Datei prüfen"})
    assert verdict(response).startswith("Verändert oder unvollständig")
    entry = AuditEntry.objects.get(action="consent_log_verified")
    assert entry.details["ok"] is False


def test_a_post_without_a_file_is_audited_too(client, auditor):
    response = client.post(URL, {"upload": "Datei prüfen"})
    assert response.status_code == 200
    assert AuditEntry.objects.get(action="consent_log_verified").details["ok"] is False
