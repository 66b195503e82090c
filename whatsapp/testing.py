"""Helpers for tests in every app: signed webhook POSTs and Meta-shaped payloads.

``signed_post(client, payload)`` posts like Meta does (raw JSON body, correct
``X-Hub-Signature-256``) and then runs what the request queued for after its commit, as
production would (a test's transaction never commits): with eager Celery, the statuses
are applied before it returns. The payload builders produce the documented webhook shapes with
the fields this project reads, so tests of receivers can drive the real webhook view.
``WebhookSecurityTests`` is the reusable signature test case for any webhook view.
"""

import itertools
import json
import time

from django.conf import settings
from django.test import TestCase

from .backends.locmem import meta_shaped_wamid
from .numbers import is_bsuid
from .signals import inbound_message, status_update, user_preference
from .signature import expected_signature

WEBHOOK_URL = "/whatsapp/webhook/"
_ids = itertools.count(1)


def sign(body, secret=None):
    """The ``X-Hub-Signature-256`` header value Meta would send for ``body``."""
    return expected_signature(body, settings.WHATSAPP_APP_SECRET if secret is None else secret)


def signed_post(client, payload, *, secret=None, url=WEBHOOK_URL, run_on_commit=True):
    """POST ``payload`` (a dict, or raw bytes) to the webhook with a valid signature.

    ``run_on_commit=False`` leaves what the request queued for after its commit to the
    caller (``django_capture_on_commit_callbacks``), as if that was lost or is pending.
    """
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    with TestCase.captureOnCommitCallbacks(execute=run_on_commit):
        return client.post(
            url,
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body, secret),
        )


def envelope(value, field="messages"):
    """Wrap one change ``value`` into the full webhook body."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "4924619000",
                                "phone_number_id": settings.WHATSAPP_PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                        "field": field,
                    }
                ],
            }
        ],
    }


def new_wamid(number="4915100000000"):
    """A fresh Meta-shaped wamid: base64 that holds ``number``, as Meta's ids do."""
    return meta_shaped_wamid(number)


def inbound_message_payload(sender, message, *, message_id=None, user_id=None, timestamp=None):
    """An inbound webhook for one ``message`` dict (``{"type": ..., <type>: {...}}``).

    ``sender`` is E.164 digits, or a BSUID for a resident whose number Meta withholds.
    """
    contact = {"profile": {"name": "Testperson"}}
    message = {
        "id": message_id or new_wamid(sender if sender.isdigit() else "4915100000000"),
        "timestamp": str(int(timestamp or time.time())),
        **message,
    }
    if is_bsuid(sender):
        contact["user_id"] = message["from_user_id"] = sender
    else:
        contact["wa_id"] = message["from"] = sender
        if user_id:
            contact["user_id"] = message["from_user_id"] = user_id
    return envelope({"contacts": [contact], "messages": [message]})


def inbound_text_payload(sender_digits, text, message_id=None, *, user_id=None, timestamp=None):
    return inbound_message_payload(
        sender_digits,
        {"type": "text", "text": {"body": text}},
        message_id=message_id,
        user_id=user_id,
        timestamp=timestamp,
    )


def inbound_button_payload(sender_digits, payload, text=None, message_id=None):
    """A template quick-reply button press (``type: button``)."""
    return inbound_message_payload(
        sender_digits,
        {"type": "button", "button": {"payload": payload, "text": text or payload}},
        message_id=message_id,
    )


def status_entry(
    wamid,
    status,
    recipient,
    callback_data="",
    error_code=None,
    *,
    recipient_user_id=None,
    timestamp=None,
):
    """One ``statuses[]`` item; ``error_code`` makes it a failure with that code."""
    entry = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(timestamp or time.time())),
    }
    if recipient and not is_bsuid(recipient):
        entry["recipient_id"] = recipient
    if recipient_user_id or is_bsuid(recipient):
        entry["recipient_user_id"] = recipient_user_id or recipient
    if callback_data:
        entry["biz_opaque_callback_data"] = callback_data
    if error_code is not None:
        entry["errors"] = [
            {
                "code": error_code,
                "title": f"Error {error_code}",
                "message": f"Error {error_code}",
                "error_data": {"details": f"Details of error {error_code}"},
            }
        ]
    return entry


