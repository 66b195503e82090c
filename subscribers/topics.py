"""Residents' topics: the defaults at opt-in, a change of choice, and its consent record.

Warnings are no topic: category "warning" and urgent messages reach every subscriber
whatever they chose (``announcements.engine.fanout``). Each change is appended to the
consent chain with the full resulting choice (``details["topics"]``, the topics'
keywords), so the log alone says what a resident agreed to receive, when and by which
message, and is exported and verified like an opt-in.
"""

from django.utils import timezone

from whatsapp.interactive import LIST_ROWS_MAX

from . import chain
from .models import ConsentEvent, SubscriberTopic, Topic

# One row of the list message is "all topics"; the others are the topics themselves.
MAX_ACTIVE = LIST_ROWS_MAX - 1


def offered() -> list[Topic]:
    """The active topics in list order (at most ``MAX_ACTIVE``, as the admin enforces)."""
    return list(Topic.objects.filter(active=True).order_by("order", "name")[:MAX_ACTIVE])


def chosen_ids(subscriber) -> set[int]:
    return set(
        SubscriberTopic.objects.filter(subscriber=subscriber).values_list("topic_id", flat=True)
    )


def chosen_names(subscriber, on_offer=None) -> list[str]:
    """The names of ``subscriber``'s topics, in the order they are offered (``on_offer``:
    ``offered()`` when the caller already has it)."""
    chosen = chosen_ids(subscriber)
    return [topic.name for topic in (on_offer or offered()) if topic.pk in chosen]


def keywords_of(topic_ids) -> list[str]:
    return sorted(Topic.objects.filter(pk__in=topic_ids).values_list("keyword", flat=True))


def give_defaults(subscriber) -> list[str]:
    """Subscribe a new resident to the default topics; returns their keywords."""
    topics = list(Topic.objects.filter(active=True, default_on=True))
    SubscriberTopic.objects.bulk_create(
        [SubscriberTopic(subscriber=subscriber, topic=topic) for topic in topics],
        ignore_conflicts=True,
    )
    return sorted(topic.keyword for topic in topics)


def choose(subscriber, topic_ids, *, occurred_at=None, message_id="", keyword="", source="keyword"):
    """Make the resident's active topics exactly ``topic_ids``; True if anything changed.

    Inactive topics are left alone: they are not offered, so not chosen or refused.
    """
    active = {topic.pk for topic in offered()}
    wanted = set(topic_ids) & active
    current = chosen_ids(subscriber) & active
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return False
    SubscriberTopic.objects.filter(subscriber=subscriber, topic_id__in=removed).delete()
    SubscriberTopic.objects.bulk_create(
        [SubscriberTopic(subscriber=subscriber, topic_id=pk) for pk in added],
        ignore_conflicts=True,
    )
    chain.append(
        ConsentEvent.Action.TOPICS_CHANGED,
        occurred_at=occurred_at or timezone.now(),
        subscriber_code=subscriber.code,
        number_hash=subscriber.number_hash or "",
        user_id_hash=subscriber.user_id_hash or "",
        source=source,
        message_id=message_id,
        keyword=keyword,
        details={
            "topics": keywords_of(chosen_ids(subscriber)),
            "added": keywords_of(added),
            "removed": keywords_of(removed),
        },
    )
    return True


def toggle_ids(subscriber, topic_id) -> set[int]:
    """The choice after tapping ``topic_id``: it is switched on or off."""
    return chosen_ids(subscriber) ^ {topic_id}


def from_words(words) -> tuple[set[int], list[str]]:
    """Topic ids for the words of "Themen Abfall Baustellen", and the words not understood.

    A word matches a topic's keyword or the first word of its name, case-insensitively.
    """
    from . import keywords

    by_word = {}
    for topic in offered():
        by_word[keywords.normalize(topic.keyword)] = topic.pk
        by_word.setdefault(keywords.normalize(topic.name).split(" ")[0], topic.pk)
    found, unknown = set(), []
    for word in words:
        if word in by_word:
            found.add(by_word[word])
        else:
            unknown.append(word)
    return found, unknown
