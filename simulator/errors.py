"""Meta's Graph API error objects, as the Cloud API returns them synchronously or in webhooks.

Callers build on ``code`` and ``error_data.details`` (Meta's advice), so those carry the
meaning here; titles follow Meta's error-code table. HTTP statuses follow the older
published table (400 for most, 401 for tokens, 404 for a missing template, 500/503 for
server trouble) and 429 for throughput, as BSPs report it.
"""

import secrets

ERROR_HREF = "/documentation/business-messaging/whatsapp/support/error-codes"

# code -> (HTTP status, title)
KNOWN_ERRORS = {
    1: (500, "An unknown error occurred"),
    2: (503, "Service temporarily unavailable"),
    100: (400, "Invalid parameter"),
    190: (401, "Invalid OAuth access token"),
    130429: (429, "Rate limit hit"),
    131000: (500, "Something went wrong"),
    131026: (400, "Message undeliverable"),
    131053: (400, "Media upload error"),
    131056: (400, "(Business Account, Consumer Account) pair rate limit hit"),
    132000: (400, "Number of parameters does not match the expected number of params"),
    132001: (404, "Template name does not exist in the translation"),
    132012: (400, "Parameter format does not match format in the created template"),
    132015: (400, "Template is paused"),
    132016: (400, "Template is disabled"),
}

DEFAULT_DETAILS = {
    2: "Temporary due to downtime or due to being overloaded.",
    130429: "Cloud API message throughput has been reached.",
    131000: "Something went wrong. Try again.",
    131026: "Receiver is incapable of receiving this message",
    131056: "Too many messages sent from this phone number to the same phone number "
    "in a short period of time.",
}


class MetaError(Exception):
    """A request the simulated Cloud API refuses, with the code a real one would send."""

    def __init__(self, code, details=""):
        super().__init__(f"({code}) {details}")
        self.code = code
        self.details = details or DEFAULT_DETAILS.get(code, "")

    @property
    def http_status(self):
        return KNOWN_ERRORS.get(self.code, (400, ""))[0]

    @property
    def title(self):
        return KNOWN_ERRORS.get(self.code, (400, "Error"))[1]

    def response_body(self):
        """The synchronous ``{"error": {...}}`` body of a failed Graph request."""
        error = {
            "message": f"(#{self.code}) {self.title}",
            "type": "OAuthException",
            "code": self.code,
            "error_data": {"messaging_product": "whatsapp", "details": self.details},
            "fbtrace_id": secrets.token_urlsafe(16),
        }
        if self.code == 190:
            # Token errors come without error_data, as in Meta's expired-token example.
            error["message"] = f"Error validating access token: {self.details}"
            del error["error_data"]
        return {"error": error}

    def webhook_error(self):
        """One entry of a status webhook's ``errors[]`` (asynchronous failure)."""
        return {
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": {"details": self.details},
            "href": ERROR_HREF,
        }
