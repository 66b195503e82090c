"""Meta's webhook signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>``.

Computed over the raw request bytes with the app secret; re-serialized JSON would not
match (escaping of non-ASCII differs), so this runs before any parsing.
"""

import hashlib
import hmac

PREFIX = "sha256="


def expected_signature(body, secret):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def is_valid(body, header, secret):
    """Constant-time check of ``header`` against ``body``; never true without a secret."""
    if not secret or not header or not header.startswith(PREFIX):
        return False
    expected = expected_signature(body, secret).encode()
    return hmac.compare_digest(expected, header.strip().lower().encode("utf-8", "replace"))
