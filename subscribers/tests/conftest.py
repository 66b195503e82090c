import hashlib
import hmac
import json

import pytest
from django.conf import settings

from titz_broadcast.celery import app as celery_app
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
def outbox(embedded):
    locmem.reset()
    yield locmem.outbox
    locmem.reset()


def sign(body: bytes) -> str:
    digest = hmac.new(settings.WHATSAPP_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@pytest.fixture
def webhook(client, django_capture_on_commit_callbacks):
    """POST a correctly signed body to the webhook and run what it queued on commit."""

    def post(payload):
        body = json.dumps(payload).encode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/whatsapp/webhook/",
                body,
                content_type="application/json",
                headers={"X-Hub-Signature-256": sign(body)},
            )
        assert response.status_code == 200, response.content
        return response

    return post
