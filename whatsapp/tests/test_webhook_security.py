"""The signature contract and Meta's verification handshake."""

from django.test import override_settings

from tests.fixtures.payloads import status_payload
from tests.fixtures.webhooks import WEBHOOK_URL, WebhookSecurityTests, signed_post


class TestWebhookSignature(WebhookSecurityTests):
    pass


class TestWebhookSignatureOnStatuses(WebhookSecurityTests):
    def valid_payload(self):
        return status_payload("wamid.SEC1", "delivered", "4915100000001")


def handshake(client, **params):
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", **params}
    return client.get(WEBHOOK_URL, query)


def test_handshake_answers_the_challenge(client):
    response = handshake(client, **{"hub.verify_token": "dev-verify-token"})
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


def test_handshake_with_wrong_token_is_refused(client):
    response = handshake(client, **{"hub.verify_token": "guess"})
    assert response.status_code == 403
    assert b"WHATSAPP_VERIFY_TOKEN" in response.content


def test_handshake_without_token_is_refused(client):
    assert handshake(client).status_code == 403


def test_handshake_with_other_mode_is_refused(client):
    response = handshake(
        client, **{"hub.mode": "unsubscribe", "hub.verify_token": "dev-verify-token"}
    )
    assert response.status_code == 403


@override_settings(WHATSAPP_VERIFY_TOKEN="")
def test_handshake_is_refused_when_no_token_is_configured(client):
    assert handshake(client, **{"hub.verify_token": ""}).status_code == 403


@override_settings(WHATSAPP_APP_SECRET="")
def test_unconfigured_app_secret_refuses_everything(client, db):
    payload = status_payload("wamid.SEC2", "sent", "4915100000001")
    assert signed_post(client, payload, secret="").status_code == 403


def test_other_methods_are_not_allowed(client):
    assert client.put(WEBHOOK_URL).status_code == 405


def test_signature_is_checked_over_raw_bytes_with_non_ascii(client, db, received):
    # Meta signs the bytes it sends; re-encoding "ü" as "\u00fc" would break the check.
    body = (
        b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",'
        b'"value":{"metadata":{"phone_number_id":"100000000000001"},"messages":[{"from":"4915100000001","id":"wamid.U1","timestamp":"1764400000",'
        b'"type":"text","text":{"body":"Gr\xc3\xbc\xc3\x9fe"}}]}}]}]}'
    )
    assert signed_post(client, body).status_code == 200
    assert received.inbound[0].text == "Grüße"
