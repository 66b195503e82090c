"""Answers are throttled per resident (each is a billed service message); consent is not."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from privacy.tasks import purge_store
from subscribers import replies, retention, tasks
from subscribers.crypto import hash_identity
from subscribers.models import AutoReply, ConsentEvent, Subscriber
from tests.fixtures import payloads
from titz_broadcast import queues

pytestmark = pytest.mark.django_db

NUMBER = "4915111230001"
OTHER = "4915111230002"


def bodies(outbox, to=NUMBER):
    return [message["body"] for message in outbox if message["to"] == to]


def time_passes(**delta):
    """What the throttle sees once ``delta`` has gone by: its rows are that much older."""
    AutoReply.objects.update(last_sent_at=F("last_sent_at") - timedelta(**delta))


def test_twenty_times_help_within_a_minute_gets_one_answer_and_one_notice(webhook, outbox):
    start = int(time.time()) - 60
    for second in range(0, 60, 3):
        webhook(payloads.text(NUMBER, "Hilfe", timestamp=start + second))
    answers = bodies(outbox)
    assert len(answers) == 2
    assert answers[0].startswith("WhatsApp-Infodienst")
    assert answers[1].startswith("Sie haben eben schon eine Antwort darauf bekommen.")
    assert "10 Minuten" in answers[1]
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert len(bodies(outbox)) == 2
    webhook(payloads.text(OTHER, "Hilfe"))  # per resident: another one still gets it
    assert len(bodies(outbox, OTHER)) == 1

    time_passes(minutes=9)
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert len(bodies(outbox)) == 2  # the notice, too, once per window
    time_passes(minutes=2)
    webhook(payloads.text(NUMBER, "Hilfe"))
    webhook(payloads.text(NUMBER, "Hilfe"))
    # A new window: the answer again, and again one notice for the question after it.
    assert [body[:12] for body in bodies(outbox)[2:]] == ["WhatsApp-Inf", "Sie haben eb"]


def test_chatter_gets_silence_not_a_notice(webhook, outbox):
    for text in ("Hallo", "Hallo?", "Ist da wer?"):
        webhook(payloads.text(NUMBER, text))
    assert len(bodies(outbox)) == 1


def test_a_resident_at_the_daily_cap_gets_no_notice(webhook, outbox, settings):
    settings.REPLY_DAILY_CAP = 1
    webhook(payloads.text(NUMBER, "Hilfe"))
    webhook(payloads.text(NUMBER, "Hilfe"))
    webhook(payloads.text(NUMBER, "Auskunft"))
    assert len(bodies(outbox)) == 1


def test_rows_are_keyed_by_identity_hash_and_kind_never_the_number(webhook):
    webhook(payloads.text(NUMBER, "Hilfe"))
    rows = set(AutoReply.objects.values_list("identity_hash", "kind"))
    assert rows == {(hash_identity(NUMBER), "help"), (hash_identity(NUMBER), replies.DAILY)}


def test_daily_cap_across_kinds(webhook, outbox, settings):
    settings.REPLY_DAILY_CAP = 3
    settings.REPLY_THROTTLE_MINUTES = 0
    settings.AUTO_REPLY_INTERVAL_HOURS = 0
    for text in ("Hilfe", "Hallo", "Start", "Hilfe", "Stop", "Hilfe"):
        webhook(payloads.text(NUMBER, text))
    # Help, the automatic answer and help again use up the cap; the welcome and the
    # goodbye are always sent and not counted; the last "Hilfe" is dropped.
    answers = bodies(outbox)
    assert len(answers) == 5
    assert answers[2].startswith("Willkommen") and answers[4].startswith("Sie sind abgemeldet")
    assert not Subscriber.objects.exists()
    assert list(ConsentEvent.objects.values_list("action", flat=True)) == ["opt_in", "opt_out"]

    time_passes(hours=23)
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert len(bodies(outbox)) == 5
    time_passes(hours=2)
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert len(bodies(outbox)) == 6


def test_stop_after_the_daily_cap_is_answered_and_start_again_too(webhook, outbox, settings):
    """The resident of the issue: ten answers in the first session, then "Stop"."""
    settings.REPLY_THROTTLE_MINUTES = 0
    webhook(payloads.text(NUMBER, "Start"))
    for _ in range(settings.REPLY_DAILY_CAP + 2):
        webhook(payloads.text(NUMBER, "Hilfe"))
    assert len(bodies(outbox)) == 1 + settings.REPLY_DAILY_CAP

    webhook(payloads.text(NUMBER, "Stop"))
    assert bodies(outbox)[-1].startswith("Sie sind abgemeldet")
    assert not Subscriber.objects.exists()
    # The second use: a new opt-in at the cap is welcomed, with its new Kennziffer.
    webhook(payloads.text(NUMBER, "Start"))
    assert Subscriber.objects.get().code in bodies(outbox)[-1]
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert len(bodies(outbox)) == 3 + settings.REPLY_DAILY_CAP  # the cap still holds


def test_repeating_one_keyword_does_not_use_up_the_daily_cap(webhook, outbox, settings):
    settings.REPLY_DAILY_CAP = 3
    for _ in range(5):
        webhook(payloads.text(NUMBER, "Hilfe"))
    webhook(payloads.text(NUMBER, "Hallo"))
    assert len(bodies(outbox)) == 3  # help, one notice, then the automatic answer


def test_information_service_answer_keeps_its_longer_interval(webhook, outbox, settings):
    settings.AUTO_REPLY_INTERVAL_HOURS = 24
    webhook(payloads.text(NUMBER, "Hallo"))
    time_passes(minutes=30)
    webhook(payloads.text(NUMBER, "Hallo?"))
    assert len(bodies(outbox)) == 1
    time_passes(hours=24)
    webhook(payloads.text(NUMBER, "Hallo??"))
    assert len(bodies(outbox)) == 2


def test_start_and_stop_are_answered_every_time_and_take_effect(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(NUMBER, "Stop"))
    webhook(payloads.text(NUMBER, "Start"))  # a second welcome within 10 minutes

    subscriber = Subscriber.objects.get()
    events = list(ConsentEvent.objects.values_list("action", "subscriber_code"))
    assert [action for action, _ in events] == ["opt_in", "opt_out", "opt_in"]
    assert events[-1][1] == subscriber.code
    answers = bodies(outbox)
    assert len(answers) == 3 and subscriber.code in answers[2]

    webhook(payloads.text(NUMBER, "Stop"))
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.last().action == "opt_out"
    assert bodies(outbox)[-1] == answers[1]  # the goodbye again


def test_a_rolled_back_answer_does_not_use_up_the_throttle(outbox):
    digest = hash_identity(NUMBER)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert replies.allow(digest, "help")
        raise RuntimeError("the opt-in failed")
    assert replies.allow(digest, "help")


def test_the_reply_task_is_routed_to_the_replies_queue(webhook, monkeypatch):
    from titz_broadcast.celery import app

    routed = []

    def record(args, **options):
        # The queue Celery's router picks for this call, as it would when publishing it.
        route = app.amqp.router.route(options, tasks.send_reply.name, args, {})
        routed.append({"queue": route["queue"].name})

    monkeypatch.setattr(tasks.send_reply, "apply_async", record)
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert routed == [{"queue": queues.REPLIES}]
    assert queues.route(tasks.send_reply.name, (), {}, {}) == {"queue": queues.REPLIES}
    assert queues.ALL.index(queues.URGENT) < queues.ALL.index(queues.REPLIES)
    assert queues.ALL.index(queues.REPLIES) < queues.ALL.index(queues.DEFAULT)


def test_the_nightly_purge_drops_expired_throttle_rows_only(webhook, settings):
    settings.AUTO_REPLY_INTERVAL_HOURS = 24
    webhook(payloads.text(NUMBER, "Hilfe"))
    time_passes(hours=25)
    webhook(payloads.text(OTHER, "Hallo"))
    purge_store("bookkeeping")
    assert set(AutoReply.objects.values_list("identity_hash", flat=True)) == {hash_identity(OTHER)}
    # A short AUTO_REPLY_INTERVAL_HOURS must not end the daily cap's window early.
    settings.AUTO_REPLY_INTERVAL_HOURS = 1
    time_passes(hours=2)
    assert retention.purge_bookkeeping(timezone.now()) == 0


def _in_transaction(work):
    def run():
        with transaction.atomic():
            result = work()
            time.sleep(0.05)  # hold the row locks a moment, as a request would
        return result

    return run


def _at_once(count, work):
    """Run ``work()`` in ``count`` threads, all at once; their results."""
    barrier = threading.Barrier(count, timeout=10)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_messages_pass_the_throttle_once_on_postgresql(settings):
    assert connection.vendor == "postgresql"
    digest = hash_identity(NUMBER)
    results = _at_once(8, _in_transaction(lambda: replies.allow(digest, "help")))
    assert sorted(results) == [False] * 7 + [True]

    settings.REPLY_THROTTLE_MINUTES = 0
    settings.REPLY_DAILY_CAP = 3
    other = hash_identity(OTHER)
    assert _at_once(10, _in_transaction(lambda: replies.allow(other, "help"))).count(True) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_help_posts_get_one_answer_on_postgresql(client, outbox):
    from tests.fixtures.webhooks import sign

    posts = [json.dumps(payloads.text(NUMBER, "Hilfe")).encode() for _ in range(6)]
    iterator = iter(posts)
    lock = threading.Lock()

    def post():
        with lock:
            body = next(iterator)
        return (
            client.__class__()
            .post(
                "/whatsapp/webhook/",
                body,
                content_type="application/json",
                headers={"X-Hub-Signature-256": sign(body)},
            )
            .status_code
        )

    assert _at_once(6, post) == [200] * 6
    # One answer and one notice; the notice's claim is as race-free as the answer's.
    answers = bodies(outbox)
    assert len(answers) == 2
    assert sum(body.startswith("Sie haben eben schon") for body in answers) == 1
