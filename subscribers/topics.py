"""Residents' topics: the defaults at opt-in, a change of choice, and its consent record.

Warnings are no topic: category "warning" and urgent messages reach every subscriber
whatever they chose (``announcements.engine.fanout``). Each change is appended to the
consent chain with the full resulting choice (``details["topics"]``, the topics'
keywords), so the log alone says what a resident agreed to receive, when and by which
message, and is exported and verified like an opt-in.

The log is kept for years, and a resident tapping through the list must not write an
entry per tap: a change within ``TOPIC_CHANGES_COALESCE_MINUTES`` of the resident's last
logged one waits in ``PendingTopicChoice``; ``log_pending`` (beat, and before an
opt-out) appends the final choice once, with the number of changes it stands for. The
choice itself takes effect at once; only its log entry is coalesced.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from whatsapp.interactive import LIST_ROWS_MAX

from . import chain
from .models import ConsentEvent, PendingTopicChoice, SubscriberTopic, Topic

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
    before = keywords_of(chosen_ids(subscriber))
    SubscriberTopic.objects.filter(subscriber=subscriber, topic_id__in=removed).delete()
    SubscriberTopic.objects.bulk_create(
        [SubscriberTopic(subscriber=subscriber, topic_id=pk) for pk in added],
        ignore_conflicts=True,
    )
    moment = occurred_at or timezone.now()
    entry = {"message_id": message_id, "keyword": keyword, "source": source}
    if _recently_logged(subscriber, moment):
        _hold(subscriber, before, moment, entry)
    else:
        _log(subscriber, before, moment, entry)
    return True


def _window() -> timedelta:
    return timedelta(minutes=settings.TOPIC_CHANGES_COALESCE_MINUTES)


def _recently_logged(subscriber, moment) -> bool:
    """A change is held if one is pending or the last logged one is within the window."""
    if PendingTopicChoice.objects.filter(subscriber=subscriber).exists():
        return True
    return ConsentEvent.objects.filter(
        subscriber_code=subscriber.code,
        action=ConsentEvent.Action.TOPICS_CHANGED,
        occurred_at__gt=moment - _window(),
    ).exists()


def _hold(subscriber, before, moment, entry):
    held, created = PendingTopicChoice.objects.get_or_create(
        subscriber=subscriber,
        defaults={"logged_topics": before, "changes": 1, "last_changed_at": moment, **entry},
    )
    if not created:
        PendingTopicChoice.objects.filter(pk=held.pk).update(
            changes=F("changes") + 1, last_changed_at=moment, **entry
        )


def _log(subscriber, before, moment, entry, changes=1):
    now = keywords_of(chosen_ids(subscriber))
    details = {
        "topics": now,
        "added": sorted(set(now) - set(before)),
        "removed": sorted(set(before) - set(now)),
    }
    if changes > 1:
        details["coalesced"] = changes
    chain.append(
        ConsentEvent.Action.TOPICS_CHANGED,
        occurred_at=moment,
        subscriber_code=subscriber.code,
        number_hash=subscriber.number_hash or "",
        user_id_hash=subscriber.user_id_hash or "",
        details=details,
        **entry,
    )


def log_pending(now=None, *, subscriber=None) -> int:
    """Append the held choices of residents quiet for the window (or ``subscriber``'s
    now, before its opt-out); returns the entries written.

    A choice that ends where the log last stood (a topic switched on and off again)
    writes nothing: the log already says what the resident receives.
    """
    held = PendingTopicChoice.objects.select_related("subscriber")
    if subscriber is not None:
        held = held.filter(subscriber=subscriber)
    else:
        held = held.filter(last_changed_at__lte=(now or timezone.now()) - _window())
    written = 0
    for pending in held.select_for_update(of=("self",)).order_by("pk"):
        entry = {"message_id": pending.message_id, "keyword": pending.keyword}
        entry["source"] = pending.source
        if keywords_of(chosen_ids(pending.subscriber)) != sorted(pending.logged_topics):
            _log(
                pending.subscriber,
                pending.logged_topics,
                pending.last_changed_at,
                entry,
                pending.changes,
            )
            written += 1
        pending.delete()
    return written


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
