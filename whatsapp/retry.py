"""How long to wait before trying again: one backoff function, and who retries what.

Exponential backoff with a cap and jitter, so retries of many rows or events that failed
together spread out instead of hitting Meta (or a recovering database) at the same moment.

Who retries what (settings in parentheses, defaults after them):

- A broadcast delivery after a transient Cloud API error (5xx, timeout, 130429, 131000):
  up to ``BROADCAST_MAX_ATTEMPTS`` (6) attempts, 2 after an answer nobody understood;
  waits ``backoff(n, base=BROADCAST_RETRY_BASE_SECONDS (5),
  cap=BROADCAST_RETRY_MAX_SECONDS (900), jitter=0.5)``, at least Meta's ``retry_after``.
  (``announcements.engine.sending``)
- A broadcast delivery after 131056 (the same recipient too often): the same attempts,
  ``backoff(n, base=4, factor=4, cap=1024)``. (``announcements.engine.sending``)
- A broadcast delivery whose worker died mid-request (a stale claim): queued once more
  after ``BROADCAST_CLAIM_GRACE_SECONDS`` (300) without evidence of sending.
  (``announcements.engine.sweeper``)
- A webhook event whose receiver raised: 8 attempts (about 2 hours),
  ``backoff(n, base=30, cap=3600, jitter=0.2)``. (``whatsapp.inbox``)
- A reply to a resident after a transient error: 6 retries by Celery
  (``retry_backoff=5``, ``retry_backoff_max=300``, full jitter).
  (``subscribers.tasks.send_reply``)

Permanent errors (``whatsapp.errors``: 131026, 131047, 131051, template errors) are never
retried; each is recorded with its German explanation.
"""

import random


def backoff(attempts: int, *, base: float, cap: float, factor: float = 2, jitter: float = 0):
    """Seconds to wait after the ``attempts``-th failure (1 for the first).

    ``base * factor ** (attempts - 1)``, at most ``cap``, then multiplied by a random
    factor in ``[1 - jitter, 1 + jitter]``.
    """
    seconds = min(cap, base * factor ** (attempts - 1))
    if jitter:
        seconds *= random.uniform(1 - jitter, 1 + jitter)
    return seconds
