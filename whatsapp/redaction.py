"""Keep phone numbers out of logs and stored error texts.

Receivers are other apps' code; an exception they raise may quote a number (a database
error showing a row, say). Error texts pass through ``scrub`` before they are logged or
stored, so even then no number leaves the process in clear.
"""

import re
import traceback

# Seven or more digits, possibly with "+", spaces, dots, dashes or brackets between them.
_NUMBER_LIKE = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")


def scrub(text):
    return _NUMBER_LIKE.sub("[redacted]", text)


def describe(exc, limit=4000):
    """A scrubbed traceback of ``exc``, its last ``limit`` characters."""
    text = "".join(traceback.format_exception(exc))
    return scrub(text)[-limit:]
