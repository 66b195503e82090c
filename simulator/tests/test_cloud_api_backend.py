"""The app's CloudAPIBackend against the running simulator, over real loopback HTTP.

This is the contract test between the two halves: if Meta's shapes drift on either side
(request body, response, error object, paging), it fails here.
"""

import pytest
from django.test import override_settings

from simulator import catalog
from whatsapp.backends.cloud_api import CloudAPIBackend
from whatsapp.exceptions import (
    AccountError,
    RecipientError,
    RequestError,
    ThroughputError,
    TransientError,
)
from whatsapp.ids import message_key
from whatsapp.outbound import TemplateHeader


@pytest.fixture
def backend(simulator):
    with override_settings(**simulator.settings()):
        yield CloudAPIBackend()


def test_send_text(simulator, backend):
    result = backend.send_text("4915100000001", "Hallo Titz", callback_data="delivery:1")

    [recorded] = simulator.messages(to="4915100000001")
    assert result.message_id == message_key(recorded["id"])
    assert result.wa_id == "4915100000001"
    assert recorded["text"] == "Hallo Titz"
    assert recorded["callback_data"] == "delivery:1"


def test_send_text_to_bsuid(simulator, backend):
    result = backend.send_text("DE.13491208655302741918", "Hallo")
    assert result.wa_id == ""
    assert simulator.messages()[0]["user_id"] == "DE.13491208655302741918"


def test_send_template_with_document_header(simulator, backend):
    media_id = backend.upload_media(b"%PDF-1.4 Amtsblatt", "application/pdf", "amtsblatt.pdf")
    header = TemplateHeader(type="document", media_id=media_id, filename="amtsblatt.pdf")

    result = backend.send_template(
        "4915100000001", "titz_amtsblatt", "de", body_params=["7", "14.03.2026"], header=header
    )

    [recorded] = simulator.messages()
    assert result.message_id == message_key(recorded["id"])
    assert result.message_status == "accepted"
    assert recorded["template"]["params"] == ["7", "14.03.2026"]
    assert recorded["template"]["header"]["document"]["id"] == media_id
    assert "Das Amtsblatt Nr. 7 vom 14.03.2026 ist erschienen." in recorded["rendered"]


def test_list_templates_follows_paging(simulator, backend):
    templates = backend.list_templates()

    assert [t.name for t in templates] == [t["name"] for t in catalog.TEMPLATES]
    nachricht = next(t for t in templates if t.name == "titz_nachricht")
    assert (nachricht.status, nachricht.category, nachricht.parameter_count) == (
        "APPROVED",
        "UTILITY",
        2,
    )
    assert {t.header_format for t in templates} >= {"IMAGE", "DOCUMENT"}


def test_throughput_error(simulator, backend):
    simulator.configure(rate_limit_share=1.0)
    with pytest.raises(ThroughputError) as caught:
        backend.send_text("4915100000001", "x")
    assert caught.value.code == 130429


def test_server_error_is_transient(simulator, backend):
    simulator.configure(server_error_share=1.0)
    with pytest.raises(TransientError) as caught:
        backend.send_text("4915100000001", "x")
    assert caught.value.code == 131000


def test_undeliverable_recipient(simulator, backend):
    simulator.configure(undeliverable=["4915100000009"], undeliverable_mode="sync")
    with pytest.raises(RecipientError) as caught:
        backend.send_text("4915100000009", "x")
    assert caught.value.code == 131026


def test_template_errors_are_request_errors(simulator, backend):
    with pytest.raises(RequestError) as unknown:
        backend.send_template("4915100000001", "gibt_es_nicht", "de")
    with pytest.raises(RequestError) as mismatch:
        backend.send_template("4915100000001", "titz_nachricht", "de", body_params=["a"])
    assert (unknown.value.code, mismatch.value.code) == (132001, 132000)
    assert simulator.messages() == []


def test_wrong_token_is_an_account_error(simulator):
    with override_settings(**(simulator.settings() | {"WHATSAPP_ACCESS_TOKEN": "expired"})):
        backend = CloudAPIBackend()
    with pytest.raises(AccountError) as caught:
        backend.send_text("4915100000001", "x")
    assert caught.value.code == 190
