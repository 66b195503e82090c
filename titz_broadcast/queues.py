"""Celery queue names, in one place. Every queue here has a worker (see Procfile and
docker-compose.yml); ``titz_broadcast/tests/test_queues.py`` checks that.

Workers consume them in the order of ``ALL``: warnings first, then the answers residents
wait for, then broadcasts and housekeeping. Replies have a queue of their own so that a
flood of "Hilfe" (each answer a billed service message) can never delay a warning.
"""

DEFAULT = "default"
URGENT = "urgent"
REPLIES = "replies"

ALL = [URGENT, REPLIES, DEFAULT]
