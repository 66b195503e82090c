"""Typed Cloud API errors, so callers decide by class, never by parsing messages.

The hierarchy answers the only question a sender has: what now?

- ``TransientError``: try this message again later (``retry_after`` suggests when).
  - ``ThroughputError`` (130429): slow the whole sender down, then retry.
  - ``PairRateLimitError`` (131056): retry only this recipient, later.
- ``PermanentError``: do not retry this message.
  - ``RecipientError``: this recipient cannot get it (131026, 131047, 131049, 131050, ...).
  - ``RequestError``: the message itself is wrong (template, parameters, media): every
    recipient would fail the same way.
  - ``AccountError``: the business account cannot send at all (190, 368, 131031,
    131042, 131048, 131064, ...): stop every broadcast and tell staff.

Every error carries ``code`` (``None`` for network errors), Meta's ``details`` and a German
``explanation`` for staff.
"""


class WhatsAppError(Exception):
    # True when Meta's code is not one we know: transient, but retried only
    # ``errors.MAX_UNKNOWN_RETRIES`` times.
    unknown = False

    def __init__(
        self,
        message="",
        *,
        code=None,
        details="",
        explanation="",
        http_status=None,
        retry_after=None,
        fbtrace_id="",
    ):
        super().__init__(message or explanation or f"WhatsApp error {code}")
        self.code = code
        self.details = details
        self.explanation = explanation
        self.http_status = http_status
        self.retry_after = retry_after
        self.fbtrace_id = fbtrace_id


class TransientError(WhatsAppError):
    pass


class ThroughputError(TransientError):
    pass


class PairRateLimitError(TransientError):
    pass


class PermanentError(WhatsAppError):
    pass


class RecipientError(PermanentError):
    pass


class RequestError(PermanentError):
    pass


class AccountError(PermanentError):
    pass


class ConfigurationError(WhatsAppError):
    """Our own settings are wrong (no network involved); raised before any request."""
