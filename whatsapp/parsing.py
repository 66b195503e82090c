"""Meta's webhook JSON -> the normalized events of ``events.py``.

Only this module knows the payload layout. Anything that does not have the documented
shape raises ``MalformedPayload`` (the view answers 400); fields we do not use are
ignored, and changes of fields we do not handle are skipped, so Meta never retries them.
Template health (``TEMPLATES``) and the account's limits (``ACCOUNT``) are read into
``TemplateUpdate`` and ``AccountUpdate`` events. So are changes for a business number
other than ours: an app's webhook can serve several numbers, and only ours may
subscribe or erase anyone here. Template and account changes are ours only when the
entry names our WhatsApp Business Account (``entry.id``): another account's paused
template must not pause ours.

Meta's message ids leave this module as keyed hashes (``ids.message_key``): they encode
the resident's number. The other ids Meta sends with a message (``context.id`` of a
reply, a reaction's ``message_id``, media ids, ``conversation.id``) are not read at all.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .events import (
    AccountUpdate,
    ErrorInfo,
    InboundMessage,
    StatusUpdate,
    TemplateUpdate,
    UserPreference,
)
from .ids import identity_key, message_key
from .numbers import is_bsuid, normalize

logger = logging.getLogger(__name__)

# A message type -> where its text lives. Media captions count as text, so a "Start"
# typed under a photo still works.
_CAPTIONED = frozenset({"image", "document", "audio", "video", "sticker"})
TEMPLATES = frozenset(
    {
        "message_template_status_update",
        "template_category_update",
        "message_template_quality_update",
    }
)
# ``business_capability_update`` is where Meta reports a changed messaging limit (since
# October 2025 the portfolio's); the other two bring throughput and restrictions.
ACCOUNT = frozenset({"account_update", "phone_number_quality_update", "business_capability_update"})


class MalformedPayload(ValueError):
    """The body is JSON but not a webhook payload we can read."""


@dataclass
class ParsedWebhook:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    preferences: list[UserPreference] = field(default_factory=list)
    errors: list[ErrorInfo] = field(default_factory=list)  # value.errors[]: not tied to a message
    templates: list[TemplateUpdate] = field(default_factory=list)
    accounts: list[AccountUpdate] = field(default_factory=list)


def parse(payload, phone_number_id=None, business_account_id=None) -> ParsedWebhook:
    """Parse one webhook POST body (already decoded from JSON).

    With ``phone_number_id``, changes whose ``metadata.phone_number_id`` differs (or is
    missing) are skipped and logged; with ``business_account_id``, so are template and
    account changes of an entry whose ``id`` differs.
    """
    try:
        return _parse(payload, phone_number_id, business_account_id)
    except MalformedPayload:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError, OSError):
        # Meta's shapes are nested several levels deep; one guard here keeps every
        # malformed corner a 400 instead of a 500.
        raise MalformedPayload("unexpected webhook payload shape") from None


def _parse(payload, ours, our_account):
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise MalformedPayload("no entry list")
    result = ParsedWebhook()
    for entry in payload["entry"]:
        account = str(_dict(entry).get("id", ""))
        for change in _items(entry.get("changes")):
            kind = change.get("field")
            if kind in TEMPLATES | ACCOUNT and our_account is not None and account != our_account:
                logger.warning(
                    "webhook: ignored a %s change for business account %r (ours: %r)",
                    kind,
                    account,
                    our_account,
                )
                continue
            if kind in ("messages", "user_preferences") and ours is not None:
                number_id = _phone_number_id(_dict(change["value"]))
                if number_id != ours:
                    logger.warning(
                        "webhook: ignored a %s change for business number id %r (ours: %r)",
                        kind,
                        number_id,
                        ours,
                    )
                    continue
            if kind == "messages":
                _read_messages(_dict(change["value"]), result)
            elif kind == "user_preferences":
                _read_preferences(_dict(change["value"]), result)
            elif kind in TEMPLATES:
                result.templates.append(_template(kind, _dict(change["value"])))
            elif kind in ACCOUNT:
                result.accounts.append(_account(kind, _dict(change["value"])))
    return result


def _template(kind, value):
    """One template webhook (Meta's reference pages for the three fields)."""
    common = {
        "template_id": _text(value["message_template_id"]),
        "name": _str(value["message_template_name"]),
        "language": _str(value["message_template_language"]),
    }
    if kind == "message_template_status_update":
        return TemplateUpdate(
            **common, status=_str(value["event"]), reason=_text(value.get("reason") or "")
        )
    if kind == "template_category_update":
        # "correct_category" only announces a change 24 hours ahead; "previous_category"
        # comes with a change done. Only a change done is a new category.
        if "previous_category" not in value:
            return TemplateUpdate(**common)
        return TemplateUpdate(
            **common,
            category=_str(value["new_category"]),
            previous_category=_str(value["previous_category"]),
        )
    return TemplateUpdate(
        **common,
        quality_score=_str(value["new_quality_score"]),
        previous_quality_score=_str(value.get("previous_quality_score") or ""),
    )


def _account(kind, value):
    """``account_update``, ``phone_number_quality_update`` or ``business_capability_update``:
    limits, restrictions."""
    limit = value.get("max_daily_conversations_per_business") or value.get("current_limit")
    restrictions = tuple(
        (_str(_dict(item)["restriction_type"]), _expiration(item.get("expiration")))
        for item in _items(value.get("restriction_info"))
    )
    return AccountUpdate(
        field=kind,
        event=_str(value.get("event") or ""),
        messaging_limit=_text(limit or ""),
        restrictions=restrictions,
    )


def _phone_number_id(value):
    return _str(_dict(value.get("metadata") or {}).get("phone_number_id") or "")


def _read_messages(value, result):
    phone_number_id = _phone_number_id(value)
    contacts = _Contacts(value.get("contacts"))
    messages = _items(value.get("messages"))
    for message in messages:
        result.messages.append(_inbound(message, contacts, phone_number_id, len(messages)))
    for status in _items(value.get("statuses")):
        result.statuses.append(_status(status))
    for error in _items(value.get("errors")):
        result.errors.append(_error_info(error))


def _read_preferences(value, result):
    contacts = _Contacts(value.get("contacts"))
    for item in _items(value.get("user_preferences")):
        sender, user_id = contacts.identify(item.get("wa_id"), item.get("user_id"), 1)
        category = _str(item.get("category") or "")
        choice = _str(item["value"])
        timestamp = _timestamp(item["timestamp"])
        # Meta sends no id: one is derived, keyed, since it is stored and names the sender.
        raw_id = f"{sender}|{user_id}|{category}|{choice}|{int(timestamp.timestamp())}"
        event_id = message_key(raw_id)
        result.preferences.append(
            UserPreference(
                event_id=event_id,
                sender=sender,
                sender_user_id=user_id,
                value=choice,
                category=category,
                timestamp=timestamp,
            )
        )


class _Contacts:
    """``contacts[]`` of a change: links phone numbers (``wa_id``) and BSUIDs (``user_id``)."""

    def __init__(self, raw):
        self.user_id_by_number = {}
        self.number_by_user_id = {}
        self.only_user_id = None
        items = _items(raw)
        for contact in items:
            wa_id, user_id = contact.get("wa_id"), contact.get("user_id")
            number = normalize(_str(wa_id)) if wa_id else None
            if user_id:
                user_id = _str(user_id)
            if number and user_id:
                self.user_id_by_number[number] = user_id
                self.number_by_user_id[user_id] = number
        if len(items) == 1 and items[0].get("user_id"):
            self.only_user_id = _str(items[0]["user_id"])

    def identify(self, raw_number, user_id, messages_in_change):
        """Return ``(sender, sender_user_id)``: the number when known, else the BSUID."""
        user_id = _str(user_id) if user_id else None
        if raw_number:
            number = normalize(_str(raw_number))
            if user_id is None:
                user_id = self.user_id_by_number.get(number)
            if user_id is None and messages_in_change == 1:
                # One contact for one message: Meta's wa_id may differ from "from".
                user_id = self.only_user_id
            return number, user_id
        if user_id:
            return self.number_by_user_id.get(user_id, user_id), user_id
        raise MalformedPayload("neither a number nor a user id")


def _inbound(message, contacts, phone_number_id, messages_in_change):
    kind = _str(message.get("type") or "unknown")
    text = payload = system_type = new_sender = new_user_id = previous_user_id = ""
    content = message.get(kind)
    content = content if isinstance(content, dict) else {}
    if kind == "system":
        # A system message has no contacts[]; user_changed_user_id names no number at all,
        # only the BSUID it replaces (Meta's system messages reference, 11 Aug 2026).
        previous_user_id = _str(content.get("previous_user_id") or "")
    sender, user_id = contacts.identify(
        message.get("from"), message.get("from_user_id") or previous_user_id, messages_in_change
    )
    if kind == "text":
        text = _str(content["body"])
    elif kind == "button":
        text, payload = _str(content.get("text") or ""), _str(content.get("payload") or "")
    elif kind == "interactive":
        reply = _dict(content.get(_str(content.get("type") or "")) or {})
        text, payload = _str(reply.get("title") or ""), _str(reply.get("id") or "")
    elif kind in _CAPTIONED:
        text = _str(content.get("caption") or "")
    elif kind == "reaction":
        text = _str(content.get("emoji") or "")
    elif kind == "system":
        # system.body names both numbers in clear text; it is deliberately not kept.
        system_type = _str(content.get("type") or "")
        new_sender = normalize(_str(content["wa_id"])) if content.get("wa_id") else ""
        new_user_id = _str(content.get("user_id") or "")
    return InboundMessage(
        message_id=message_key(_id(message["id"])),
        sender=sender,
        sender_user_id=user_id,
        timestamp=_timestamp(message["timestamp"]),
        type=kind,
        text=text,
        payload=payload,
        phone_number_id=phone_number_id,
        system_type=system_type,
        new_sender=new_sender,
        new_sender_user_id=new_user_id,
    )


def _status(status):
    errors = tuple(_error_info(e) for e in _items(status.get("errors")))
    # Only a refused send needs to know whom it was for (131050: that resident stopped us
    # in WhatsApp, subscribers.services erases them). Sent, delivered and read statuses
    # are matched by their message id alone, so their number is neither normalized (a
    # third of a status POST's parsing) nor sealed into the intake.
    recipient, user_id = _recipient(status) if errors else ("", None)
    number_hash, user_id_hash = _link(status)
    # The ``pricing`` object, read in line: this runs for every status of every webhook.
    pricing = status.get("pricing")
    billable = category = model = kind = None
    if pricing is not None:
        pricing = _dict(pricing)
        billable = pricing.get("billable")
        category, model, kind = (
            pricing.get("category"),
            pricing.get("pricing_model"),
            pricing.get("type"),
        )
    return StatusUpdate(
        message_id=message_key(_id(status["id"])),
        status=_token(status["status"]),
        timestamp=_timestamp(status["timestamp"]),
        recipient=recipient,
        recipient_user_id=user_id,
        callback_data=_str(status.get("biz_opaque_callback_data") or ""),
        errors=errors,
        billable=billable if billable is True or billable is False else None,
        pricing_category=_str(category) if category else "",
        pricing_model=_str(model) if model else "",
        pricing_type=_str(kind) if kind else "",
        recipient_number_hash=number_hash,
        recipient_user_id_hash=user_id_hash,
    )


def _link(status):
    """The keyed hashes of a "sent" status's number and BSUID when it names both, else "".

    Only "sent": every message has one, and the delivered and read statuses after it
    would name the same pair again; two HMACs (about 4 µs) on a third of the statuses
    instead of all. No number parsing: Meta writes ``recipient_id`` as E.164 digits, which
    is what a subscriber's number hash is taken over. Anything else (a group id, a future
    kind of recipient) links nothing.
    """
    if status.get("status") != "sent":
        return "", ""
    number, user_id = status.get("recipient_id"), status.get("recipient_user_id")
    if not (isinstance(number, str) and number.isdigit() and is_bsuid(user_id)):
        return "", ""
    return identity_key(number), identity_key(user_id)


def _recipient(status):
    raw_number, user_id = status.get("recipient_id"), status.get("recipient_user_id")
    user_id = _str(user_id) if user_id else None
    try:
        return (normalize(_str(raw_number)) if raw_number else (user_id or "")), user_id
    except ValueError:
        # Group sends and future recipient kinds: the wamid identifies the message anyway.
        return user_id or "", user_id


def _error_info(error):
    error = _dict(error)
    code = error.get("code")
    data = error.get("error_data")
    return ErrorInfo(
        code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
        title=_str(error.get("title") or ""),
        message=_str(error.get("message") or ""),
        details=_str(data.get("details") or "") if isinstance(data, dict) else "",
    )


def _timestamp(value):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedPayload("timestamp is not a number")
    return datetime.fromtimestamp(int(value), tz=UTC)


def _id(value):
    if not isinstance(value, str) or not 0 < len(value) <= 200 or not value.isprintable():
        raise MalformedPayload("message id is not 1 to 200 printable characters")
    return value


def _token(value):
    if not isinstance(value, str) or not 0 < len(value) <= 30 or not value.isprintable():
        raise MalformedPayload("status is not 1 to 30 printable characters")
    return value


def _expiration(value):
    return None if value in (None, "") else int(_text(value))


def _text(value):
    """A string or a number (Meta sends template ids and limits as either), as text."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedPayload("expected a string or a number")
    return str(value)


def _str(value):
    if not isinstance(value, str):
        raise MalformedPayload("expected a string")
    return value


def _items(value):
    """An optional array: absent means empty."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise MalformedPayload("expected a list")
    return value


def _dict(value):
    if not isinstance(value, dict):
        raise MalformedPayload("expected an object")
    return value
