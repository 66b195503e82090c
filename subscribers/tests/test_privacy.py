"""After Start and Stop no trace of the number is left: not in any table, not in the logs."""

import io
import logging
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from subscribers.models import ConsentEvent, Subscriber

from . import payloads

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


def assert_no_trace(text):
    for secret in (NUMBER, NUMBER[-6:], f"+{NUMBER}", BSUID):
        assert secret not in text


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
    assert len(outbox) == 3  # welcome, information service answer, goodbye


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
    from .conftest import sign

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
