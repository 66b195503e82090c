import json
from pathlib import Path

import pytest

from whatsapp.backends import locmem

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _empty_locmem(settings):
    # Explicit: pytest-django loads settings before the root conftest sets the environment.
    settings.WHATSAPP_BACKEND = "whatsapp.backends.locmem.LocmemBackend"
    locmem.reset()
    yield
    locmem.reset()


@pytest.fixture(autouse=True)
def _recorded_payloads_are_not_replays(settings):
    # The fixtures are Meta's payloads as recorded, timestamps of 2025 included; the check
    # that drops such old events as replays has its own test (subscribers/tests).
    settings.WHATSAPP_EVENT_MAX_AGE_HOURS = 0


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())
