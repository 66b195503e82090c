"""Normalized webhook events: what the rest of the project sees of Meta's payloads.

Receivers never touch Meta's JSON; they get these frozen objects. A resident is identified
by ``sender``: the E.164 number as digits (``"4915100000000"``) when Meta sends one, else
the business-scoped user id (BSUID, ``"DE.1349..."``). ``sender_user_id`` carries the BSUID
whenever Meta sends it, so a subscriber can be found by either. Meta's message ids arrive
here as keyed hashes only (``ids.message_key``): a wamid encodes the resident's number.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class InboundMessage:
    """A message a resident sent to the municipality's number."""

    message_id: str  # keyed hash of the inbound wamid (``ids``); unique, for idempotency
    sender: str  # E.164 digits, or the BSUID when no number was sent
    sender_user_id: str | None  # BSUID if present
    timestamp: datetime  # aware, UTC
    type: str  # text, button, interactive, image, audio, video, document, sticker,
    # location, contacts, reaction, system, unsupported, ...
    text: str = ""  # text body, button text, interactive reply title, media caption
    payload: str = ""  # button payload or interactive reply id
    phone_number_id: str = ""  # the business number the message was sent to
    # For type == "system" (``user_changed_number``, ``user_changed_user_id``): the new
    # identity. The BSUID it replaces (``system.previous_user_id``, Aug 2026) is the
    # ``sender_user_id`` when Meta names no other.
    system_type: str = ""
    new_sender: str = ""  # new E.164 digits (system.wa_id) if given
    new_sender_user_id: str = ""  # new BSUID (system.user_id) if given


@dataclass(frozen=True)
class ErrorInfo:
    """One entry of a Cloud API ``errors`` array (asynchronous failure)."""

    code: int | None
    title: str = ""
    message: str = ""
    details: str = ""


@dataclass(frozen=True)
class StatusUpdate:
    """What Meta reports about a message we sent: sent, delivered, read, failed, played."""

    message_id: str  # keyed hash of our outbound message's wamid (``ids``)
    status: str
    timestamp: datetime  # aware, UTC
    recipient: str  # E.164 digits, or BSUID when no number was sent
    recipient_user_id: str | None = None
    callback_data: str = ""  # biz_opaque_callback_data echoed back, "" if none
    errors: tuple[ErrorInfo, ...] = field(default_factory=tuple)
    # The ``pricing`` object (on "sent" and one of "delivered"/"read"): what Meta bills.
    # Flat fields, so the event seals as it is; "" / None when Meta sent none.
    billable: bool | None = None
    pricing_category: str = ""  # marketing, utility, authentication, service, ...
    pricing_model: str = ""  # PMP (per message; CBP before July 2025)
    pricing_type: str = ""  # regular (billed), free_customer_service, free_entry_point
    # When the status names both the number and the BSUID (``recipient_id`` and
    # ``recipient_user_id``): their keyed hashes (``ids.identity_key``), never the values,
    # so a subscriber known by number learns its BSUID without the status being sealed.
    recipient_number_hash: str = ""
    recipient_user_id_hash: str = ""


@dataclass(frozen=True)
class UserPreference:
    """A ``user_preferences`` webhook: the resident used WhatsApp's own stop/resume."""

    event_id: str  # a stable id for idempotency (derived from the payload)
    sender: str
    sender_user_id: str | None
    value: str  # "stop" | "resume"
    category: str  # e.g. "marketing_messages"
    timestamp: datetime


@dataclass(frozen=True)
class TemplateUpdate:
    """A change Meta reports about one of our message templates.

    From ``message_template_status_update`` (``status``: APPROVED, REJECTED, PAUSED,
    DISABLED, FLAGGED, ...), ``template_category_update`` (``category`` the new one,
    ``previous_category`` the old) or ``message_template_quality_update``
    (``quality_score``: GREEN, YELLOW, RED, UNKNOWN). Only the field the webhook is
    about is set; the others stay "".
    """

    template_id: str  # Meta's message_template_id, as text
    name: str
    language: str
    status: str = ""
    reason: str = ""  # Meta's reason for a status, e.g. "NONE", "INCORRECT_CATEGORY"
    category: str = ""
    previous_category: str = ""
    quality_score: str = ""
    previous_quality_score: str = ""


@dataclass(frozen=True)
class AccountUpdate:
    """``account_update`` / ``phone_number_quality_update`` / ``business_capability_update``:
    limits and health of the number.

    ``messaging_limit`` is Meta's tier name (``TIER_250`` ... ``TIER_UNLIMITED``) or the
    number of unique recipients per 24 h as text ("-1" unlimited); ``restrictions`` the
    restrictions Meta lists, as ``(restriction_type, expiration)`` (a Unix time, or
    None). Fields Meta did not send stay "" / empty. The quality rating is not in these
    webhooks: ``limits.refresh`` reads it.
    """

    field: str  # "account_update", "phone_number_quality_update", "business_capability_update"
    event: str  # Meta's event, e.g. UPGRADE, DOWNGRADE, FLAGGED, THROUGHPUT_UPGRADE
    messaging_limit: str = ""
    restrictions: tuple[tuple[str, int | None], ...] = ()
