"""Celery queues and which task runs on which, in one place.

Every queue here has a worker (see Procfile and docker-compose.yml);
``titz_broadcast/tests/test_queues.py`` checks that, and that every task routes to one.

The urgent queue has a worker of its own that consumes nothing else (``worker_urgent`` in
the Procfile, ``worker-urgent`` in docker-compose.yml): a slow NINA poll or a long
broadcast can occupy every process of the other worker and a warning still starts at
once. The other worker takes the answers residents wait for first, then broadcasts and
housekeeping. Replies have a queue of their own so that a
flood of "Hilfe" (each answer a billed service message) can never delay a warning.

``route`` is the project's only router (``CELERY_TASK_ROUTES``): task decorators, call
sites and beat entries name no queue, so moving a task means changing ``ROUTES`` only.
"""

DEFAULT = "default"
URGENT = "urgent"
REPLIES = "replies"

ALL = [URGENT, REPLIES, DEFAULT]

SEND_BATCH = "announcements.send_batch"  # urgent or not by its ``urgent`` argument

ROUTES = {
    # Starts due broadcasts: a long broadcast on the default queue must not delay a warning.
    "announcements.tick": URGENT,
    # Applies statuses and retries failed webhook events (an inbound "Stop", say).
    "whatsapp.tasks.dispatch_due_events": URGENT,
    # Answers to residents (module docstring).
    "subscribers.tasks.send_reply": REPLIES,
    # Logs coalesced topic choices (subscribers.topics): a few rows a minute at most.
    "subscribers.tasks.log_topic_choices": DEFAULT,
    # Housekeeping: every retention purge (one beat entry per store of privacy.stores).
    "privacy.purge_store": DEFAULT,
    # Verifies the consent log against its signed checkpoints and signs its head nightly.
    "subscribers.nightly_consent_check": DEFAULT,
    # Imports official warnings (nina): not urgent itself, so a slow NINA can never hold
    # the urgent worker; a batch task yields every BROADCAST_TASK_SECONDS, so it gets its turn.
    "nina.poll": DEFAULT,
    # Uploads kept for forms that were never corrected (announcements.staging).
    "announcements.purge_staged_uploads": DEFAULT,
    # Meta's limits and template health (issue 16): small reads, never urgent.
    "whatsapp.tasks.refresh_limits": DEFAULT,
    "announcements.sync_templates": DEFAULT,
}


def route(name, args, kwargs, options, task=None, **kw):
    """The queue for a task about to be sent: ``{"queue": ...}``, for Celery's router.

    ``announcements.send_batch(announcement_id, lo, hi, urgent=False)`` runs on the urgent
    queue for an urgent broadcast, with ``urgent`` passed by keyword or as the fourth
    positional argument. Every other task, Celery's own (``celery.*``) included, gets
    ``DEFAULT`` unless ``ROUTES`` names it: nothing is ever sent to a queue nobody consumes.
    """
    if name == SEND_BATCH:
        urgent = (kwargs or {}).get("urgent", args[3] if args and len(args) > 3 else False)
        return {"queue": URGENT if urgent else DEFAULT}
    return {"queue": ROUTES.get(name, DEFAULT)}
