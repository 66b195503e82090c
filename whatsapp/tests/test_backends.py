"""The locmem and console backends, and backend selection."""

import logging

import pytest
from django.test import override_settings

from whatsapp import TemplateInfo, get_backend
from whatsapp.backends import locmem
from whatsapp.backends.console import ConsoleBackend
from whatsapp.exceptions import PairRateLimitError, RecipientError

NUMBER = "4915100000001"


def test_locmem_is_the_test_default_and_records_sends():
    backend = get_backend()
    assert isinstance(backend, locmem.LocmemBackend)
    first = backend.send_text(NUMBER, "Willkommen", callback_data="reply:1")
    second = backend.send_template("DE.4711000000000000001", "abfall", "de", body_params=["Mo"])
    assert first.message_id != second.message_id and first.wa_id == NUMBER
    assert [(m["to"], m["type"], m["body"], m["callback_data"]) for m in locmem.outbox] == [
        (NUMBER, "text", "Willkommen", "reply:1"),
        ("DE.4711000000000000001", "template", "", ""),
    ]
    assert locmem.outbox[1]["template"] == "abfall" and locmem.outbox[1]["body_params"] == ("Mo",)
    assert locmem.outbox[1]["payload"]["recipient"] == "DE.4711000000000000001"


def test_locmem_fail_next_raises_in_order_then_recovers():
    error = PairRateLimitError("pair", code=131056, retry_after=6)
    locmem.fail_next(error, times=2)
    backend = get_backend()
    for _ in range(2):
        with pytest.raises(PairRateLimitError):
            backend.send_text(NUMBER, "x")
    backend.send_text(NUMBER, "x")
    assert len(locmem.outbox) == 1


def test_locmem_fail_for_one_recipient_only():
    locmem.fail_for(NUMBER, RecipientError("gone", code=131026))
    backend = get_backend()
    with pytest.raises(RecipientError):
        backend.send_text(NUMBER, "x")
    backend.send_text("4915100000002", "x")
    assert [m["to"] for m in locmem.outbox] == ["4915100000002"]


def test_locmem_media_and_templates():
    backend = get_backend()
    media_id = backend.upload_media(b"data", "image/png", "a.png")
    assert locmem.media[media_id] == (b"data", "image/png", "a.png")
    info = TemplateInfo("1", "abfall", "de", "UTILITY", "APPROVED", "Am {{1}}", "", "", 1)
    locmem.templates.append(info)
    assert backend.list_templates() == [info]


def test_console_backend_logs_without_the_number(caplog):
    number = "4915187654329"
    caplog.set_level(logging.INFO)
    with override_settings(WHATSAPP_BACKEND="whatsapp.backends.console.ConsoleBackend"):
        backend = get_backend()
        assert isinstance(backend, ConsoleBackend)
        result = backend.send_text(number, "Straßensperrung", callback_data="d:1")
        backend.send_template(number, "abfall", "de")
        assert backend.upload_media(b"1234", "application/pdf", "a.pdf")
        assert backend.list_templates() == []
    assert result.message_id and "Straßensperrung" in caplog.text
    assert "abfall/de" in caplog.text
    assert number[-4:] not in caplog.text
