"""The Cloud API backend against HTTP, mocked only at the requests boundary."""

import json

import pytest
import requests
import responses
from django.test import override_settings
from responses import matchers

from whatsapp import TemplateHeader, get_backend
from whatsapp.backends.cloud_api import CloudAPIBackend
from whatsapp.exceptions import (
    AccountError,
    ConfigurationError,
    RecipientError,
    RequestError,
    ThroughputError,
    TransientError,
)
from whatsapp.ids import message_key

BASE = "https://graph.example.test"
MESSAGES = f"{BASE}/v25.0/100000000000001/messages"
MEDIA = f"{BASE}/v25.0/100000000000001/media"
TEMPLATES = f"{BASE}/v25.0/300000000000001/message_templates"
NUMBER = "4915100000001"
BSUID = "DE.4711000000000000001"
OK = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "+" + NUMBER, "wa_id": NUMBER}],
    "messages": [{"id": "wamid.SENT1"}],
}

pytestmark = pytest.mark.usefixtures("cloud_settings")


@pytest.fixture
def cloud_settings():
    with override_settings(
        WHATSAPP_BACKEND="whatsapp.backends.cloud_api.CloudAPIBackend",
        WHATSAPP_API_BASE_URL=BASE + "/",
        WHATSAPP_API_VERSION="v25.0",
        WHATSAPP_PHONE_NUMBER_ID="100000000000001",
        WHATSAPP_BUSINESS_ACCOUNT_ID="300000000000001",
        WHATSAPP_ACCESS_TOKEN="token-123",
        WHATSAPP_CONNECT_TIMEOUT=1.5,
        WHATSAPP_READ_TIMEOUT=7.0,
    ):
        yield


def sent_json(call):
    return json.loads(call.request.body)


@responses.activate
def test_send_text_to_a_number():
    responses.post(MESSAGES, json=OK)
    result = get_backend().send_text(NUMBER, "Hallo Titz", callback_data="d:7")
    assert (result.message_id, result.wa_id, result.message_status) == (
        message_key("wamid.SENT1"),
        NUMBER,
        "",
    )
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == "Bearer token-123"
    assert call.request.headers["Content-Type"] == "application/json"
    assert call.request.req_kwargs["timeout"] == (1.5, 7.0)
    assert sent_json(call) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + NUMBER,
        "type": "text",
        "biz_opaque_callback_data": "d:7",
        "text": {"body": "Hallo Titz", "preview_url": False},
    }


@responses.activate
def test_send_text_to_a_bsuid_uses_recipient():
    responses.post(
        MESSAGES,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": BSUID, "user_id": BSUID}],
            "messages": [{"id": "wamid.SENT2"}],
        },
    )
    result = get_backend().send_text(BSUID, "Hallo", preview_url=True)
    assert result.message_id == message_key("wamid.SENT2") and result.wa_id == ""
    body = sent_json(responses.calls[0])
    assert body["recipient"] == BSUID and "to" not in body
    assert body["text"]["preview_url"] is True


@responses.activate
def test_send_template_with_document_header_and_params():
    responses.post(
        MESSAGES,
        json={**OK, "messages": [{"id": "wamid.T1", "message_status": "accepted"}]},
    )
    header = TemplateHeader(type="document", media_id="555", filename="Amtsblatt.pdf")
    result = get_backend().send_template(
        NUMBER, "amtsblatt", "de", body_params=["Mai", 2026], header=header, callback_data="d:9"
    )
    assert result.message_status == "accepted"
    assert sent_json(responses.calls[0])["template"] == {
        "name": "amtsblatt",
        "language": {"code": "de"},
        "components": [
            {
                "type": "header",
                "parameters": [
                    {"type": "document", "document": {"id": "555", "filename": "Amtsblatt.pdf"}}
                ],
            },
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Mai"}, {"type": "text", "text": "2026"}],
            },
        ],
    }


@responses.activate
def test_template_without_parameters_has_no_components():
    responses.post(MESSAGES, json=OK)
    get_backend().send_template(NUMBER, "hello_world", "en_US")
    body = sent_json(responses.calls[0])
    assert body["template"] == {"name": "hello_world", "language": {"code": "en_US"}}
    assert "biz_opaque_callback_data" not in body


@responses.activate
def test_image_header_by_link():
    responses.post(MESSAGES, json=OK)
    get_backend().send_template(
        NUMBER, "bild", "de", header=TemplateHeader(type="image", link="https://x.test/a.jpg")
    )
    header = sent_json(responses.calls[0])["template"]["components"][0]
    assert header["parameters"] == [{"type": "image", "image": {"link": "https://x.test/a.jpg"}}]


@pytest.mark.parametrize("to", ["", "+4915100000001", "12345", "0151 000", "de.123", "1" * 16])
def test_invalid_recipient_fails_before_any_request(to):
    with responses.RequestsMock() as mock, pytest.raises(RecipientError) as info:
        get_backend().send_text(to, "Hallo")
    assert len(mock.calls) == 0
    assert info.value.explanation


def test_too_long_callback_data_fails_before_any_request():
    with responses.RequestsMock(), pytest.raises(RequestError):
        get_backend().send_text(NUMBER, "Hallo", callback_data="x" * 513)


