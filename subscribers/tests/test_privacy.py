"""After Start and Stop no trace of the number is left: not in any table, the logs or exports.

Meta's message ids encode the number (``wamid.`` + base64 of a record holding it), and
the test payloads and the locmem backend make ids of that shape. So every base64-looking
value is decoded too: a raw id kept anywhere would show the number here.
"""

import base64
import binascii
import contextlib
import io
import logging
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from announcements import tasks
from subscribers import export
from subscribers.models import ConsentEvent, Subscriber
from tests.fixtures import payloads
from tests.fixtures.broadcasts import approved_announcement
from tests.fixtures.payloads import status_entry, statuses_payload

NUMBER = "4915119876543"
BSUID = "DE.7781234567890123456"


def every_value_in_the_database():
    """All tables, as raw SQL text and as ``dumpdata``, so no model or column is skipped."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    chunks.append(dump.getvalue())
    return "\n".join(chunks)


_BASE64ISH = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")


def decoded_base64(text):
    """Every run of base64-looking text, decoded (standard and URL-safe alphabets)."""
    for match in _BASE64ISH.finditer(text):
        token = match[0].rstrip("=")
        for start in range(4):  # an id may sit inside a longer token ("in:<id>", a prefix)
            part = token[start:]
            padded = part + "=" * (-len(part) % 4)
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                with contextlib.suppress(binascii.Error, ValueError):
                    yield decode(padded).decode("latin-1")


def assert_no_trace(text):
    decoded = "\n".join(decoded_base64(text))
    for secret in (NUMBER, NUMBER[-6:], f"+{NUMBER}", BSUID):
        assert secret not in text
        assert secret not in decoded, f"{secret} is encoded in a stored value"


def test_the_check_finds_a_number_inside_a_meta_shaped_id():
    with pytest.raises(AssertionError, match="encoded"):
        assert_no_trace(f"key=in:{payloads.wamid(NUMBER)} ")


def consent_exports():
    return "".join(
        line for fmt in export.FORMATS for line in export.lines(fmt, start=None, end=None)
    )


def start_and_stop(webhook):
    webhook(payloads.text(NUMBER, "Start", user_id=BSUID))
    webhook(payloads.text(NUMBER, "Hallo?"))
    webhook(payloads.text(NUMBER, "Stop"))
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.count() == 2


@pytest.mark.django_db
def test_no_number_in_the_database_or_logs_after_start_and_stop(webhook, caplog, outbox):
    caplog.set_level(logging.DEBUG)
    start_and_stop(webhook)
    assert_no_trace(every_value_in_the_database())
    assert_no_trace(caplog.text)
    assert_no_trace(consent_exports())
    assert len(outbox) == 3  # welcome, information service answer, goodbye


@pytest.mark.django_db
def test_no_id_of_a_broadcast_or_a_reply_keeps_the_number_after_stop(
    webhook, caplog, outbox, django_capture_on_commit_callbacks
):
    """Every id Meta sends: of inbound messages, a reply's context, a reaction, our sends."""
    caplog.set_level(logging.DEBUG)
    webhook(payloads.text(NUMBER, "Start", user_id=BSUID))
    reply = payloads.text(NUMBER, "Danke!")
    reply["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {
        "from": "4924639999",
        "id": payloads.wamid(NUMBER),
    }
    webhook(reply)
    webhook(payloads.reaction(NUMBER))
    approved_announcement()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.tick()
    [sent] = [m for m in outbox if m["template"]]
    assert NUMBER in base64.b64decode(sent["wamid"].removeprefix("wamid.")).decode("latin-1")
    statuses = [status_entry(sent["wamid"], s, NUMBER) for s in ("sent", "delivered", "read")]
    statuses.append(status_entry(payloads.wamid(NUMBER), "delivered", NUMBER))  # unknown id
    webhook(statuses_payload(statuses))
    webhook(payloads.text(NUMBER, "Stop"))
    assert not Subscriber.objects.exists()
    assert_no_trace(every_value_in_the_database())
    assert_no_trace(caplog.text)
    assert_no_trace(consent_exports())


@pytest.mark.postgres
@pytest.mark.django_db
def test_no_number_in_the_postgresql_database_after_start_and_stop(webhook, caplog):
    assert connection.vendor == "postgresql"
    caplog.set_level(logging.DEBUG)
    start_and_stop(webhook)
    assert_no_trace(every_value_in_the_database())
    assert_no_trace(caplog.text)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_from_one_number_make_one_subscriber(client, outbox):
    from tests.fixtures.webhooks import sign

    barrier = threading.Barrier(2, timeout=10)
    statuses = []

    def post(body):
        try:
            barrier.wait()
            response = client.__class__().post(
                "/whatsapp/webhook/",
                body,
                content_type="application/json",
                headers={"X-Hub-Signature-256": sign(body)},
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    import json

    bodies = [json.dumps(payloads.text(NUMBER, word)).encode() for word in ("Start", "start!")]
    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200, 200]
    assert Subscriber.objects.count() == 1
    assert ConsentEvent.objects.filter(action="opt_in").count() == 1
    welcome_and_already = sorted(message["body"][:10] for message in outbox)
    assert len(welcome_and_already) == 2


@pytest.mark.django_db
def test_no_bsuid_in_any_stored_value_after_a_username_resident_stops(
    webhook, caplog, outbox, django_capture_on_commit_callbacks
):
    """A resident without a number: webhooks name only the BSUID, every value is decoded."""
    caplog.set_level(logging.DEBUG)
    webhook(payloads.text(None, "Start", user_id=BSUID))
    webhook(payloads.text(None, "Auskunft", user_id=BSUID))
    approved_announcement()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.tick()
    [sent] = [m for m in outbox if m["template"]]
    assert sent["payload"]["recipient"] == BSUID
    webhook(statuses_payload([status_entry(sent["wamid"], s, BSUID) for s in ("sent", "read")]))
    webhook(payloads.changed_user_id(BSUID, "DE.7781234567890000000"))
    webhook(payloads.text(None, "Stop", user_id="DE.7781234567890000000"))
    assert not Subscriber.objects.exists()
    stored = every_value_in_the_database()
    assert "DE.7781234567890000000" not in stored
    assert_no_trace(stored)
    assert_no_trace(caplog.text)
    assert_no_trace(consent_exports())