def status_payload(wamid, status, recipient, callback_data="", error_code=None, **kwargs):
    return statuses_payload(
        [status_entry(wamid, status, recipient, callback_data, error_code, **kwargs)]
    )


def statuses_payload(entries):
    """One POST carrying several statuses (Meta batches up to 1,000)."""
    return envelope({"statuses": list(entries)})


def user_preferences_payload(
    sender_digits, value, *, category="marketing_messages", timestamp=None
):
    """WhatsApp's own "stop"/"resume" of marketing messages."""
    return envelope(
        {
            "contacts": [{"wa_id": sender_digits}],
            "user_preferences": [
                {
                    "wa_id": sender_digits,
                    "detail": f"User requested to {value} marketing messages",
                    "category": category,
                    "value": value,
                    "timestamp": int(timestamp or time.time()),
                }
            ],
        },
        field="user_preferences",
    )


class SignalRecorder:
    """Collects every webhook signal while connected; use as a context manager."""

    def __init__(self):
        self.inbound, self.statuses, self.preferences = [], [], []
        self.status_batches = 0

    def _inbound(self, sender, event, **kwargs):
        self.inbound.append(event)

    def _statuses(self, sender, events, **kwargs):
        self.status_batches += 1
        self.statuses.extend(events)

    def _preference(self, sender, event, **kwargs):
        self.preferences.append(event)

    def __enter__(self):
        inbound_message.connect(self._inbound, weak=False)
        status_update.connect(self._statuses, weak=False)
        user_preference.connect(self._preference, weak=False)
        return self

    def __exit__(self, *exc):
        inbound_message.disconnect(self._inbound)
        status_update.disconnect(self._statuses)
        user_preference.disconnect(self._preference)

    @property
    def count(self):
        return len(self.inbound) + len(self.statuses) + len(self.preferences)


class WebhookSecurityTests:
    """Signature tests every webhook view must pass; subclass it in a test module.

    Set ``url`` and override ``valid_payload()``. Runs under pytest-django (``client``
    and ``db`` fixtures); the class name does not start with "Test", so only subclasses
    are collected.
    """

    url = WEBHOOK_URL

    def valid_payload(self):
        return inbound_text_payload("4915100000001", "Start")

    def _body(self):
        return json.dumps(self.valid_payload()).encode()

    def _post(self, client, body, signature_header=None):
        extra = {} if signature_header is None else {"HTTP_X_HUB_SIGNATURE_256": signature_header}
        with SignalRecorder() as recorder, TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(self.url, data=body, content_type="application/json", **extra)
        return response, recorder

    def test_correct_signature_is_accepted(self, client, db):
        body = self._body()
        response, recorder = self._post(client, body, sign(body))
        assert response.status_code == 200
        assert recorder.count == 1

    def test_missing_signature_is_refused(self, client, db):
        response, recorder = self._post(client, self._body())
        assert response.status_code == 403
        assert b"WHATSAPP_APP_SECRET" in response.content
        assert recorder.count == 0

    def test_wrong_signature_is_refused(self, client, db):
        response, recorder = self._post(client, self._body(), "sha256=" + "0" * 64)
        assert response.status_code == 403
        assert recorder.count == 0

    def test_signature_with_another_secret_is_refused(self, client, db):
        body = self._body()
        response, recorder = self._post(client, body, sign(body, secret="not-the-app-secret"))  # noqa: S106
        assert response.status_code == 403
        assert recorder.count == 0

    def test_signature_without_prefix_is_refused(self, client, db):
        body = self._body()
        response, recorder = self._post(client, body, sign(body).removeprefix("sha256="))
        assert response.status_code == 403
        assert recorder.count == 0

    def test_body_changed_by_one_byte_is_refused(self, client, db):
        body = self._body()
        header = sign(body)
        changed = bytearray(body)
        changed[len(changed) // 2] ^= 0x01
        response, recorder = self._post(client, bytes(changed), header)
        assert response.status_code == 403
        assert recorder.count == 0
