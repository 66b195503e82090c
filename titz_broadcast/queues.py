"""Celery queue names, in one place. Every queue here has a worker (see Procfile and
docker-compose.yml); ``titz_broadcast/tests/test_queues.py`` checks that."""

DEFAULT = "default"
URGENT = "urgent"

ALL = [URGENT, DEFAULT]
