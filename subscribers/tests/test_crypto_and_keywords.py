"""Number hashing and encryption, key rotation, keyword matching, system checks."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command

from subscribers import checks, crypto, keywords
from subscribers.models import Subscriber
from tests.fixtures import payloads

NUMBER = "4915111234567"


def test_hash_is_keyed_and_ignores_how_the_number_was_written(settings):
    digest = crypto.hash_identity(NUMBER)
    assert len(digest) == 64 and NUMBER not in digest
    for written in ("+49 151 1123 4567", "0151 11234567", "0049-151-11234567"):
        assert crypto.hash_identity(written) == digest
    settings.NUMBER_HASH_KEY = "another-key-of-at-least-thirty-two-chars"
    assert crypto.hash_identity(NUMBER) != digest


def test_bsuids_are_hashed_as_sent():
    assert crypto.normalize_identity("DE.1349120865530274191") == "DE.1349120865530274191"
    assert crypto.hash_identity("DE.1349") != crypto.hash_identity("DE.1350")


def test_encryption_round_trips_and_the_first_key_encrypts(settings):
    old_token = crypto.encrypt_identity(NUMBER)
    assert NUMBER not in old_token
    assert crypto.decrypt_identity(old_token) == NUMBER
    new_key = Fernet.generate_key().decode()
    settings.NUMBER_ENCRYPTION_KEYS = [new_key, *settings.NUMBER_ENCRYPTION_KEYS]
    assert crypto.decrypt_identity(old_token) == NUMBER
    Fernet(new_key.encode()).decrypt(crypto.encrypt_identity(NUMBER).encode())


@pytest.mark.django_db
def test_reencrypt_numbers_moves_every_row_to_the_first_key(webhook, settings):
    webhook(payloads.text(NUMBER, "Start", user_id="DE.1349120865530274191"))
    webhook(payloads.text(None, "Start", user_id="DE.999"))
    old_keys = list(settings.NUMBER_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.NUMBER_ENCRYPTION_KEYS = [new_key, *old_keys]
    out = io.StringIO()
    call_command("reencrypt_numbers", stdout=out)
    assert "2 subscribers" in out.getvalue()

    settings.NUMBER_ENCRYPTION_KEYS = [new_key]
    recipients = sorted(subscriber.recipient() for subscriber in Subscriber.objects.all())
    assert recipients == [NUMBER, "DE.999"]
    both = Subscriber.objects.get(number_hash__isnull=False)
    assert crypto.decrypt_identity(both.user_id_encrypted) == "DE.1349120865530274191"
    settings.NUMBER_ENCRYPTION_KEYS = old_keys
    with pytest.raises(InvalidToken):
        Subscriber.objects.get(number_hash__isnull=False).recipient()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Start", "start"),
        ("  START!!! ", "start"),
        ("🙂 anmelden 🙂", "start"),
        ("„Abo“", "start"),
        ("stopp.", "stop"),
        ("ABMELDEN", "stop"),
        ("Ende 👋", "stop"),
        ("unsubscribe", "stop"),
        ("Hilfe?", "help"),
        ("info", "help"),
        ("bitte stop", None),
        ("Startseite", None),
        ("st op", None),
        ("", None),
        ("👍", None),
    ],
)
def test_keywords(text, intent):
    assert keywords.classify(text)[0] == intent


def test_keywords_are_configurable(settings):
    settings.KEYWORDS_START = ["Los"]
    assert keywords.classify("los!") == ("start", "los")
    assert keywords.classify("Start") == (None, None)


def test_payload_counts_before_the_visible_text():
    assert keywords.classify("STOP_PROMOTIONS", "Stop") == ("stop", "stop")
    assert keywords.classify("Unsubscribe", "Nicht mehr senden")[0] == "stop"


def test_checks_refuse_development_keys_without_debug(settings):
    settings.DEBUG = False
    ids = {error.id for error in checks.no_development_keys_in_production(None)}
    assert ids == {"subscribers.E010"}
    assert len(checks.no_development_keys_in_production(None)) == 4
    settings.DEBUG = True
    assert checks.no_development_keys_in_production(None) == []


def test_checks_reject_an_unusable_encryption_key(settings):
    settings.NUMBER_ENCRYPTION_KEYS = ["not-a-key"]
    assert [e.id for e in checks.keys_are_usable(None)] == ["subscribers.E002"]
    settings.KEYWORDS_STOP = ["🛑"]
    assert [e.id for e in checks.keywords_are_configured(None)] == ["subscribers.E020"]
