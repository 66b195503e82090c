"""A broadcast's image or PDF at Meta: uploaded when it starts, again once the id expires.

A template with an image or PDF header is sent with the id Meta gave the uploaded file.
The upload belongs to the broadcast, not to the test send: an announcement approved
without a test send would otherwise go out with no id and every recipient would fail
(132012). So ``scheduler.tick`` uploads right after a broadcast's start has committed,
before its lanes are handed out (one upload per broadcast, and the lanes never race to
upload), and every batch task checks the id before it sends (``sending.run_batch``): a
start whose upload failed for a moment, or a broadcast still running when the id is
about to expire (``media.needs_upload``), uploads there. Never inside a transaction:
the upload is an HTTP call that may take a while for a large PDF.

``prepare`` decides and returns what to do; callers act on it (pause, wait, send).
"""

import logging
from dataclasses import dataclass

from whatsapp.errors import explain
from whatsapp.exceptions import AccountError, ConfigurationError, TransientError, WhatsAppError

from .. import media

logger = logging.getLogger(__name__)
RETRY_SECONDS = 30  # a failed upload (Meta down, timeout) is tried again this much later


@dataclass(frozen=True)
class Readiness:
    """``ok``: send. Otherwise pause with ``pause_reason`` (every broadcast with
    ``pause_all``), or try again after ``retry_after`` seconds."""

    pause_reason: str = ""
    pause_all: bool = False
    retry_after: float | None = None

    @property
    def ok(self):
        return not self.pause_reason and self.retry_after is None


READY = Readiness()


def prepare(announcement):
    """Make sure ``announcement``'s file has a valid media id at Meta (upload if needed)."""
    if not media.needs_upload(announcement):
        return READY
    try:
        media.ensure_uploaded(announcement)
    except TransientError as error:
        logger.warning(
            "announcement %s: media upload failed for now (%s)", announcement.pk, error.code
        )
        return Readiness(retry_after=RETRY_SECONDS)
    except AccountError as error:  # token, payment, policy: no broadcast can go out
        return Readiness(pause_reason=_explanation(error), pause_all=True)
    except ConfigurationError as error:  # our settings, not the file
        return Readiness(pause_reason=_explanation(error))
    except WhatsAppError as error:  # Meta refused this very file (type, size, content)
        logger.warning("announcement %s: media refused (%s)", announcement.pk, error.code)
        return Readiness(pause_reason=media.refused_reason(announcement, _explanation(error)))
    logger.info("announcement %s: media uploaded", announcement.pk)
    return READY


def _explanation(error):
    return (error.explanation or explain(error.code)).strip()
