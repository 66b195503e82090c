"""Classify Cloud API errors into the ``exceptions`` hierarchy, and explain them to staff.

Meta says to decide on ``code`` (and ``details``), not on HTTP status, subcodes or titles,
so the mapping below is by code. HTTP status only matters when there is no code at all
(a proxy's 502, a timeout). Codes we do not know are treated as transient but marked
``unknown``: the caller retries them at most ``MAX_UNKNOWN_RETRIES`` times, because an
unknown permanent error retried forever would block a broadcast.
"""

import logging

from django.utils.translation import gettext_lazy as _

from .exceptions import (
    AccountError,
    PairRateLimitError,
    RecipientError,
    RequestError,
    ThroughputError,
    TransientError,
)

logger = logging.getLogger(__name__)

MAX_UNKNOWN_RETRIES = 3

TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 131000, 131016, 131057})
ACCOUNT_CODES = frozenset(
    {190, 368, 131005, 131031, 131037, 131042, 131045, 131048, 131063, 131064, 133010}
    | set(range(200, 300))
)
RECIPIENT_CODES = frozenset(
    {130403, 130472, 130497, 131021, 131026, 131047, 131049, 131050, 131062}
)
REQUEST_CODES = frozenset(
    {
        100,
        131008,
        131009,
        131051,
        131053,
        132000,
        132001,
        132005,
        132007,
        132012,
        132015,
        132016,
        135000,
    }
)
THROUGHPUT_CODE = 130429
PAIR_RATE_LIMIT_CODE = 131056

# Suggested seconds until a retry may succeed. 130429: the per-number bucket refills within
# a second or two. 131056: one message per 6 s per recipient. 131057: maintenance "≤1 min".
# 80007: the management-endpoint budget is per hour.
RETRY_AFTER = {
    1: 30,
    2: 30,
    4: 60,
    80007: 600,
    130429: 2,
    131000: 10,
    131016: 30,
    131056: 6,
    131057: 60,
}
DEFAULT_RETRY_AFTER = 10  # network errors, timeouts, 5xx without a code
UNKNOWN_RETRY_AFTER = 60

EXPLANATIONS = {
    None: _(
        "No response from WhatsApp (network error, timeout or server error). The message will "
        "be retried later."
    ),
    1: _(
        "Invalid request or possible server error at WhatsApp. Will be retried a limited "
        "number of times."
    ),
    2: _("WhatsApp is temporarily unreachable or overloaded. Will be retried later."),
    4: _("The app has reached its API call limit. Will be retried later."),
    100: _("Invalid or misspelled parameter, or text too long. The message must be corrected."),
    190: _(
        "The access token (WHATSAPP_ACCESS_TOKEN) has expired or is invalid. Please store a "
        "new system user token."
    ),
    200: _(
        "A permission for the WhatsApp account or the phone number is missing. Please check "
        "the token's permissions."
    ),
    368: _(
        "The WhatsApp Business account has been restricted because of a policy violation. All "
        "sending has stopped; please check in Meta Business Manager."
    ),
    80007: _("The WhatsApp Business account has reached its request limit. Will be retried later."),
    130403: _(
        "The municipality has blocked this person on WhatsApp. Sending is only possible after "
        "the block is lifted."
    ),
    130429: _(
        "The per-second sending limit has been reached. Sending is slowed down and continues "
        "automatically."
    ),
    130472: _("The number is part of an experiment by Meta; the message was not sent."),
    130497: _("The account may not send messages to people in this country."),
    131000: _("Unknown error at WhatsApp. Will be retried a few times."),
    131005: _(
        "A permission was not granted or has been revoked. Please check the app permissions."
    ),
    131008: _("A required parameter is missing. The message must be corrected."),
    131009: _("A parameter value is invalid. The message must be corrected."),
    131016: _("The WhatsApp service is temporarily unavailable. Will be retried later."),
    131021: _("Sender and recipient are the same number."),
    131026: _(
        "The message cannot be delivered: not a WhatsApp number, terms of service not "
        "accepted, or an outdated app version. Please get in touch another way."
    ),
    131031: _(
        "The WhatsApp Business account is locked (policy violation or wrong two-step PIN). All "
        "sending has stopped."
    ),
    131037: _(
        "No approved display name has been set for the phone number yet. Please set one up in "
        "Meta Business Manager."
    ),
    131042: _(
        "Problem with the WhatsApp account's payment method. Sending is on hold until billing "
        "is sorted out in Meta Business Manager."
    ),
    131045: _("The phone number is not registered correctly. Please check the registration."),
    131047: _(
        "More than 24 hours since this person's last message: free text is not allowed, an "
        "approved template must be used."
    ),
    131048: _(
        "Sending restricted by a spam limit (too many blocks or reports). Pause sending, check "
        "quality and resume later."
    ),
    131049: _(
        "Meta did not deliver the message to protect users (marketing message limit). Try "
        "again after 24 hours at the earliest."
    ),
    131050: _("The person has opted out of the municipality's marketing messages in WhatsApp."),
    131051: _("This message type is not supported."),
    131052: _("The file sent by the person could not be downloaded."),
    131053: _(
        "The media file could not be uploaded (e.g. wrong file type). Please check the file."
    ),
    131056: _(
        "Too many messages to the same person in a short time. Will be retried later for this "
        "person."
    ),
    131057: _("The account is briefly in maintenance mode. Will be retried in about a minute."),
    131060: _("This message type is not supported."),
    131062: _(
        "This message cannot be sent to a WhatsApp user ID (BSUID); a phone number is required."
    ),
    131063: _("Marketing templates are disabled for this WhatsApp account."),
    131064: _(
        "The sending limit has been lowered because of miscategorised templates. Sending is on "
        "hold until the restriction is lifted."
    ),
    132000: _("The number of template parameters does not match the approved template."),
    132001: _("The template does not exist in this language or is not yet approved."),
    132005: _("The template text is too long with the values filled in."),
    132007: _("The template content violates WhatsApp's policies."),
    132012: _("A template parameter has the wrong format."),
    132015: _(
        "The template has been paused because of low quality. Sending is only possible once it "
        "is reactivated."
    ),
    132016: _("The template has been permanently disabled. Please create a new template."),
    133010: _("The phone number is not registered on the WhatsApp platform. Please register it."),
    135000: _("Unknown error in the request parameters. The message must be checked."),
}


