"""Behaviour that only the real PostgreSQL can show: concurrent duplicates."""

import threading

import pytest
from django.db import connection
from django.test import Client

from tests.fixtures.payloads import status_entry, statuses_payload
from tests.fixtures.webhooks import SignalRecorder, signed_post
from whatsapp.ids import message_key
from whatsapp.models import WebhookEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_duplicate_posts_dispatch_each_status_once():
    payload = statuses_payload(
        [status_entry(f"wamid.PG{i}", "delivered", "4915100000001") for i in range(200)]
    )
    barrier = threading.Barrier(4)
    codes = []

    def post():
        barrier.wait(timeout=10)
        try:
            codes.append(signed_post(Client(), payload).status_code)
        finally:
            connection.close()

    with SignalRecorder() as recorder:
        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert codes == [200] * 4
    assert sorted(e.message_id for e in recorder.statuses) == sorted(
        message_key(f"wamid.PG{i}") for i in range(200)
    )
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 200
