"""The consent log is kept for years, so a resident cannot make it grow without bound.

Start/Stop cycles: at most ``OPT_INS_PER_DAY`` opt-ins per identity take effect in 24
hours, the refused ones are counted beside the throttle and not chained; "Stop" always
works. Topic taps within minutes become one entry with the final choice.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from subscribers import checkpoints, export, replies, tasks, topics
from subscribers.crypto import hash_identity
from subscribers.models import AutoReply, ConsentEvent, PendingTopicChoice, Subscriber, Topic
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

NUMBER = "4915111234567"
OTHER = "4915117654321"


def actions():
    return list(ConsentEvent.objects.values_list("action", flat=True))


def refused_count(number=NUMBER):
    row = AutoReply.objects.filter(
        identity_hash=hash_identity(number), kind=replies.COUNTED_OPT_INS
    )
    return row.values_list("count", flat=True).first() or 0


def test_twenty_start_stop_cycles_write_three_opt_ins_and_count_the_rest(webhook, outbox):
    for _ in range(20):
        webhook(payloads.text(NUMBER, "Start"))
        webhook(payloads.text(NUMBER, "Stop"))

    assert actions() == ["opt_in", "opt_out"] * 3
    assert ConsentEvent.objects.values("subscriber_code").distinct().count() == 3
    assert refused_count() == 17
    assert not Subscriber.objects.exists()
    assert checkpoints.verify_database().ok
    refusal = replies.render(replies.Key.OPT_IN_REFUSED, hours=24)
    assert "mehrmals an- und abgemeldet" in refusal
    assert [m["body"] for m in outbox].count(refusal) == 1  # then throttled like any answer
    # Another resident is not held back by this one.
    webhook(payloads.text(OTHER, "Start"))
    assert Subscriber.objects.count() == 1


def test_stop_is_never_limited_and_start_works_again_after_the_window(webhook, outbox, settings):
    settings.OPT_INS_PER_DAY = 2
    for _ in range(2):
        webhook(payloads.text(NUMBER, "Start"))
        webhook(payloads.text(NUMBER, "Stop"))
    webhook(payloads.text(NUMBER, "Start"))
    assert not Subscriber.objects.exists() and refused_count() == 1

    tomorrow = int((timezone.now() + timedelta(hours=24, minutes=1)).timestamp())
    webhook(payloads.text(NUMBER, "Start", timestamp=tomorrow))
    subscriber = Subscriber.objects.get()
    assert subscriber.code in outbox[-1]["body"]  # welcomed
    webhook(payloads.text(NUMBER, "Stop", timestamp=tomorrow + 1))
    assert not Subscriber.objects.exists()
    assert actions() == ["opt_in", "opt_out"] * 3


def test_the_limit_counts_opt_ins_not_messages(webhook, outbox):
    """A subscriber sending "Start" again is only told so; nothing is refused or logged."""
    for _ in range(10):
        webhook(payloads.text(NUMBER, "Start"))
    assert actions() == ["opt_in"] and refused_count() == 0
    webhook(payloads.text(NUMBER, "Stop"))
    assert not Subscriber.objects.exists()


def test_thirty_topic_taps_write_two_entries_with_the_final_choice(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    waste = Topic.objects.get(keyword="Abfall")
    for _ in range(29):
        webhook(payloads.list_reply(NUMBER, f"topic:{waste.pk}", "Abfall"))
    webhook(payloads.list_reply(NUMBER, "topics:all", "Alle Themen"))
    subscriber = Subscriber.objects.get()
    assert "Abfall" in topics.chosen_names(subscriber)  # every tap took effect at once

    assert actions() == ["opt_in", "topics_changed"]
    assert tasks.log_topic_choices() == 0  # the resident may still be tapping
    later = timezone.now() + timedelta(minutes=6)
    assert topics.log_pending(later) == 1
    assert actions() == ["opt_in", "topics_changed", "topics_changed"]
    entry = ConsentEvent.objects.last()
    assert entry.details["coalesced"] == 29
    assert entry.details["topics"] == topics.keywords_of(topics.chosen_ids(subscriber))
    assert entry.details["added"] == ["Abfall"] and entry.source == "list_reply"
    assert not PendingTopicChoice.objects.exists()
    assert checkpoints.verify_database().ok
    exported = "".join(export.lines("csv"))
    assert export.verify_stream(io.StringIO(exported)).ok

    # The second burst, after the window: logged at once again, then coalesced.
    later = int((timezone.now() + timedelta(minutes=12)).timestamp())
    webhook(payloads.list_reply(NUMBER, f"topic:{waste.pk}", "Abfall", timestamp=later))
    assert actions()[-1] == "topics_changed" and ConsentEvent.objects.count() == 4


def test_taps_that_end_where_the_log_stands_write_nothing_more(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    waste = Topic.objects.get(keyword="Abfall")
    for _ in range(3):  # off (logged), on, off: ends where the first entry stands
        webhook(payloads.list_reply(NUMBER, f"topic:{waste.pk}", "Abfall"))
    assert topics.log_pending(timezone.now() + timedelta(minutes=6)) == 0
    assert actions() == ["opt_in", "topics_changed"]
    assert not PendingTopicChoice.objects.exists()


def test_stop_logs_the_held_choice_before_the_opt_out(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    waste = Topic.objects.get(keyword="Abfall")
    webhook(payloads.list_reply(NUMBER, f"topic:{waste.pk}", "Abfall"))
    webhook(payloads.text(NUMBER, "Themen alle"))
    webhook(payloads.text(NUMBER, "Stop"))

    assert actions() == ["opt_in", "topics_changed", "topics_changed", "opt_out"]
    assert "Abfall" in ConsentEvent.objects.get(seq=3).details["topics"]
    assert not PendingTopicChoice.objects.exists()
    assert checkpoints.verify_database().ok


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_the_export_states_the_rule_with_its_values(fmt, settings):
    settings.OPT_INS_PER_DAY = 4
    settings.TOPIC_CHANGES_COALESCE_MINUTES = 7
    text = "".join(export.lines(fmt))
    meta, _rows = export.read(io.StringIO(text))
    assert meta["bounds"]["opt_ins_per_day"] == 4
    assert "höchstens 4 Anmeldungen in 24 Stunden" in meta["bounds"]["rule"]
    assert "innerhalb von 7 Minuten" in meta["bounds"]["rule"]
    assert "Abmeldungen sind nie begrenzt" in meta["bounds"]["rule"]
