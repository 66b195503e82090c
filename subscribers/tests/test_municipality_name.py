"""Residents read the municipality's own name (``MUNICIPALITY_NAME``), never Titz's."""

import pytest

from subscribers import replies
from subscribers.models import ReplyText
from tests.fixtures import payloads

pytestmark = pytest.mark.django_db
NUMBER = "4915111234567"
TITZ = ("Titz", "Тітц", "Титц", "تيتس")
NAMED = [
    ReplyText.Key.WELCOME,
    ReplyText.Key.ALREADY_SUBSCRIBED,
    ReplyText.Key.NOT_SUBSCRIBED,
    ReplyText.Key.HELP,
    ReplyText.Key.ACCESS,
]


@pytest.fixture(autouse=True)
def musterdorf(settings):
    settings.MUNICIPALITY_NAME = "Gemeinde Musterdorf"
    settings.OFFICIAL_CONTACT_ADDRESS = "Rathaus Musterdorf, Hauptstraße 1, 12345 Musterdorf"


def test_the_welcome_names_the_municipality_from_the_settings(webhook, outbox):
    webhook(payloads.text(NUMBER, "Start"))
    [reply] = [message["body"] for message in outbox if message["to"] == NUMBER]
    assert "WhatsApp-Infodienst der Gemeinde Musterdorf!" in reply
    assert "Titz" not in reply


@pytest.mark.parametrize("language", ["de", "en", "tr", "uk", "ar", "ru"])
def test_every_seeded_and_default_reply_names_it_in_every_language(language):
    assert ReplyText.objects.filter(key__in=NAMED).exists()  # the seeded German rows
    for key in NAMED:
        text = replies.render(key, language, code="K-1234", facts="…")
        assert "Gemeinde Musterdorf" in text, (key, language)
        assert not any(name in text for name in TITZ), (key, language, text)
