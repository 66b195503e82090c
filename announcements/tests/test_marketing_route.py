"""Issue 25: MARKETING templates go through Meta's Marketing Messages API, routed by the
template's category after the latest *completed* category update (the simulator judges)."""

import pytest
import requests

from announcements import tasks
from announcements.models import Announcement, MessageTemplate
from tests.fixtures import payloads
from tests.fixtures.broadcasts import approved_announcement, info_template, make_subscribers
from tests.fixtures.simulator import running_simulator
from tests.fixtures.webhooks import signed_post
from whatsapp import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim(settings):
    from titz_broadcast.celery import app

    with running_simulator(strict_templates=False) as simulator:
        for name, value in simulator.settings().items():
            setattr(settings, name, value)
        settings.WHATSAPP_BACKEND = "whatsapp.backends.cloud_api.CloudAPIBackend"
        settings.REDIS_URL = ""
        settings.WHATSAPP_MESSAGES_PER_SECOND = 0
        previous, app.conf.task_always_eager = app.conf.task_always_eager, True
        yield simulator
        app.conf.task_always_eager = previous


def broadcast(title, django_capture_on_commit_callbacks):
    announcement = approved_announcement(title=title)
    ratelimit.pair_gate.cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_tick()
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    return announcement


def endpoints(sim):
    return [m["endpoint"] for m in sim.messages()]


def test_marketing_templates_go_through_marketing_messages(
    sim, client, django_capture_on_commit_callbacks
):
    make_subscribers(2)
    template = info_template()
    MessageTemplate.objects.filter(pk=template.pk).update(meta_id="830000000000099")
    broadcast("Nützlich", django_capture_on_commit_callbacks)
    assert endpoints(sim) == ["messages", "messages"]

    # Announced only (24 h ahead): the route stays.
    impending = payloads.template_category(
        "830000000000099", "titz_info", "MARKETING", "UTILITY", impending=True
    )
    assert signed_post(client, impending).status_code == 200
    broadcast("Noch nützlich", django_capture_on_commit_callbacks)
    assert endpoints(sim)[2:] == ["messages", "messages"]

    done = payloads.template_category("830000000000099", "titz_info", "MARKETING", "UTILITY")
    assert signed_post(client, done).status_code == 200
    broadcast("Werbung", django_capture_on_commit_callbacks)
    assert endpoints(sim)[4:] == ["marketing_messages", "marketing_messages"]
    assert sim.stats()["counters"]["accepted_marketing_messages"] == 2

    # And back: Meta's next completed change routes it through /messages again.
    back = payloads.template_category("830000000000099", "titz_info", "UTILITY", "MARKETING")
    assert signed_post(client, back).status_code == 200
    broadcast("Wieder nützlich", django_capture_on_commit_callbacks)
    assert endpoints(sim)[6:] == ["messages", "messages"]


def test_simulator_marketing_endpoint_takes_templates_only(sim):
    url = f"{sim.base_url}/v23.0/{sim.config.phone_number_id}/marketing_messages"
    headers = {"Authorization": f"Bearer {sim.config.access_token or 'dev-access-token'}"}
    body = {"messaging_product": "whatsapp", "to": "4915100000001", "type": "text"}
    body["text"] = {"body": "Hallo"}
    answer = requests.post(url, json=body, headers=headers, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
    assert sim.messages() == []