def test_empty_or_too_long_text_fails_before_any_request():
    with responses.RequestsMock():
        with pytest.raises(RequestError):
            get_backend().send_text(NUMBER, "")
        with pytest.raises(RequestError):
            get_backend().send_text(NUMBER, "x" * 4097)


@responses.activate
def test_callback_data_of_512_characters_is_sent():
    responses.post(MESSAGES, json=OK)
    get_backend().send_text(NUMBER, "Hallo", callback_data="x" * 512)
    assert len(sent_json(responses.calls[0])["biz_opaque_callback_data"]) == 512


@responses.activate
@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, 130429, ThroughputError),
        (401, 190, AccountError),
        (400, 131026, RecipientError),
        (400, 132001, RequestError),
        (500, 131000, TransientError),
    ],
)
def test_meta_errors_raise_classified_exceptions(status, code, cls):
    responses.post(
        MESSAGES,
        status=status,
        json={
            "error": {
                "message": f"(#{code}) title",
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": "the details"},
                "fbtrace_id": "TRACE9",
            }
        },
    )
    with pytest.raises(cls) as info:
        get_backend().send_text(NUMBER, "Hallo")
    error = info.value
    assert (error.code, error.http_status, error.details, error.fbtrace_id) == (
        code,
        status,
        "the details",
        "TRACE9",
    )
    assert NUMBER not in str(error)


@responses.activate
def test_gateway_error_without_json_is_transient():
    responses.post(MESSAGES, status=502, body="<html>Bad Gateway</html>")
    with pytest.raises(TransientError) as info:
        get_backend().send_text(NUMBER, "Hallo")
    assert info.value.code is None and info.value.http_status == 502


@responses.activate
@pytest.mark.parametrize(
    "exc", [requests.ConnectTimeout(), requests.ReadTimeout(), requests.ConnectionError()]
)
def test_network_failures_are_transient(exc):
    responses.post(MESSAGES, body=exc)
    with pytest.raises(TransientError) as info:
        get_backend().send_text(NUMBER, "Hallo")
    assert info.value.code is None and info.value.retry_after


@responses.activate
def test_unexpected_success_body_is_a_bounded_transient_error():
    responses.post(MESSAGES, json={"messaging_product": "whatsapp"})
    with pytest.raises(TransientError) as info:
        get_backend().send_text(NUMBER, "Hallo")
    assert info.value.unknown


@responses.activate
def test_upload_media_posts_multipart():
    responses.post(MEDIA, json={"id": "4490709327384033"})
    media_id = get_backend().upload_media(b"%PDF-1.7 ...", "application/pdf", "Amtsblatt.pdf")
    assert media_id == "4490709327384033"
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Bearer token-123"
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'filename="Amtsblatt.pdf"' in request.body and b"%PDF-1.7" in request.body
    assert b"messaging_product" in request.body


def template(name, body, header=None, **extra):
    components = [{"type": "BODY", "text": body}]
    if header:
        components.insert(0, {"type": "HEADER", "format": header})
    return {
        "name": name,
        "language": "de",
        "category": "UTILITY",
        "status": "APPROVED",
        "id": f"id-{name}",
        "components": components,
        **extra,
    }


@responses.activate
def test_list_templates_follows_paging():
    responses.get(
        TEMPLATES,
        match=[
            matchers.query_param_matcher(
                {"limit": "100", "fields": "id,name,language,category,status,components"}
            )
        ],
        json={
            "data": [template("abfall", "Am {{1}} wird {{2}} abgeholt. {{1}}!", header="DOCUMENT")],
            "paging": {
                "cursors": {"before": "B1", "after": "A1"},
                "next": "https://elsewhere.test/x",
            },
        },
    )
    responses.get(
        TEMPLATES,
        match=[matchers.query_param_matcher({"after": "A1"}, strict_match=False)],
        json={
            "data": [template("info", "Hinweis")],
            "paging": {"cursors": {"before": "B2", "after": "A2"}},
        },
    )
    templates = get_backend().list_templates()
    assert [t.name for t in templates] == ["abfall", "info"]
    first = templates[0]
    assert (first.id, first.language, first.category, first.status) == (
        "id-abfall",
        "de",
        "UTILITY",
        "APPROVED",
    )
    assert first.header_format == "DOCUMENT" and first.parameter_count == 2
    assert first.body.startswith("Am {{1}}")
    assert templates[1].parameter_count == 0 and templates[1].header_format == ""
    assert all(call.request.url.startswith(TEMPLATES) for call in responses.calls)


def test_backend_instance_follows_settings():
    first = get_backend()
    assert isinstance(first, CloudAPIBackend) and get_backend() is first
    with override_settings(WHATSAPP_ACCESS_TOKEN="other"):
        assert get_backend() is not first
        assert get_backend().auth_headers["Authorization"] == "Bearer other"
    assert get_backend() is first


def test_missing_token_is_a_configuration_error():
    with override_settings(WHATSAPP_ACCESS_TOKEN=""), pytest.raises(ConfigurationError):
        get_backend()
