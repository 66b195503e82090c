"""``make run``'s terminal: no false "not synced" while the simulator starts, and the
logins where they can be found."""

import io

import pytest
import requests
import responses
from django.core.management import call_command
from django.test import override_settings

from announcements.management import demo_terminal
from announcements.models import MessageTemplate

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:9"
TEMPLATES = f"{BASE}/v25.0/300000000000001/message_templates"
ONE_TEMPLATE = {
    "data": [
        {
            "id": "1",
            "name": "titz_info",
            "language": "de",
            "category": "UTILITY",
            "status": "APPROVED",
            "components": [{"type": "BODY", "text": "Gemeinde Titz informiert: {{1}}"}],
        }
    ]
}


@pytest.fixture
def cloud(settings):
    with override_settings(
        WHATSAPP_BACKEND="whatsapp.backends.cloud_api.CloudAPIBackend",
        WHATSAPP_API_BASE_URL=BASE + "/",
        WHATSAPP_API_VERSION="v25.0",
        WHATSAPP_BUSINESS_ACCOUNT_ID="300000000000001",
        WHATSAPP_ACCESS_TOKEN="token-123",
    ):
        yield


@responses.activate
def test_a_simulator_still_starting_is_waited_for_not_reported(cloud, monkeypatch):
    monkeypatch.setattr(demo_terminal, "RETRY_SECONDS", 0.01)
    refused = requests.ConnectionError("connection refused")
    responses.get(TEMPLATES, body=refused)
    responses.get(TEMPLATES, body=refused)
    responses.get(TEMPLATES, json=ONE_TEMPLATE)
    out = io.StringIO()
    assert demo_terminal.sync_templates_patiently(out, wait=5)
    assert out.getvalue() == "Vorlagen: 1 neu, 0 aktualisiert, 0 entfallen."
    assert MessageTemplate.objects.filter(name="titz_info").exists()


@responses.activate
def test_a_simulator_that_never_answers_is_reported_once_in_german(cloud, monkeypatch):
    monkeypatch.setattr(demo_terminal, "RETRY_SECONDS", 0.01)
    responses.get(TEMPLATES, body=requests.ConnectionError("connection refused"))
    out = io.StringIO()
    assert not demo_terminal.sync_templates_patiently(out, wait=0.05)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Vorlagen noch nicht abgeglichen")
    assert "network error" not in out.getvalue()
    assert 1 < len(responses.calls) <= 6  # retried, and bounded by the wait


def test_make_run_leaves_the_sync_to_demo_seed(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_setup", "--no-templates", stdout=out)
    assert "Vorlagen" not in out.getvalue()
    assert "demo / titz-demo-2026" in out.getvalue()
