"""Residents choose topics and a language in WhatsApp, black-box through the signed webhook."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from subscribers import checkpoints, export, replies, tasks, topics
from subscribers.models import ConsentEvent, Subscriber, Topic
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

NUMBER = "4915111234567"


def last(outbox):
    return outbox[-1]


def rows_of(message):
    sections = message["payload"]["interactive"]["action"]["sections"]
    return [row for section in sections for row in section["rows"]]


def chosen(number=NUMBER):
    subscriber = Subscriber.objects.get()
    return set(subscriber.topics.values_list("keyword", flat=True))


@pytest.fixture
def subscribed(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    outbox.clear()


def test_new_subscribers_get_the_default_topics_and_the_log_says_so(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))

    defaults = set(Topic.objects.filter(default_on=True).values_list("keyword", flat=True))
    assert len(defaults) == 5 and chosen() == defaults
    event = ConsentEvent.objects.get(action="opt_in")
    assert sorted(event.details["topics"]) == sorted(defaults)


def test_themen_answers_with_a_list_whose_rows_come_back_as_list_reply(webhook, outbox, subscribed):
    webhook(payloads.text(NUMBER, "Themen"))

    message = last(outbox)
    assert message["type"] == "interactive"
    assert message["payload"]["interactive"]["type"] == "list"
    rows = rows_of(message)
    assert len(rows) <= 10
    assert all(len(row["title"]) <= 24 for row in rows)
    assert "Warnungen und dringende Meldungen erhalten Sie immer" in message["body"]
    waste = Topic.objects.get(keyword="Abfall")
    row = next(row for row in rows if row["id"] == f"topic:{waste.pk}")
    assert row["title"] == "✓ Abfall"  # chosen by default

    webhook(payloads.list_reply(NUMBER, row["id"], row["title"]))  # tap: off

    assert "Abfall" not in chosen()
    answer = last(outbox)
    assert answer["type"] == "interactive"
    assert answer["body"].startswith("Gespeichert. Ihre Themen:")
    assert "Abfall" not in answer["body"].split("\n")[0]
    assert {r["title"] for r in rows_of(answer)} >= {"Abfall"}  # no tick any more

    webhook(payloads.list_reply(NUMBER, row["id"], "Abfall"))  # tap again: on
    assert "Abfall" in chosen()


def test_plain_text_fallback_chooses_topics_and_all(webhook, outbox, subscribed):
    webhook(payloads.text(NUMBER, "Themen Abfall Baustellen"))

    assert chosen() == {"Abfall", "Baustellen"}
    assert last(outbox)["type"] == "text"
    assert "Abfall" in last(outbox)["body"] and "Baustellen und Verkehr" in last(outbox)["body"]

    webhook(payloads.text(NUMBER, "themen alle"))
    assert len(chosen()) == 5


def test_an_unknown_topic_word_changes_nothing_and_shows_the_list(webhook, outbox, subscribed):
    webhook(payloads.text(NUMBER, "Themen Abfal"))

    assert len(chosen()) == 5
    assert last(outbox)["payload"]["interactive"]["type"] == "list"


def test_topic_changes_are_in_the_consent_chain_export_and_verify(webhook, outbox, subscribed):
    webhook(payloads.text(NUMBER, "Themen Abfall"))
    webhook(payloads.text(NUMBER, "Themen alle"))
    # The second change, a moment after the first, is logged once the resident is quiet.
    assert tasks.log_topic_choices() == 0
    later = timezone.now() + timedelta(minutes=settings.TOPIC_CHANGES_COALESCE_MINUTES + 1)
    assert topics.log_pending(later) == 1

    events = list(ConsentEvent.objects.filter(action="topics_changed"))
    assert [event.details["topics"] for event in events] == [["Abfall"], sorted(chosen())]
    assert events[0].details["removed"] and events[1].details["added"]
    assert events[0].keyword == "themen abfall" and events[0].message_id
    assert checkpoints.verify_database().ok
    exported = "".join(export.lines("jsonl"))
    assert exported.count('"action":"topics_changed"') == 2  # the header names it too
    assert export.verify_stream(io.StringIO(exported)).ok


def test_themen_from_a_stranger_stores_nothing(webhook, outbox):
    webhook(payloads.text(NUMBER, "Themen"))

    assert not Subscriber.objects.exists()
    assert "nicht angemeldet" in last(outbox)["body"]


def test_sprache_english_then_hilfe_is_answered_in_english(webhook, outbox, subscribed):
    webhook(payloads.text(NUMBER, "Sprache"))

    rows = rows_of(last(outbox))
    assert [row["title"] for row in rows] == [
        "Deutsch", "English", "Türkçe", "Українська", "العربية", "Русский"
    ]  # fmt: skip
    english = next(row for row in rows if row["title"] == "English")
    webhook(payloads.list_reply(NUMBER, english["id"], english["title"]))

    assert Subscriber.objects.get().language == "en"
    assert last(outbox)["body"].startswith("From now on we will reply in English.")
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert last(outbox)["body"].startswith("WhatsApp information service of ")


def test_help_right_after_a_language_change_is_answered_at_once(webhook, outbox, subscribed):
    """The throttle remembered the German answer; the resident wants it in English now."""
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert last(outbox)["body"].startswith("WhatsApp-Infodienst")
    webhook(payloads.list_reply(NUMBER, "lang:en", "English"))
    webhook(payloads.text(NUMBER, "Help"))
    assert last(outbox)["body"] == replies.render(replies.Key.HELP, "en")

    # The throttle still holds in the new language: the next question gets one notice.
    webhook(payloads.text(NUMBER, "Hilfe"))
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert last(outbox)["body"].startswith("You have just received an answer to this.")
    assert len(outbox) == 4
    # The second change of language: Turkish help at once, too.
    webhook(payloads.list_reply(NUMBER, "lang:tr", "Türkçe"))
    webhook(payloads.text(NUMBER, "Hilfe"))
    assert last(outbox)["body"] == replies.render(replies.Key.HELP, "tr")


def test_the_welcome_buttons_lead_to_the_lists(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.button_reply(NUMBER, "menu:language", "Sprache / Language"))

    assert last(outbox)["payload"]["interactive"]["type"] == "list"
    webhook(payloads.list_reply(NUMBER, "lang:ar", "العربية"))
    assert last(outbox)["body"].startswith("من الآن فصاعدًا")
    webhook(payloads.button_reply(NUMBER, "menu:topics", "Themen wählen"))
    assert last(outbox)["payload"]["interactive"]["action"]["button"] == "اختيار المواضيع"


def test_topic_replies_count_against_the_daily_cap(webhook, outbox, subscribed, settings):
    settings.REPLY_DAILY_CAP = 3
    waste = Topic.objects.get(keyword="Abfall")
    for _ in range(4):
        webhook(payloads.list_reply(NUMBER, f"topic:{waste.pk}", "Abfall"))

    assert len(outbox) == 3  # the cap (the welcome is not counted); all taps took effect
    assert "Abfall" in chosen()  # off, on, off, on
    # The first tap is logged at once; the three after it wait to be logged as one.
    assert ConsentEvent.objects.filter(action="topics_changed").count() == 1
    later = timezone.now() + timedelta(minutes=settings.TOPIC_CHANGES_COALESCE_MINUTES + 1)
    assert topics.log_pending(later) == 1
    entry = ConsentEvent.objects.filter(action="topics_changed").last()
    assert entry.details["coalesced"] == 3 and "Abfall" in entry.details["topics"]
