"""Art. 15 GDPR over WhatsApp: "Auskunft" answers with what is stored about the sender.

``facts`` is the one list of what we hold about a subscriber, in the resident's language
(``replies.FACTS``): Kennziffer, since when, topics, language, and how many messages we
sent them whose delivery is still stored. The answer goes through ``replies.answer`` and
its throttle like every other. A stranger learns only that nothing is stored, the "nicht
angemeldet" answer of "Stop".
"""

from django.conf import settings
from django.utils import formats, timezone

from . import languages, replies, topics
from .models import ReplyText, Subscriber
from .replies import Reply, answer

# Delivery states that mean a message went out to the resident.
SENT_STATES = ("sent", "delivered", "read")


def facts(subscriber: Subscriber) -> list[str]:
    """What is stored about ``subscriber``, one line each, in their language."""
    language = languages.choose(subscriber.language)
    names = topics.chosen_names(subscriber)
    since = formats.date_format(timezone.localtime(subscriber.consented_at), "d.m.Y, H:i")
    lines = [
        replies.fact("code", language, code=subscriber.code),
        replies.fact("since", language, since=since),
        replies.fact(
            "topics", language, topics=", ".join(names) or replies.label("no_topics", language)
        ),
        replies.fact("language", language, language=languages.name(language)),
    ]
    deliveries = getattr(subscriber, "deliveries", None)  # announcements may be absent
    if deliveries is not None:
        sent = deliveries.filter(status__in=SENT_STATES).count()
        lines.append(
            replies.fact("sent", language, sent=sent, days=settings.DELIVERY_RETENTION_DAYS)
        )
    if subscriber.flagged_undeliverable:
        lines.append(replies.fact("undeliverable", language))
    return lines


def reply(address: str, subscriber: Subscriber | None) -> list[Reply]:
    """The answer to "Auskunft" from ``address`` (``subscriber`` is who that is, if anyone)."""
    if subscriber is None:
        return answer(address, ReplyText.Key.NOT_SUBSCRIBED)
    body = "\n".join(f"• {line}" for line in facts(subscriber))
    language = languages.choose(subscriber.language)
    return answer(
        address, ReplyText.Key.ACCESS, language=language, code=subscriber.code, facts=body
    )
