"""Art. 15 GDPR over WhatsApp: "Auskunft" answers with what is stored about the sender.

``facts`` is the one list of what we hold about a subscriber, in the resident's words;
a store that adds something about a resident (topics, language) adds its line here. The
answer goes through ``replies.answer`` and its throttle like every other. A stranger
learns only that nothing is stored, the "nicht angemeldet" answer of "Stop".
"""

from django.conf import settings
from django.utils import timezone

from .models import ReplyText, Subscriber
from .replies import Reply, answer

# Delivery states that mean a message went out to the resident.
SENT_STATES = ("sent", "delivered", "read")


def facts(subscriber: Subscriber) -> list[str]:
    """What is stored about ``subscriber``, one line each."""
    lines = [
        f"Kennziffer: {subscriber.code}",
        f"angemeldet seit: {timezone.localtime(subscriber.consented_at):%d.%m.%Y, %H:%M} Uhr",
    ]
    deliveries = getattr(subscriber, "deliveries", None)  # announcements may be absent
    if deliveries is not None:
        sent = deliveries.filter(status__in=SENT_STATES).count()
        lines.append(
            f"Nachrichten an Sie, deren Zustellung noch gespeichert ist: {sent} (gespeichert "
            f"bis {settings.DELIVERY_RETENTION_DAYS} Tage nach dem Versand)"
        )
    if subscriber.flagged_undeliverable:
        lines.append("Ihre Nummer ist als unzustellbar vermerkt.")
    return lines


def reply(address: str, subscriber: Subscriber | None) -> list[Reply]:
    """The answer to "Auskunft" from ``address`` (``subscriber`` is who that is, if anyone)."""
    if subscriber is None:
        return answer(address, ReplyText.Key.NOT_SUBSCRIBED)
    body = "\n".join(f"• {line}" for line in facts(subscriber))
    return answer(address, ReplyText.Key.ACCESS, code=subscriber.code, facts=body)
