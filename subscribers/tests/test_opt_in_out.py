"""Residents subscribe and unsubscribe through signed webhooks; replies go out via Celery."""

import time
from datetime import UTC, datetime

import pytest
from celery.signals import task_prerun

from subscribers import checkpoints
from subscribers.crypto import hash_identity
from subscribers.models import ConsentEvent, ReplyText, Subscriber
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db

NUMBER = "4915111234567"
OTHER = "4915117654321"
BSUID = "DE.1349120865530274191"


def bodies(outbox, to=NUMBER):
    return [message["body"] for message in outbox if message["to"] == to]


def test_start_creates_subscriber_logs_consent_and_confirms(webhook, outbox, settings):
    sent = int(time.time()) - 3600  # within Meta's retry window: older ones are replays
    webhook(payloads.text(NUMBER, "Start", timestamp=sent))

    subscriber = Subscriber.objects.get()
    assert subscriber.number_hash == hash_identity(NUMBER)
    assert subscriber.recipient() == NUMBER
    assert NUMBER not in subscriber.number_encrypted
    assert subscriber.consented_at == datetime.fromtimestamp(sent, UTC)
    assert subscriber.code.startswith("K-")
    event = ConsentEvent.objects.get()
    assert (event.action, event.subscriber_code, event.keyword) == (
        "opt_in",
        subscriber.code,
        "start",
    )
    assert event.number_hash == subscriber.number_hash
    [reply] = bodies(outbox)
    assert subscriber.code in reply
    assert settings.PRIVACY_NOTICE_URL in reply
    assert "„Stop“" in reply
    # The welcome offers the choice of topics and language as two reply buttons.
    assert outbox[0]["type"] == "interactive"
    buttons = outbox[0]["payload"]["interactive"]["action"]["buttons"]
    assert [button["reply"]["id"] for button in buttons] == ["menu:topics", "menu:language"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: payloads.text(NUMBER, "  start!  "),
        lambda: payloads.text(NUMBER, "ANMELDEN 🙏"),
        lambda: payloads.text(NUMBER, "»Abo«"),
        lambda: payloads.button(NUMBER, "Subscribe", "Jetzt abonnieren"),
        lambda: payloads.button_reply(NUMBER, "start", "Ja, bitte"),
    ],
    ids=["spaces-punctuation", "upper-emoji", "quotes", "template-button", "reply-button"],
)
def test_start_synonyms_buttons_and_noise_all_subscribe(webhook, build):
    webhook(build())
    assert Subscriber.objects.count() == 1


def test_start_twice_keeps_one_subscriber_and_says_already_subscribed(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(NUMBER, "start"))

    subscriber = Subscriber.objects.get()
    assert ConsentEvent.objects.count() == 1
    _welcome, again = bodies(outbox)
    assert "bereits" in again and subscriber.code in again


def test_same_message_delivered_twice_changes_nothing_and_replies_once(webhook, outbox):
    payload = payloads.text(NUMBER, "Start")
    webhook(payload)
    webhook(payload)
    assert Subscriber.objects.count() == 1
    assert ConsentEvent.objects.count() == 1
    assert len(outbox) == 1


def test_stop_says_goodbye_erases_and_logs_opt_out(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    code = Subscriber.objects.get().code
    webhook(payloads.text(NUMBER, "Stopp."))

    assert not Subscriber.objects.exists()
    _opt_in, opt_out = ConsentEvent.objects.order_by("seq")
    assert (opt_out.action, opt_out.subscriber_code, opt_out.source) == ("opt_out", code, "keyword")
    assert opt_out.number_hash == hash_identity(NUMBER)
    assert "abgemeldet" in bodies(outbox)[-1]
    assert checkpoints.verify_database().ok


def test_quick_reply_unsubscribe_button_stops(webhook):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.button(NUMBER, "Unsubscribe"))
    assert not Subscriber.objects.exists()


def test_stop_from_unknown_number_answers_politely_and_stores_nothing(webhook, outbox):
    webhook(payloads.text(NUMBER, "Abmelden"))
    assert not Subscriber.objects.exists()
    assert not ConsentEvent.objects.exists()
    assert "nicht angemeldet" in bodies(outbox)[0]


def test_start_again_after_stop_gets_a_new_code(webhook):
    webhook(payloads.text(NUMBER, "Start"))
    first = Subscriber.objects.get().code
    webhook(payloads.text(NUMBER, "Ende"))
    webhook(payloads.text(NUMBER, "Start"))
    assert Subscriber.objects.get().code != first
    assert list(ConsentEvent.objects.values_list("action", flat=True)) == [
        "opt_in",
        "opt_out",
        "opt_in",
    ]


def test_help_explains_the_keywords_and_contacts(webhook, outbox, settings):
    webhook(payloads.text(NUMBER, "Hilfe?"))
    [reply] = bodies(outbox)
    assert "„Start“" in reply and "„Stop“" in reply
    assert settings.OFFICIAL_CONTACT_EMAIL in reply
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    "build",
    [
        lambda n: payloads.text(n, "Wann ist der Wertstoffhof geöffnet?"),
        lambda n: payloads.image(n, caption="Start"),
        lambda n: payloads.location(n),
        lambda n: payloads.text(n, "bitte stop"),
    ],
    ids=["question", "image-with-keyword-caption", "location", "keyword-inside-sentence"],
)
def test_other_messages_get_the_information_service_answer(webhook, outbox, settings, build):
    webhook(build(NUMBER))
    [reply] = bodies(outbox)
    assert "Informationsdienst" in reply
    assert settings.OFFICIAL_CONTACT_PHONE in reply
    assert settings.OFFICIAL_CONTACT_ADDRESS in reply
    assert not Subscriber.objects.exists()


