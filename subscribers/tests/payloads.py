"""Webhook bodies in the shapes Meta publishes (see the Cloud API webhook reference).

Our own builders, so tests can vary sender, text and ids; the numbers are fictitious
(German mobile range reserved for drama, 0151 1xx).
"""

import time

from whatsapp.testing import new_wamid

PHONE_NUMBER_ID = "100000000000001"


def wamid(number=None):
    """A Meta-shaped id: base64 holding ``number``, as Meta's wamids do."""
    return new_wamid(number if number and number.isdigit() else "4915100000000")


def envelope(value, field="messages"):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "4924639999", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000001", "changes": [{"value": value, "field": field}]}],
    }


def _contact(number, user_id):
    contact = {"profile": {"name": "Erika Mustermann"}}
    if number:
        contact["wa_id"] = number
    if user_id:
        contact["user_id"] = user_id
    return contact


def message(number, kind, body, *, user_id=None, message_id=None, timestamp=None):
    """One inbound message of ``kind`` with its type-specific ``body`` object."""
    item = {
        "id": message_id or wamid(number),
        "timestamp": str(timestamp or int(time.time())),
        "type": kind,
        kind: body,
    }
    if number:
        item["from"] = number
    if user_id:
        item["from_user_id"] = user_id
    return envelope({"contacts": [_contact(number, user_id)], "messages": [item]})


def text(number, body, **kwargs):
    return message(number, "text", {"body": body}, **kwargs)


def button(number, payload, label=None, **kwargs):
    return message(number, "button", {"payload": payload, "text": label or payload}, **kwargs)


def button_reply(number, reply_id, title, **kwargs):
    body = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    return message(number, "interactive", body, **kwargs)


def image(number, caption="", **kwargs):
    body = {"mime_type": "image/jpeg", "sha256": "abc", "id": "1234567890"}
    if caption:
        body["caption"] = caption
    return message(number, "image", body, **kwargs)


def location(number, **kwargs):
    body = {"latitude": 50.96, "longitude": 6.42, "name": "Titz"}
    return message(number, "location", body, **kwargs)


def reaction(number, **kwargs):
    return message(number, "reaction", {"message_id": wamid(number), "emoji": "👍"}, **kwargs)


def changed_number(old_number, new_number, *, new_user_id=None, **kwargs):
    system = {
        "body": f"User Erika changed from {old_number} to {new_number}",
        "wa_id": new_number,
        "type": "user_changed_number",
    }
    if new_user_id:
        system["user_id"] = new_user_id
    payload = message(old_number, "system", system, **kwargs)
    del payload["entry"][0]["changes"][0]["value"]["contacts"]
    return payload


def failed_status(number, code, title="Message undeliverable", *, user_id=None):
    status = {
        "id": wamid(number),
        "status": "failed",
        "timestamp": str(int(time.time())),
        "recipient_id": number,
        "errors": [
            {
                "code": code,
                "title": title,
                "message": title,
                "error_data": {"details": title},
                "href": "/documentation/business-messaging/whatsapp/support/error-codes",
            }
        ],
    }
    if user_id:
        status["recipient_user_id"] = user_id
    return envelope({"statuses": [status]})


def user_preference(number, value, *, timestamp=None):
    return envelope(
        {
            "contacts": [{"wa_id": number}],
            "user_preferences": [
                {
                    "wa_id": number,
                    "detail": f"User requested to {value} marketing messages",
                    "category": "marketing_messages",
                    "value": value,
                    "timestamp": timestamp or int(time.time()),
                }
            ],
        },
        field="user_preferences",
    )