def explain(code):
    """German explanation of ``code`` for staff, in the active language."""
    if code is not None and 200 <= code < 300:
        code = 200
    text = EXPLANATIONS.get(code)
    if text is None:
        return str(_("Unknown WhatsApp error (code %(code)s).") % {"code": code})
    return str(text)


def _error_class(code, http_status):
    if code is None:
        if http_status == 429:
            return ThroughputError
        return TransientError
    if code == THROUGHPUT_CODE:
        return ThroughputError
    if code == PAIR_RATE_LIMIT_CODE:
        return PairRateLimitError
    if code in TRANSIENT_CODES:
        return TransientError
    if code in ACCOUNT_CODES:
        return AccountError
    if code in RECIPIENT_CODES:
        return RecipientError
    if code in REQUEST_CODES:
        return RequestError
    return None


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def classify(error_obj, http_status):
    """Turn Meta's ``error`` object (or ``None``) and the HTTP status into an exception.

    ``error_obj`` is the inner object of ``{"error": {...}}`` or one entry of a webhook
    ``errors`` array. The exception is returned, not raised.
    """
    error_obj = error_obj if isinstance(error_obj, dict) else {}
    code = _as_int(error_obj.get("code"))
    error_data = error_obj.get("error_data")
    details = error_data.get("details", "") if isinstance(error_data, dict) else ""
    cls = _error_class(code, http_status)
    unknown = cls is None
    if unknown:
        cls = TransientError
        retry_after = UNKNOWN_RETRY_AFTER
        logger.warning("unknown WhatsApp error code %s (HTTP %s)", code, http_status)
    else:
        retry_after = RETRY_AFTER.get(code, DEFAULT_RETRY_AFTER)
    if code is None and http_status is not None and 400 <= http_status < 500 and http_status != 429:
        # A 4xx without Meta's error object: a wrong URL or a proxy; bounded like unknowns.
        unknown = True
    if not issubclass(cls, TransientError):
        retry_after = None
    message = str(error_obj.get("message") or error_obj.get("title") or "")
    error = cls(
        message or f"WhatsApp error {code} (HTTP {http_status})",
        code=code,
        details=str(details or ""),
        explanation=explain(code),
        http_status=http_status,
        retry_after=retry_after,
        fbtrace_id=str(error_obj.get("fbtrace_id") or ""),
    )
    error.unknown = unknown
    return error


def network_error(exc):
    """A ``TransientError`` for a failure without any answer from Meta (connect, timeout)."""
    error = TransientError(
        f"network error: {type(exc).__name__}",
        explanation=explain(None),
        retry_after=DEFAULT_RETRY_AFTER,
    )
    error.unknown = False
    return error
