"""Residents choose topics and a language in WhatsApp: the answers, lists and buttons.

"Themen" answers with a list message whose rows toggle a topic; each tap is answered with
the list again, its text showing the current choice. "Themen Abfall Baustellen" and
"Themen alle" do the same in plain text. "Sprache" answers with the list of languages.
The ids of rows and buttons (``TOPIC_ROW`` ...) come back as ``InboundMessage.payload``.
Every answer goes through ``replies.answer``: throttled, counted against the daily cap
and, once sent, against the shared rate limit, like every reply.
"""

from django.conf import settings

from whatsapp import interactive

from . import keywords, languages, replies, topics
from .crypto import hash_identity
from .models import ReplyText

Key = ReplyText.Key
TOPIC_ROW = "topic:"
ALL_TOPICS_ROW = "topics:all"
LANGUAGE_ROW = "lang:"
MENU_TOPICS = "menu:topics"
MENU_LANGUAGE = "menu:language"
# The welcome's second button: readable before anyone has chosen a language.
LANGUAGE_BUTTON = "Sprache / Language"


def is_choice(payload: str) -> bool:
    """True for the id of one of our rows or buttons."""
    return payload.startswith((TOPIC_ROW, LANGUAGE_ROW, "topics:", "menu:"))


def welcome_buttons(language):
    """The welcome offers the choice at once: topics and language, as two reply buttons."""

    def wrap(body):
        return interactive.button_message(
            body,
            [
                (MENU_TOPICS, replies.label("choose_topics", language)),
                (MENU_LANGUAGE, LANGUAGE_BUTTON),
            ],
        )

    return wrap


def _topic_list(subscriber, language):
    chosen = topics.chosen_ids(subscriber)
    rows = [
        (
            f"{TOPIC_ROW}{topic.pk}",
            ("✓ " if topic.pk in chosen else "") + topic.name,
            topic.description,
        )
        for topic in topics.offered()
    ]
    rows.append(
        (
            ALL_TOPICS_ROW,
            replies.label("all_topics", language),
            replies.label("all_topics_description", language),
        )
    )

    def wrap(body):
        return interactive.list_message(
            body,
            replies.label("choose_topics", language),
            rows,
            section_title=replies.label("topics_section", language),
        )

    return wrap


def _topic_context(subscriber, language):
    on_offer = topics.offered()
    names = topics.chosen_names(subscriber, on_offer)
    return {
        "topics": ", ".join(names) or replies.label("no_topics", language),
        "topic_example": " ".join(topic.keyword for topic in on_offer[:2]),
    }


def show_topics(identity, subscriber, key=Key.TOPICS):
    """The list of topics, its text naming the current choice."""
    language = subscriber.language
    return replies.answer(
        identity.address,
        key,
        language=language,
        interactive=_topic_list(subscriber, language),
        **_topic_context(subscriber, language),
    )


def show_languages(identity, subscriber):
    language = subscriber.language
    rows = [(f"{LANGUAGE_ROW}{code}", languages.name(code), "") for code in languages.offered()]

    def wrap(body):
        return interactive.list_message(
            body, replies.label("choose_language", language), rows[: interactive.LIST_ROWS_MAX]
        )

    return replies.answer(identity.address, Key.LANGUAGE, language=language, interactive=wrap)


def choose_topics_by_text(identity, subscriber, words, message):
    """ "Themen Abfall Baustellen" / "Themen alle": the choice, then a text with the result.

    Words that name no topic change nothing; the answer is the list (with its hint on
    how to write it), so a typo never silently unsubscribes anyone from a topic.
    """
    every = {keywords.normalize(word) for word in settings.KEYWORDS_TOPICS_ALL}
    if any(word in every for word in words):
        wanted, unknown = {topic.pk for topic in topics.offered()}, []
    else:
        wanted, unknown = topics.from_words(words)
    if unknown or not wanted:
        return show_topics(identity, subscriber)
    topics.choose(
        subscriber,
        wanted,
        occurred_at=message.timestamp,
        message_id=message.message_id,
        keyword=keywords.normalize(message.text),
    )
    language = subscriber.language
    return replies.answer(
        identity.address,
        Key.TOPICS_CHOSEN,
        language=language,
        **_topic_context(subscriber, language),
    )


def tapped(identity, subscriber, payload, message):
    """A tap on one of our rows or buttons; the answer to send."""
    if payload == MENU_TOPICS:
        return show_topics(identity, subscriber)
    if payload == MENU_LANGUAGE:
        return show_languages(identity, subscriber)
    if payload.startswith(LANGUAGE_ROW):
        subscriber.language = languages.choose(payload[len(LANGUAGE_ROW) :])
        subscriber.save(update_fields=["language"])
        replies.language_changed(hash_identity(identity.address))
        return replies.answer(identity.address, Key.LANGUAGE_CHOSEN, language=subscriber.language)
    if payload == ALL_TOPICS_ROW:
        wanted = {topic.pk for topic in topics.offered()}
    else:
        try:
            wanted = topics.toggle_ids(subscriber, int(payload[len(TOPIC_ROW) :]))
        except ValueError:
            return show_topics(identity, subscriber)
    topics.choose(
        subscriber,
        wanted,
        occurred_at=message.timestamp,
        message_id=message.message_id,
        keyword=payload,
        source="list_reply",
    )
    return show_topics(identity, subscriber, Key.TOPICS_CHOSEN)
