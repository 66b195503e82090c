"""The residents' side runs embedded: locmem backend, eager Celery, an empty outbox.

Webhook POSTs come from the shared ``webhook`` fixture (``tests/fixtures/webhooks.py``).
"""

import pytest

from titz_broadcast.celery import app as celery_app
from whatsapp import ratelimit
from whatsapp.backends import locmem


@pytest.fixture(autouse=True)
def embedded(settings):
    """The locmem backend and eager Celery, whatever the environment says (a developer's
    ``.env`` may point at a real broker and Meta)."""
    settings.WHATSAPP_BACKEND = "whatsapp.backends.locmem.LocmemBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_pair_gate():
    """Broadcasts keep who got one in the last six seconds in process memory, keyed by
    subscriber id; the next test's subscribers reuse the ids."""
    ratelimit.pair_gate.cache_clear()
    yield
    ratelimit.pair_gate.cache_clear()


@pytest.fixture(autouse=True)
def outbox(embedded):
    locmem.reset()
    yield locmem.outbox
    locmem.reset()