def test_automatic_answer_at_most_once_per_period(webhook, outbox, settings):
    settings.AUTO_REPLY_INTERVAL_HOURS = 24
    for text in ("Hallo", "Hallo?", "Ist da jemand?"):
        webhook(payloads.text(NUMBER, text))
    webhook(payloads.text(OTHER, "Hallo"))
    assert len(bodies(outbox)) == 1
    assert len(bodies(outbox, OTHER)) == 1

    settings.AUTO_REPLY_INTERVAL_HOURS = 0
    settings.REPLY_THROTTLE_MINUTES = 0  # the throttle of every kind of answer
    webhook(payloads.text(NUMBER, "Hallo!!"))
    assert len(bodies(outbox)) == 2


def test_reactions_and_changed_number_notices_get_no_reply(webhook, outbox):
    webhook(payloads.reaction(NUMBER))
    webhook(payloads.changed_number(NUMBER, OTHER))
    assert outbox == []


def test_reply_texts_are_editable_by_staff(webhook, outbox):
    ReplyText.objects.filter(key="welcome").update(text="Hallo {code}! {unbekannt} {")
    webhook(payloads.text(NUMBER, "Start"))
    code = Subscriber.objects.get().code
    assert bodies(outbox) == [f"Hallo {code}! {{unbekannt}} {{"]


def test_the_reply_task_never_gets_the_plaintext_number(webhook, outbox):
    seen = []

    def record(sender=None, args=None, **kwargs):
        seen.append(repr(args))

    task_prerun.connect(record, weak=False)
    try:
        webhook(payloads.text(NUMBER, "Start"))
    finally:
        task_prerun.disconnect(record)
    assert seen, "the reply went out without the Celery task"
    assert all(NUMBER not in args and NUMBER[-6:] not in args for args in seen)
    assert len(outbox) == 1


def test_resident_with_only_a_business_scoped_user_id(webhook, outbox):
    webhook(payloads.text(None, "Start", user_id=BSUID))

    subscriber = Subscriber.objects.get()
    assert subscriber.number_hash is None
    assert subscriber.user_id_hash == hash_identity(BSUID)
    assert subscriber.recipient() == BSUID
    assert bodies(outbox, BSUID)

    webhook(payloads.text(None, "Stop", user_id=BSUID))
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.last().user_id_hash == hash_identity(BSUID)


def test_user_id_learned_at_start_lets_the_resident_stop_without_number(webhook):
    webhook(payloads.text(NUMBER, "Start", user_id=BSUID))
    webhook(payloads.text(None, "Stop", user_id=BSUID))
    assert not Subscriber.objects.exists()


def test_changed_number_moves_the_subscription_and_keeps_the_code(webhook):
    webhook(payloads.text(NUMBER, "Start", user_id=BSUID))
    code = Subscriber.objects.get().code
    webhook(payloads.changed_number(NUMBER, OTHER))

    subscriber = Subscriber.objects.get()
    assert subscriber.code == code
    assert subscriber.number_hash == hash_identity(OTHER)
    assert subscriber.recipient() == OTHER
    assert subscriber.user_id_hash is None  # Meta issues a new BSUID with the new number
    event = ConsentEvent.objects.last()
    assert (event.action, event.subscriber_code) == ("identity_changed", code)
    assert event.details["previous_number_hash"] == hash_identity(NUMBER)
    assert checkpoints.verify_database().ok


def test_changed_number_to_an_already_subscribed_number_ends_the_old_subscription(webhook):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(OTHER, "Start"))
    webhook(payloads.changed_number(NUMBER, OTHER))
    assert Subscriber.objects.get().number_hash == hash_identity(OTHER)
    assert ConsentEvent.objects.last().source == "user_changed_number"


def test_whatsapp_stop_preference_erases_the_subscriber(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.user_preference(NUMBER, "resume"))
    assert Subscriber.objects.exists()
    webhook(payloads.user_preference(NUMBER, "stop"))
    assert not Subscriber.objects.exists()
    assert ConsentEvent.objects.last().source == "user_preferences"
    assert len(outbox) == 1  # only the welcome: WhatsApp itself confirmed the stop


def test_failed_status_131050_erases_the_subscriber(webhook):
    webhook(payloads.text(NUMBER, "Start"))
    webhook(payloads.text(OTHER, "Start"))
    webhook(payloads.failed_status(OTHER, 131049, "healthy ecosystem"))
    assert Subscriber.objects.count() == 2

    webhook(payloads.failed_status(OTHER, 131050, "User stopped marketing messages"))
    assert Subscriber.objects.get().number_hash == hash_identity(NUMBER)
    event = ConsentEvent.objects.last()
    assert (event.action, event.source) == ("opt_out", "meta_131050")


def test_erasure_names_code_and_source(webhook):
    # Recorded in the consent log, in the transaction that deleted the subscriber.
    webhook(payloads.text(NUMBER, "Start"))
    code = Subscriber.objects.get().code
    webhook(payloads.text(NUMBER, "Stop"))
    received = list(
        ConsentEvent.objects.filter(action="opt_out").values_list("subscriber_code", "source")
    )
    assert not Subscriber.objects.filter(code=code).exists()
    assert received == [(code, "keyword")]


def test_a_permanently_refused_reply_is_logged_without_the_number(webhook, outbox, caplog):
    from whatsapp.backends import locmem
    from whatsapp.exceptions import RecipientError

    locmem.fail_for(NUMBER, RecipientError("undeliverable", code=131026))
    webhook(payloads.text(NUMBER, "Start"))
    assert Subscriber.objects.exists()
    assert outbox == []
    assert "131026" in caplog.text
    assert NUMBER[-6:] not in caplog.text
