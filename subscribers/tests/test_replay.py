"""A signed event older than Meta's retry window is a replay: acknowledged, and ignored.

Meta retries a webhook for 7 days; the de-duplication rows are purged after about that
long, so without an age check a captured "Start" replayed later would subscribe the
number again (and a captured "Stop" erase it).
"""

import logging
import time

import pytest

from subscribers.models import ConsentEvent, Subscriber
from tests.fixtures import payloads
from tests.fixtures.webhooks import signed_post

pytestmark = pytest.mark.django_db

NUMBER = "4915111240001"
DAY = 24 * 3600


def test_a_start_nine_days_old_is_acknowledged_and_subscribes_no_one(client, outbox, caplog):
    caplog.set_level(logging.INFO)
    response = signed_post(
        client, payloads.text(NUMBER, "Start", timestamp=int(time.time()) - 9 * DAY)
    )
    assert response.status_code == 200
    assert not Subscriber.objects.exists()
    assert not ConsentEvent.objects.exists()
    assert outbox == []
    assert "older than" in caplog.text
    assert NUMBER not in caplog.text and NUMBER[-6:] not in caplog.text


def test_a_start_retried_by_meta_within_its_window_still_subscribes(client, outbox):
    sent = int(time.time()) - 6 * DAY
    assert signed_post(client, payloads.text(NUMBER, "Start", timestamp=sent)).status_code == 200
    assert Subscriber.objects.count() == 1


def test_an_old_stop_and_an_old_preference_erase_no_one(client, outbox, settings):
    signed_post(client, payloads.text(NUMBER, "Start"))
    old = int(time.time()) - 9 * DAY
    signed_post(client, payloads.text(NUMBER, "Stop", timestamp=old))
    signed_post(client, payloads.user_preference(NUMBER, "stop", timestamp=old))
    assert Subscriber.objects.count() == 1


def test_the_window_is_a_setting(client, outbox, settings):
    settings.WHATSAPP_EVENT_MAX_AGE_HOURS = 1
    sent = int(time.time()) - 2 * 3600
    assert signed_post(client, payloads.text(NUMBER, "Start", timestamp=sent)).status_code == 200
    assert not Subscriber.objects.exists()
