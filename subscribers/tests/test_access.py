"""Art. 15 over WhatsApp: "Auskunft" answers a subscriber with the stored facts and a
stranger with "nicht angemeldet", nothing more, throttled like every answer."""

import pytest
from django.utils import timezone

from subscribers import replies
from subscribers.models import AutoReply, Subscriber
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

NUMBER = "4915111234567"
STRANGER = "4915117654321"


def bodies(outbox, to):
    return [message["body"] for message in outbox if message["to"] == to]


def _deliver(subscriber, states):
    from announcements.models import Delivery
    from tests.fixtures.broadcasts import approved_announcement

    for state in states:
        Delivery.objects.create(
            announcement=approved_announcement(),
            subscriber=subscriber,
            subscriber_code=subscriber.code,
            status=state,
        )


@pytest.mark.parametrize("word", ["Auskunft", "meine Daten!", "AUSKUNFT"])
def test_auskunft_tells_a_subscriber_what_is_stored_and_nothing_else(webhook, outbox, word):
    webhook(payloads.text(NUMBER, "Start"))
    subscriber = Subscriber.objects.get()
    _deliver(subscriber, ["read", "delivered", "failed", "queued"])
    outbox.clear()

    webhook(payloads.text(NUMBER, word))

    [reply] = bodies(outbox, NUMBER)
    lines = [line for line in reply.splitlines() if line.startswith("• ")]
    consented = timezone.localtime(subscriber.consented_at).strftime("%d.%m.%Y")
    assert lines[0] == f"• Kennziffer: {subscriber.code}"
    assert lines[1].startswith(f"• angemeldet seit: {consented}")
    assert lines[2].startswith("• Themen: ")  # the default topics of a new subscriber
    assert lines[3] == "• Sprache: Deutsch"
    assert lines[4].startswith("• Nachrichten an Sie, deren Zustellung noch gespeichert ist: 2 ")
    assert len(lines) == 5
    assert NUMBER not in reply and "„Stop“" in reply
    assert Subscriber.objects.get() == subscriber  # an access request changes nothing


def test_auskunft_from_a_stranger_says_not_subscribed_and_what_is_kept(webhook, outbox, settings):
    """Issue 26: "es wurden keine Daten gespeichert" was untrue, the throttle keeps a keyed
    hash of the number until the daily purge. The answer says what and for how long."""
    webhook(payloads.text(STRANGER, "Auskunft"))
    [reply] = bodies(outbox, STRANGER)
    assert "nicht angemeldet" in reply and "keine Daten gespeichert" not in reply
    assert "nur eine verschlüsselte Form Ihrer Nummer, höchstens 48 Stunden lang" in reply
    assert "Kennziffer" not in reply
    assert not Subscriber.objects.exists()
    # What is kept is exactly that: a throttle row, and it is gone within the 48 hours.
    assert AutoReply.objects.exists()
    later = timezone.now() + replies.kept_for()
    replies.expired(later).delete()
    assert not AutoReply.objects.exists()
    # The period follows the settings, in every language.
    settings.AUTO_REPLY_INTERVAL_HOURS = 72
    text = replies.render(replies.Key.NOT_SUBSCRIBED, "tr")
    assert "en fazla 96 saat" in text


def test_auskunft_is_throttled_like_every_answer(webhook, outbox, settings):
    settings.REPLY_THROTTLE_MINUTES = 10
    webhook(payloads.text(NUMBER, "Start"))
    outbox.clear()
    for _ in range(3):
        webhook(payloads.text(NUMBER, "Auskunft"))
    # The facts once, then one short notice instead of silence, then nothing.
    answers = bodies(outbox, NUMBER)
    assert len(answers) == 2
    assert answers[0].startswith("Auskunft")
    assert answers[1].startswith("Sie haben eben schon eine Antwort")
